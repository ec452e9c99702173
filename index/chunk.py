"""Document -> Chunks: whole sentences packed up to a token budget, with offsets into the text."""

from __future__ import annotations

from collections.abc import Callable

from bot.types import Chunk, Document
from index.sentences import is_heading, sentence_spans

MIN_TOKENS_BEFORE_HEADING = 80  # a heading starts a new chunk once the current one has substance


def _split_long(text: str, span: tuple[int, int], max_tokens: int, count: Callable[[str], int]):
    """Cut a sentence longer than the budget at word boundaries."""
    start, end = span
    pieces = []
    while count(text[start:end]) > max_tokens:
        words = text[start:end].split(" ")
        lo, hi = 1, len(words)
        while lo < hi:  # longest word prefix that fits
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if count(" ".join(words[:mid])) <= max_tokens else (lo, mid - 1)
        cut = start + len(" ".join(words[:lo]))
        pieces.append((start, cut))
        start = cut + 1
    pieces.append((start, end))
    return pieces


def chunk_document(doc: Document, max_tokens: int, count_tokens: Callable[[str], int]) -> list[Chunk]:
    text = doc.text
    spans = []
    for s in sentence_spans(text):
        spans.extend(_split_long(text, s, max_tokens, count_tokens))

    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    used = 0
    for span in spans:
        n = count_tokens(text[span[0] : span[1]])
        heading = is_heading(text[span[0] : span[1]])
        if current and (used + n > max_tokens or (heading and used >= MIN_TOKENS_BEFORE_HEADING)):
            groups.append(current)
            current, used = [], 0
        current.append(span)
        used += n
    if current:
        groups.append(current)

    return [
        Chunk(id=f"{doc.id}:{i}", doc_id=doc.id, text=text[g[0][0] : g[-1][1]], start=g[0][0], end=g[-1][1])
        for i, g in enumerate(groups)
    ]
