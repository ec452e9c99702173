"""Sentence spans with character offsets (NLTK Punkt, the model shipped inside llama-index-core)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

_TERMINAL = re.compile(r"[.!?:;…”\"')\]]\s*$")


@functools.cache
def _punkt():
    import llama_index.core
    import nltk
    from nltk.tokenize import PunktTokenizer

    cache = Path(llama_index.core.__file__).parent / "_static" / "nltk_cache"
    if str(cache) not in nltk.data.path:
        nltk.data.path.insert(0, str(cache))
    return PunktTokenizer("english")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Non-empty lines, stripped, as (start, end) offsets."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        line = m.group()
        lead = len(line) - len(line.lstrip())
        trail = len(line.rstrip())
        if trail > lead:
            spans.append((m.start() + lead, m.start() + trail))
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as offsets into text. Never crosses a line break."""
    end = len(text) if end is None else end
    tok = _punkt()
    spans = []
    for p0, p1 in paragraph_spans(text[start:end]):
        para = text[start + p0 : start + p1]
        for s0, s1 in tok.span_tokenize(para):
            spans.append((start + p0 + s0, start + p0 + s1))
    return spans


def is_heading(sentence: str) -> bool:
    """A short line without closing punctuation: a title or section heading, not a statement."""
    return len(sentence.split()) <= 12 and not _TERMINAL.search(sentence)
