"""BM25 at scale: llama-index's BM25Retriever (bm25s, persisted with persist()/from_persist_dir())
against factbot's persisted lexical index (index/lexical.py), on the same synthetic chunks.

    python -m factbot.evals.bm25_persistence --chunks 100000

What a running factbot needs of its keyword side, measured for both: the start of a new process
(load from disk), a question (top 8, and within a few chosen articles), one article added or
changed (what every ingest, upload and folder sync does), the files on disk and the memory held.
The chunks are the scale benchmark's synthetic articles (evals/scale_data.py), cut into whole
sentences of up to 150 words (about the 200 MiniLM tokens real chunks hold) without the
tokenizer, which would dominate the run and is the same for both."""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from factbot.core.types import Chunk

QUESTIONS = [
    "What did Kellogg clarify about the resiliency force?", "Who won the 2020 Women's British Open?",
    "How much did global temperatures rise since 1880?", "Where did Witkoff meet Putin?",
    "When was the Pixel 6 released?", "Which city hosted the olympic games in 2004?",
    "What did Peskov tell Russian state media about the summit?", "sea level rise Antarctic ice sheet",
]  # fmt: skip
WORDS_PER_CHUNK = 150


@dataclass
class Record:  # what LexicalIndex.sync reads of a stored document's record
    title: str
    source: str
    sha256: str
    chunks: int
    ingested_at: float


def collection(n_chunks: int, seed: int = 7) -> dict[str, list[Chunk]]:
    """doc id -> its chunks, until n_chunks chunks."""
    from factbot.evals import scale_data
    from factbot.evals.scale_data import Sources, default_dev_dir, source_pools
    from factbot.text.sentences import sentence_spans

    pools = source_pools(default_dev_dir())
    sentences = list(dict.fromkeys(s for p in pools for s in p))
    index = {s: i for i, s in enumerate(sentences)}
    src = Sources(sentences, [[index[s] for s in p] for p in pools], None)
    rng, docs, total = random.Random(seed), {}, 0
    while total < n_chunks:
        text, _ = scale_data.article(src, rng)
        doc_id = f"doc-{len(docs):06d}"
        chunks, start, words, end = [], None, 0, 0
        for a, b in sentence_spans(text):
            n = len(text[a:b].split())
            if start is not None and words + n > WORDS_PER_CHUNK:
                chunks.append(Chunk(f"{doc_id}:{len(chunks)}", doc_id, text[start:end], start, end))
                start, words = None, 0
            start = a if start is None else start
            words, end = words + n, b
        if start is not None:
            chunks.append(Chunk(f"{doc_id}:{len(chunks)}", doc_id, text[start:end], start, end))
        docs[doc_id] = chunks
        total += len(chunks)
    return docs


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _median_ms(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            fn(q)
            times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 2)


def llama_index_bm25(docs: dict[str, list[Chunk]], folder: Path) -> dict:
    import Stemmer
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    out: dict = {"rss_before_mb": round(_rss_mb())}

    def node(c: Chunk, text: str) -> TextNode:  # its article as ref_doc_id: the corpus's "doc_id"
        return TextNode(id_=c.id, text=text, relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=c.doc_id)})

    nodes = [node(c, c.text) for cs in docs.values() for c in cs]

    def build(ns):
        return BM25Retriever.from_defaults(nodes=ns, similarity_top_k=8, stemmer=Stemmer.Stemmer("english"), language="english")

    t = time.perf_counter()
    bm25 = build(nodes)
    out["build_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    bm25.persist(str(folder))
    out["persist_s"] = round(time.perf_counter() - t, 1)
    out["disk_mb"] = round(_size_mb(folder))
    del bm25
    t = time.perf_counter()
    loaded = BM25Retriever.from_persist_dir(str(folder))
    out["load_s"] = round(time.perf_counter() - t, 1)
    out["query_ms_p50"] = _median_ms(loaded.retrieve)
    # within a few articles: the weight mask of a retriever over the loaded index, made per question
    chosen = set(list(docs)[:5])
    t = time.perf_counter()
    mask = [int(c["doc_id"] in chosen) for c in loaded.corpus]
    scoped = BM25Retriever(existing_bm25=loaded.bm25, similarity_top_k=8, corpus_weight_mask=mask)
    scoped.retrieve(QUESTIONS[0])
    out["query_within_ms"] = round((time.perf_counter() - t) * 1000, 1)
    # one article changed: BM25Retriever has no update, so a new one over every node, persisted again
    last = docs[list(docs)[-1]][-1]
    changed = nodes[:-1] + [node(last, last.text + " Updated.")]
    t = time.perf_counter()
    build(changed).persist(str(folder))
    out["one_article_changed_s"] = round(time.perf_counter() - t, 1)
    out["rss_after_mb"] = round(_rss_mb())
    out["chunks"] = len(nodes)
    return out


def factbot_lexical(docs: dict[str, list[Chunk]], folder: Path) -> dict:
    from factbot.index.lexical import LexicalIndex

    out: dict = {"rss_before_mb": round(_rss_mb())}
    records = {d: Record(d, f"/x/{d}.txt", f"sha-{d}", len(cs), 1.0) for d, cs in docs.items()}

    def fetch(ids):
        return {d: docs[d] for d in ids}

    t = time.perf_counter()
    index = LexicalIndex(folder, "bench")
    index.sync(records, fetch)
    out["build_s"] = round(time.perf_counter() - t, 1)
    out["disk_mb"] = round(_size_mb(folder))
    del index
    t = time.perf_counter()
    loaded = LexicalIndex(folder, "bench")
    loaded.sync(records, fetch)  # a start: the store's records compared, nothing read back
    out["load_s"] = round(time.perf_counter() - t, 2)
    out["query_ms_p50"] = _median_ms(lambda q: loaded.search(q, 8))
    chosen = set(list(docs)[:5])
    t = time.perf_counter()
    loaded.search(QUESTIONS[0], 8, chosen)
    out["query_within_ms"] = round((time.perf_counter() - t) * 1000, 1)
    last = list(docs)[-1]
    changed = dict(records, **{last: Record(last, f"/x/{last}.txt", "sha-new", len(docs[last]), 2.0)})
    t = time.perf_counter()
    loaded.sync(changed, fetch)
    out["one_article_changed_s"] = round(time.perf_counter() - t, 3)
    out["rss_after_mb"] = round(_rss_mb())
    out["chunks"] = loaded.count
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--only", choices=("llama-index", "factbot"), help="measure one side (each in its own process keeps RSS apart)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    t = time.perf_counter()
    docs = collection(args.chunks)
    print(f"{sum(map(len, docs.values())):,} chunks in {len(docs):,} articles ({time.perf_counter() - t:.0f} s to make)", flush=True)
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (("llama-index", llama_index_bm25), ("factbot", factbot_lexical)):
            if args.only in (None, name):
                folder = Path(tmp) / name
                figures[name] = fn(docs, folder)
                print(name, json.dumps(figures[name]), flush=True)
                shutil.rmtree(folder, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
