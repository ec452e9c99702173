"""Question -> Passages: dense (Chroma) and BM25 (index/lexical.py) results, fused by rank."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Container
from pathlib import Path

import numpy as np

from factbot.core.types import Passage
from factbot.index.lexical import LexicalIndex
from factbot.index.store import Store

RRF_K = 60  # the usual reciprocal-rank-fusion constant


class HybridRetriever:
    """Dense search in the store and BM25 in the lexical index (index/lexical.py), fused by rank.
    rebuild() after the store changes: it reads back only the documents that changed."""

    def __init__(self, store: Store, top_k: int, lexical_path: Path | None = None):
        self.store = store
        self.top_k = top_k
        self.lexical_path = lexical_path  # None: in memory, built from the store at each start
        self._lock = threading.Lock()
        self._lexical: LexicalIndex | None = None

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

    def retrieve(
        self, question: str, query_vector: np.ndarray, within: Collection[str] | None = None, timings: dict | None = None
    ) -> list[Passage]:
        """Fused dense and BM25 passages; with within (doc ids), only passages of those documents.
        timings: filled with each stage's seconds (dense, bm25, fetch, fuse)."""
        lex = self.lexical
        lex.refresh()  # what another process (factbot ingest) indexed since
        if lex.count == 0:
            return []
        lap = _stopwatch(timings)
        doc_ids = sorted(within) if within is not None else None
        # Only chunks the lexical index holds, in the version it holds: an ingest running now may
        # have stored chunks it lacks.
        dense = [h for h in self.store.query(query_vector, self.top_k, doc_ids) if lex.has(h.chunk)]
        lap("dense")
        lexical = lex.search(question, self.top_k, within)
        lap("bm25")
        chunks = {h.chunk.id: h.chunk for h in dense}
        dense_sim = {h.chunk.id: h.similarity for h in dense}
        bm25_only = [cid for cid, score in lexical if score > 0 and cid not in chunks]
        for cid, (chunk, vector) in self.store.chunks_with_vectors(bm25_only).items():  # one request for all
            if lex.has(chunk):
                chunks[cid] = chunk
                dense_sim[cid] = float(np.dot(vector, query_vector))  # its dense similarity is still informative
        lap("fetch")
        lex_score = dict(lexical)
        passages = []
        for cid, score in fuse([h.chunk.id for h in dense], lexical, chunks):
            chunk = chunks[cid]
            doc = lex.document(chunk.doc_id)
            if doc is not None:  # None: removed by a sync a moment ago
                passages.append(
                    Passage(chunk, doc.title, doc.source, score, dense=dense_sim[cid], lexical=lex_score.get(cid, 0.0))
                )
        lap("fuse")
        return passages


def _stopwatch(timings: dict | None):
    last = [time.perf_counter()]

    def lap(stage: str) -> None:
        if timings is not None:
            now = time.perf_counter()
            timings[stage] = now - last[0]
            last[0] = now

    return lap


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
