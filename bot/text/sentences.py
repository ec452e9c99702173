"""Sentence spans with character offsets (NLTK Punkt, the model shipped inside llama-index-core)."""

from __future__ import annotations

import functools
import importlib.abc
import re
import sys
from collections.abc import Iterable

from factbot.text.nltk_data import nltk_cache_dir

_TERMINAL = re.compile(r"[.!?:;…”\"')\]]\s*$")


class _WithoutOptionalExtras(importlib.abc.MetaPathFinder):
    """While nltk's package imports, its optional scipy.stats and scikit-learn hooks (Fisher's exact
    test for collocations, SklearnClassifier; factbot uses neither) find those packages missing, as
    nltk allows: they would add 1.3 s to every start. Other importers are not affected."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "sklearn" or name.startswith("scipy.stats"):
            raise ImportError(f"{name}: not loaded for nltk")
        return None


@functools.cache
def _punkt():
    skip = _WithoutOptionalExtras()
    sys.meta_path.insert(0, skip)
    try:
        import nltk
        from nltk.tokenize import PunktTokenizer
    finally:
        sys.meta_path.remove(skip)

    cache = nltk_cache_dir()
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


def sentences_in(text: str, offset: int = 0) -> list[tuple[int, int, str]]:
    """Sentences of text as (start, end, sentence); offset is where text starts in its document
    (a chunk's start), so start and end are document offsets: text[start - offset : end - offset]."""
    return texts_at(text, offset, [(offset + s0, offset + s1) for s0, s1 in sentence_spans(text)])


def texts_at(text: str, offset: int, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, text) for spans already known in document offsets (an Evidence's sentences),
    text being the document's text from offset on."""
    return [(s0, s1, text[s0 - offset : s1 - offset]) for s0, s1 in spans]


def is_heading(sentence: str) -> bool:
    """A short line without closing punctuation: a title or section heading, not a statement."""
    return len(sentence.split()) <= 12 and not ends_finished(sentence)


def ends_finished(text: str) -> bool:
    """text ends as a finished sentence or clause does: a stop, a closing quote or bracket, a colon."""
    return bool(_TERMINAL.search(text))
