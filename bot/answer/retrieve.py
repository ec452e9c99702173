"""Question -> Passages: dense (Chroma) and BM25 (llama-index, bm25s) results, fused by rank."""

from __future__ import annotations

import logging
import threading
from collections.abc import Container

import numpy as np

from factbot.text.matching import content_stems, stem_in
from factbot.core.types import Chunk, Passage
from factbot.index.store import DocRecord, Store

RRF_K = 60  # the usual reciprocal-rank-fusion constant


class HybridRetriever:
    """Holds the BM25 index over the stored chunks; rebuild() after the store changes."""

    def __init__(self, store: Store, top_k: int):
        self.store = store
        self.top_k = top_k
        self._lock = threading.Lock()
        self._bm25 = None
        self._docs: dict[str, DocRecord] = {}
        self._chunks: dict[str, Chunk] = {}
        self._chunk_stems: list[set[str]] = []

    def rebuild(self) -> None:
        import Stemmer
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import

        with self._lock:
            self._docs = self.store.documents()
            # Chunks of a document without a record belong to an interrupted ingest: not shown.
            chunks = [c for c in self.store.all_chunks() if c.doc_id in self._docs]
            self._chunks = {c.id: c for c in chunks}
            self._chunk_stems = [content_stems(c.text) for c in chunks]
            nodes = [TextNode(id_=c.id, text=c.text) for c in chunks]
            self._bm25 = (
                BM25Retriever.from_defaults(
                    nodes=nodes,
                    similarity_top_k=min(self.top_k, len(nodes)),
                    stemmer=Stemmer.Stemmer("english"),
                    language="english",
                )
                if nodes
                else None
            )

    def chunk_share(self, stem: str) -> float:
        """Share of the indexed chunks that contain a word stem (or one with its first four letters)."""
        if not self._chunk_stems:
            return 0.0
        hits = sum(stem_in(stem, s) for s in self._chunk_stems)
        return hits / len(self._chunk_stems)

    def retrieve(self, question: str, query_vector: np.ndarray) -> list[Passage]:
        if self._bm25 is None:
            self.rebuild()
        with self._lock:
            bm25, docs, chunks = self._bm25, self._docs, self._chunks
        if bm25 is None:
            return []
        # Only chunks of the BM25 snapshot: an ingest running now may have stored chunks it lacks.
        dense = [h for h in self.store.query(query_vector, self.top_k) if h.chunk.id in chunks]
        lexical = [(n.node.node_id, float(n.score or 0.0)) for n in bm25.retrieve(question)]

        dense_sim = {h.chunk.id: h.similarity for h in dense}
        lex_score = dict(lexical)
        passages = []
        for cid, score in fuse([h.chunk.id for h in dense], lexical, chunks):
            chunk = chunks[cid]
            if cid not in dense_sim:  # BM25-only hit: its dense similarity is still informative
                dense_sim[cid] = float(np.dot(self._vector(cid), query_vector))
            doc = docs[chunk.doc_id]
            passages.append(
                Passage(chunk, doc.title, doc.source, score, dense=dense_sim[cid], lexical=lex_score.get(cid, 0.0))
            )
        return passages

    def _vector(self, chunk_id: str) -> np.ndarray:
        got = self.store.chunks.get(ids=[chunk_id], include=["embeddings"])
        return np.asarray(got["embeddings"][0], dtype=np.float32)


def fuse(dense_ids: list[str], lexical: list[tuple[str, float]], known: Container[str]) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each chunk scores 1 / (RRF_K + rank) in every list that ranks it
    (rank from 1), summed; highest first. BM25 hits scoring <= 0 (no query word) and ids not in
    `known` are ignored; dense ids are taken as they come."""
    fused: dict[str, float] = {}
    for rank, cid in enumerate(dense_ids):
        fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, (cid, score) in enumerate(lexical):
        if score > 0 and cid in known:
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(fused.items(), key=lambda kv: -kv[1])


def shortlist(passages: list[Passage], n: int, per_retriever: int = 2) -> list[Passage]:
    """The top n fused passages, plus each retriever's own top few: a passage that one retriever
    ranks first but the other misses would otherwise fall below chunks both rank mediocre."""
    by_dense = sorted(passages, key=lambda p: -p.dense)[:per_retriever]
    by_lexical = [p for p in sorted(passages, key=lambda p: -p.lexical)[:per_retriever] if p.lexical > 0]
    keep = {p.chunk.id for p in passages[:n] + by_dense + by_lexical}
    return [p for p in passages if p.chunk.id in keep]
