"""FactbotEvidencePostprocessor: factbot's evidence selection after any llama-index retriever."""

from __future__ import annotations

from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

from factbot.answer.find import EvidenceFinder
from factbot.core.config import Config
from factbot.index.embed import Embedder
from factbot.llama_index.nodes import evidence_node, node_passage


class FactbotEvidencePostprocessor(BaseNodePostprocessor):
    """Retrieved nodes (best first) -> the few passages factbot would show its model. The sentences
    of the top nodes (up to FACTBOT_SHORTLIST_SENTENCES) are scored against the question: MiniLM
    similarity, the question's words, what the question asks for (a name for "who", a date for
    "when"), penalties for another year or number than the question's. The best are widened to the
    lines they need (who is speaking, the line a "this" points back to), merged, and numbered: the
    best 3, up to FACTBOT_EVIDENCE_K while they fit in FACTBOT_EVIDENCE_WORDS words. Each comes back
    as a node with its span in its article (start/end_char_idx) and its relevance as score.

    Nodes are read as factbot's retrievers make them (metadata doc_id, title, source; offsets as
    start_char_idx); other retrievers' nodes work too (ref_doc_id, file_name). This selects; it
    does not decide that nothing answers the question (FactBot does that before calling a model)."""

    _finder: EvidenceFinder = PrivateAttr()

    def __init__(self, embedder: Embedder | None = None, config: Config | None = None, **kwargs):
        super().__init__(**kwargs)
        config = config or Config.from_env()
        self._finder = EvidenceFinder(None, embedder or Embedder(threads=config.threads), config)

    @classmethod
    def of(cls, bot) -> FactbotEvidencePostprocessor:
        """The postprocessor with a FactBot's embedder and settings."""
        return cls(bot.embedder, bot.config)

    @classmethod
    def class_name(cls) -> str:
        return "FactbotEvidencePostprocessor"

    def _postprocess_nodes(self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None) -> list[NodeWithScore]:
        if query_bundle is None:
            raise ValueError("FactbotEvidencePostprocessor needs the question: pass query_str or query_bundle.")
        if not nodes:
            return []
        question = query_bundle.query_str
        q_vec = self._finder.embedder.embed_one(question)  # MiniLM's vector, whatever embedded the query upstream
        found = self._finder.select(question, q_vec, [node_passage(n) for n in nodes])
        return [evidence_node(e) for e in found.evidence]
