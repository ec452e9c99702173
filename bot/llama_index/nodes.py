"""factbot's objects as llama-index nodes and back: a cited quote or a numbered passage as a TextNode
with its character span in the article; any retriever's node as a Passage."""

from __future__ import annotations

from llama_index.core.schema import MetadataMode, NodeRelationship, NodeWithScore, RelatedNodeInfo, TextNode

from factbot.core.types import Chunk, Citation, Evidence, Passage

SPAN_KEYS = ("doc_id", "start", "end", "n")  # for code, not for a model reading the node


def _node(doc_id: str, text: str, start: int, end: int, meta: dict) -> TextNode:
    meta = {"doc_id": doc_id, "start": start, "end": end} | {k: v for k, v in meta.items() if v not in (None, "", ())}
    return TextNode(
        id_=f"{doc_id}:{start}-{end}", text=text, start_char_idx=start, end_char_idx=end, metadata=meta,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
        excluded_embed_metadata_keys=list(meta), excluded_llm_metadata_keys=[k for k in SPAN_KEYS if k in meta],
    )  # fmt: skip


def citation_node(c: Citation) -> NodeWithScore:
    """A cited quote: its text is Document.text[start:end] of the article doc_id, verbatim."""
    meta = {"n": c.n, "title": c.title, "source": c.source, "stance": str(c.stance.value), "page": c.page,
            "outlet": c.outlet, "authors": ", ".join(c.authors), "url": c.url,
            "published": c.published.isoformat() if c.published else None}  # fmt: skip
    return NodeWithScore(node=_node(c.doc_id, c.quote, c.start, c.end, meta), score=c.score)


def evidence_node(e: Evidence) -> NodeWithScore:
    """A numbered passage factbot shows its model ([n] in the prompt), scored by its relevance."""
    return NodeWithScore(node=_node(e.doc_id, e.text, e.start, e.end, {"n": e.n, "title": e.title, "source": e.source}),
                         score=e.relevance)  # fmt: skip


def node_passage(hit: NodeWithScore) -> Passage:
    """Any retriever's node as a Passage. Its article is metadata "doc_id", else its ref_doc_id; its
    offsets are its start_char_idx (or metadata "start"). A node without offsets counts as an
    article of its own, so spans are never mixed across nodes of one article."""
    node, meta = hit.node, hit.node.metadata or {}
    text = node.get_content(metadata_mode=MetadataMode.NONE)
    start = node.start_char_idx if node.start_char_idx is not None else meta.get("start")
    doc_id = meta.get("doc_id") or node.ref_doc_id or node.node_id
    if start is None:
        start, doc_id = 0, node.node_id
    chunk = Chunk(id=node.node_id, doc_id=str(doc_id), text=text, start=int(start), end=int(start) + len(text))
    title = meta.get("title") or meta.get("file_name") or str(doc_id)
    source = meta.get("source") or meta.get("file_path") or meta.get("file_name") or ""
    return Passage(chunk, str(title), str(source), float(hit.score or 0.0))
