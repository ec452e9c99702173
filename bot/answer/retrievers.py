"""The retrievers, in llama-index's terms: a VectorStoreIndex over the Chroma chunk collection
(ChromaVectorStore), the persisted BM25 index (index/lexical.py) as a BaseRetriever, and
QueryFusionRetriever fusing them by reciprocal rank. Chunks travel as TextNodes carrying their
article's id, title, file, character offsets and publication date.

Imported on first retrieval (llama-index costs about a second to import): factbot.answer.retrieve
stays light for commands that never retrieve."""

from __future__ import annotations

import math
import time
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms.mock import MockLLM
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

from factbot.core.types import Chunk
from factbot.index.embed import EMBEDDER_NAME, Embedder
from factbot.index.lexical import LexicalIndex
from factbot.index.store import Store

OFFSET_KEYS = ("doc_id", "start", "end")  # what is not for a model to read in a node's metadata


class FactbotEmbedding(BaseEmbedding):
    """factbot's embedder (a SentenceTransformer on MiniLM) as a llama-index embed model: the vectors
    the chunks were stored with, for a VectorStoreIndex queried with text."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs):
        super().__init__(model_name=EMBEDDER_NAME, embed_batch_size=32, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "FactbotEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_one(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_one(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def vector_index(store: Store, embedder: Embedder) -> VectorStoreIndex:
    """The store's chunks as a llama-index VectorStoreIndex (nothing is copied: it queries Chroma)."""
    return VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=FactbotEmbedding(embedder))


@dataclass
class Call:
    """What one retrieval learns besides the fused order: each retriever's own score per chunk id,
    the chunks, the stored vectors of BM25 hits, and the seconds of each stage."""

    chunks: dict[str, Chunk] = field(default_factory=dict)
    dense: dict[str, float] = field(default_factory=dict)  # cosine similarity to the question
    lexical: dict[str, float] = field(default_factory=dict)  # BM25 score
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class ChunkNodes:
    """Chunks -> TextNodes, one way for both retrievers: fusion merges a chunk both find by the
    node's hash (its text and metadata), so both must build the same node."""

    def __init__(self, lexical: LexicalIndex, store: Store):
        self.lexical, self.store = lexical, store

    def node(self, chunk: Chunk) -> TextNode | None:
        """None when the chunk is not indexed in this version of its text, or its document was
        removed a moment ago (an ingest or removal running in another process)."""
        doc = self.lexical.document(chunk.doc_id)
        if doc is None or not self.lexical.has(chunk):
            return None
        meta = {"doc_id": chunk.doc_id, "title": doc.title, "source": doc.source, "start": chunk.start, "end": chunk.end}
        rec = self.store.record(chunk.doc_id)
        if rec is not None and rec.published:
            meta["published"] = rec.published.isoformat()
        return TextNode(
            id_=chunk.id, text=chunk.text, metadata=meta, start_char_idx=chunk.start, end_char_idx=chunk.end,
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
            excluded_embed_metadata_keys=list(meta), excluded_llm_metadata_keys=list(OFFSET_KEYS),
        )  # fmt: skip


class DenseRetriever(BaseRetriever):
    """The VectorStoreIndex's retriever (Chroma's nearest chunks; `within` as a metadata filter
    applied inside the search), its nodes made chunk nodes scored by cosine similarity."""

    def __init__(self, index: VectorStoreIndex, nodes: ChunkNodes, top_k: int, within: Collection[str] | None, call: Call):
        super().__init__()
        self.nodes, self.call, self.empty = nodes, call, within is not None and not within
        filters = None
        if within is not None and within:
            filters = MetadataFilters(filters=[MetadataFilter(key="doc_id", value=sorted(within), operator=FilterOperator.IN)])
        self.inner = index.as_retriever(similarity_top_k=top_k, filters=filters)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        t = time.perf_counter()
        out = []
        for hit in [] if self.empty else self.inner.retrieve(query_bundle):
            meta = hit.node.metadata
            if "doc_id" not in meta:  # deleted by another process since this client opened
                continue
            chunk = Chunk(id=hit.node.node_id, doc_id=meta["doc_id"], text=hit.node.get_content(),
                          start=int(meta["start"]), end=int(meta["end"]))  # fmt: skip
            node = self.nodes.node(chunk)
            if node is not None:
                # ChromaVectorStore scores exp(-distance); Chroma's cosine distance is 1 - similarity
                similarity = 1.0 + math.log(hit.score)
                self.call.chunks[chunk.id], self.call.dense[chunk.id] = chunk, similarity
                out.append(NodeWithScore(node=node, score=similarity))
        self.call.timings["dense"] = time.perf_counter() - t
        return out


class LexicalRetriever(BaseRetriever):
    """BM25 over the chunks (index/lexical.py: persisted, updated per document; the scores bm25s
    gives, bit for bit) as a llama-index retriever. Hits with no question word (score 0) are left
    out; their texts and stored vectors come from the store in one request."""

    def __init__(self, lexical: LexicalIndex, nodes: ChunkNodes, top_k: int, within: Collection[str] | None, call: Call):
        super().__init__()
        self.lexical, self.nodes, self.top_k, self.within, self.call = lexical, nodes, top_k, within, call

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        t = time.perf_counter()
        hits = [(cid, score) for cid, score in self.lexical.search(query_bundle.query_str, self.top_k, self.within) if score > 0]
        self.call.timings["bm25"] = (t2 := time.perf_counter()) - t
        stored = self.nodes.store.chunks_with_vectors([cid for cid, _ in hits])
        out = []
        for cid, score in hits:
            if cid not in stored:
                continue
            chunk, vector = stored[cid]
            node = self.nodes.node(chunk)
            if node is not None:
                self.call.chunks[cid], self.call.lexical[cid], self.call.vectors[cid] = chunk, score, vector
                out.append(NodeWithScore(node=node, score=score))
        self.call.timings["fetch"] = time.perf_counter() - t2
        return out


def fused(dense: BaseRetriever, lexical: BaseRetriever, top_k: int) -> QueryFusionRetriever:
    """Reciprocal rank fusion of the two retrievers' lists, every chunk either returns kept.
    num_queries=1: the question is not rewritten, so no model is asked (MockLLM stands in)."""
    return QueryFusionRetriever(
        [dense, lexical], llm=MockLLM(), mode=FUSION_MODES.RECIPROCAL_RANK, similarity_top_k=2 * top_k,
        num_queries=1, use_async=False,
    )  # fmt: skip
