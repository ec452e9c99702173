"""The comparison system: stock llama-index CitationQueryEngine with its default settings.

Same corpus text (index.ingest.load_document), same embedder (MiniLM from its local path through
llama-index's HuggingFaceEmbedding), same local model (bot.llm.get_model). Everything else is
llama-index's default: VectorStoreIndex with its default node parser (SentenceSplitter, 1024
tokens), retriever top-2, citation chunks of 512 tokens, compact/refine synthesis.
The global `Settings.llm` (OpenAI) is never touched: llm and embed_model are passed explicitly.

Its response is mapped to a `Reply` so the same metrics apply: each [n] in its answer is a
citation of source node n, whose text is located in the article to give the cited span."""

from __future__ import annotations

import re
import time
from pathlib import Path

from factbot.core.config import Config
from factbot.model.llm import get_model
from factbot.evals.metrics import Cited, Reply, locate
from factbot.index.embed import model_path
from factbot.index.ingest import Unreadable, find_files, load_document, read_source
from factbot.text.markers import cited_numbers, has_markers

# "Source 2", "[Source 2]", "(Source 2)", "Sources 1 and 2" -> canonical [n] markers
_SOURCE_REF = re.compile(r"\s*[\[(]?\bSources?\s+(\d+(?:\s*(?:,|and|&)\s*\d+)*)[\])]?", re.IGNORECASE)
_DECLINE = re.compile(
    r"none of the (?:provided )?sources|(?:sources?|context|passages?|articles?|information)"
    r"(?: provided)? (?:do(?:es)? not|don't|doesn't|did not) (?:contain|mention|provide|say|include|specify|"
    r"answer|offer|give|state|address)|no (?:specific |relevant )?information (?:about|on|regarding|is)|"
    r"(?:cannot|can't|unable to) (?:be )?(?:answer|determine|provide|find)|not (?:mentioned|provided|specified|"
    r"stated) in the (?:provided )?(?:sources|context|text)|not enough information|empty response",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^Source \d+:\n")


def canonical_markers(text: str) -> str:
    """Rewrite the model's other ways of citing ("Source 2", "(Source 1 and 2)") as [2], [1, 2]."""
    def repl(m: re.Match) -> str:
        return " [" + ", ".join(re.findall(r"\d+", m.group(1))) + "]"

    return _SOURCE_REF.sub(repl, text)


def declines(text: str) -> bool:
    """The answer says the sources do not answer, or is empty: in its first sentence, or anywhere
    when it cites nothing."""
    text = text.strip()
    if not text:
        return True
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return bool(_DECLINE.search(first)) or (bool(_DECLINE.search(text)) and not has_markers(text))


def _find(chunk: str, doc_text: str) -> tuple[int, int] | None:
    """The chunk's span in the article: exact, else with any run of whitespace matching any other."""
    found = locate(chunk, doc_text)
    if found:
        return found
    words = chunk.split()
    if not words:
        return None
    m = re.search(r"\s+".join(map(re.escape, words)), doc_text)
    return (m.start(), m.end()) if m else None


class Baseline:
    name = "llama-index CitationQueryEngine"

    def __init__(self, config: Config, corpus: Path):
        from llama_index.core import Document as LIDocument
        from llama_index.core import VectorStoreIndex
        from llama_index.core.query_engine import CitationQueryEngine
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        self.docs: dict[str, str] = {}  # file name -> cleaned article text
        for path in find_files(Path(corpus)):
            try:
                self.docs[path.name] = load_document(read_source(path, config.max_file_bytes)).text
            except Unreadable:
                continue  # factbot skips it too
        documents = [LIDocument(text=t, metadata={"file_name": name}) for name, t in self.docs.items()]
        embed = HuggingFaceEmbedding(model_name=model_path())
        index = VectorStoreIndex.from_documents(documents, embed_model=embed)
        self.model = get_model(config)
        self.engine = CitationQueryEngine.from_args(index, llm=self.model.llama_index_llm())

    def reply(self, question: str) -> Reply:
        t0 = time.perf_counter()
        with self.model.lock:
            response = self.engine.query(question)
        latency = time.perf_counter() - t0
        text = canonical_markers(str(response.response or "").strip())
        sources = [self._source(n + 1, node.node) for n, node in enumerate(response.source_nodes)]
        shown = tuple(c.span for c in sources if c.span)
        if declines(text):
            return Reply(text=text, abstained=True, latency_s=latency, reason="declined", shown=shown)
        numbers = dict.fromkeys(cited_numbers(text))
        cited = tuple(sources[n - 1] if 1 <= n <= len(sources) else Cited(n, "", -1, -1, "") for n in numbers)
        return Reply(text=text, abstained=False, citations=cited, latency_s=latency, shown=shown)

    def _source(self, n: int, node) -> Cited:
        """Source n as a citation: its text located in the article (start -1 when not found)."""
        chunk = _PREFIX.sub("", node.get_content()).strip()
        name = node.metadata.get("file_name", "")
        span = _find(chunk, self.docs.get(name, ""))
        return Cited(n, name, *(span or (-1, -1)), chunk)
