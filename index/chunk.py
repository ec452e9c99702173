"""Document -> Chunks: whole sentences packed up to a token budget, with offsets into the text."""

from __future__ import annotations

import re
from collections.abc import Callable

from factbot.core.types import Chunk, Document
from factbot.text.sentences import is_heading, sentence_spans

MIN_TOKENS_BEFORE_HEADING = 80  # a heading starts a new chunk once the current one has substance


def _longest_fit(text: str, start: int, cuts: list[int], max_tokens: int, count: Callable[[str], int]) -> int:
    """The last cut point whose prefix text[start:cut] fits the budget (the first one if none fits)."""
    lo, hi = 0, len(cuts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if count(text[start : cuts[mid]]) <= max_tokens else (lo, mid - 1)
    return cuts[lo]


def _split_long(text: str, span: tuple[int, int], max_tokens: int, count: Callable[[str], int]):
    """Cut a sentence longer than the budget at word boundaries (any whitespace); a run longer than
    the budget with no whitespace at all (Chinese or Japanese text) is cut between characters."""
    start, end = span
    pieces = []
    while count(text[start:end]) > max_tokens:
        word_ends = [start + m.end() for m in re.finditer(r"\S+", text[start:end])]
        cut = _longest_fit(text, start, word_ends, max_tokens, count)
        if count(text[start:cut]) > max_tokens:  # one "word" alone is over the budget
            cut = _longest_fit(text, start, list(range(start + 1, cut + 1)), max_tokens, count)
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
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
