"""Question -> Passages: dense search (a llama-index VectorStoreIndex over the Chroma chunks) and
BM25 (the persisted lexical index as a llama-index retriever), fused by llama-index's
QueryFusionRetriever (reciprocal rank). The llama-index parts are in factbot.answer.retrievers."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from pathlib import Path

import numpy as np

from factbot.core.types import Passage
from factbot.index.embed import Embedder
from factbot.index.lexical import LexicalIndex
from factbot.index.store import Store


class HybridRetriever:
    """Dense search in the store and BM25 in the lexical index (index/lexical.py), fused by rank.
    rebuild() after the store changes: it reads back only the documents that changed."""

    def __init__(self, store: Store, top_k: int, lexical_path: Path | None, embedder: Embedder):
        self.top_k = top_k
        self.lexical_path = lexical_path  # None: in memory, built from the store at each start
        self.embedder = embedder
        self._lock = threading.Lock()
        self._lexical: LexicalIndex | None = None
        self.store = store

    @property
    def store(self) -> Store:
        return self._store

    @store.setter
    def store(self, store: Store) -> None:
        """A store opened afresh (FactBot follows the index): the vector index is made over it."""
        self._store, self._vector_index = store, None

    @property
    def vector_index(self):
        """The store's chunks as a llama-index VectorStoreIndex (made on first use)."""
        index = self._vector_index
        if index is None:
            from factbot.answer.retrievers import vector_index

            index = self._vector_index = vector_index(self._store, self.embedder)
        return index

    @property
    def lexical(self) -> LexicalIndex:
        """The lexical index, loaded and brought up to the store on first use."""
        if self._lexical is None:
            self.rebuild()
        return self._lexical

    def rebuild(self, progress: bool = False) -> None:
        """Bring the lexical index up to the store's committed documents. Chunks of a document
        without a record belong to an interrupted ingest: not indexed, so never shown."""
        with self._lock:
            if self._lexical is None:
                self._lexical = LexicalIndex(self.lexical_path, self.store.collection_id)
            self._lexical.sync(self.store.known_documents(), self.store.chunks_of, progress)

    def chunk_share(self, stem: str) -> float:
        """Share of the indexed chunks that contain a word stem (or one with its first four letters):
        a count kept at ingest, so O(1) per question word."""
        return self.lexical.share(stem)

    def as_retriever(self, within: Collection[str] | None = None):
        """Dense and BM25 fused by reciprocal rank, as one llama-index retriever (QueryFusionRetriever)
        for llama-index pipelines. within: doc ids to search (None: all)."""
        return self.fused(within)[0]

    def fused(self, within: Collection[str] | None = None):
        """The fused retriever for one question, and the record of what its two retrievers find
        (factbot.answer.retrievers.Call: each one's own scores, chunks, stage timings)."""
        from factbot.answer.retrievers import Call, ChunkNodes, DenseRetriever, LexicalRetriever, fused

        lex, store, call = self.lexical, self.store, Call()
        nodes = ChunkNodes(lex, store)
        dense = DenseRetriever(self.vector_index, nodes, self.top_k, within, call)
        lexical = LexicalRetriever(lex, nodes, self.top_k, within, call)
        return fused(dense, lexical, self.top_k), call

    def retrieve(
        self, question: str, query_vector: np.ndarray, within: Collection[str] | None = None, timings: dict | None = None
    ) -> list[Passage]:
        """Fused dense and BM25 passages; with within (doc ids), only passages of those documents.
        timings: filled with each stage's seconds (dense, bm25, fetch, fuse)."""
        from llama_index.core.schema import QueryBundle

        lex = self.lexical
        lex.refresh()  # what another process (factbot ingest) indexed since
        if lex.count == 0:
            return []
        fusion, call = self.fused(within)
        t0 = time.perf_counter()
        # The question's vector rides along, so the vector index does not embed the question again.
        nodes = fusion.retrieve(QueryBundle(question, embedding=query_vector.tolist()))
        passages = []
        for hit in nodes:
            cid = hit.node.node_id
            dense = call.dense.get(cid)
            if dense is None:  # a BM25-only hit: its dense similarity is still informative
                dense = float(np.dot(call.vectors[cid], query_vector))
            meta = hit.node.metadata
            passages.append(Passage(call.chunks[cid], meta["title"], meta["source"], float(hit.score), dense=dense,
                                    lexical=call.lexical.get(cid, 0.0)))  # fmt: skip
        if timings is not None:
            stages = {s: call.timings.get(s, 0.0) for s in ("dense", "bm25", "fetch")}
            timings.update(stages, fuse=max(0.0, time.perf_counter() - t0 - sum(stages.values())))
        return passages


def shortlist(passages: list[Passage], n: int, per_retriever: int = 2) -> list[Passage]:
    """The top n fused passages, plus each retriever's own top few: a passage that one retriever
    ranks first but the other misses would otherwise fall below chunks both rank mediocre."""
    by_dense = sorted(passages, key=lambda p: -p.dense)[:per_retriever]
    by_lexical = [p for p in sorted(passages, key=lambda p: -p.lexical)[:per_retriever] if p.lexical > 0]
    keep = {p.chunk.id for p in passages[:n] + by_dense + by_lexical}
    return [p for p in passages if p.chunk.id in keep]
