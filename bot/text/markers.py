"""The [n] citation markers of an answer: "[2]", "[1, 3]", "[1; 4]". One pattern, read and
removed the same way by the citation checks, the UI and the evaluation."""

from __future__ import annotations

import re

_BODY = r"\[(\d+(?:\s*[,;]\s*\d+)*)\]"  # group 1: the numbers and their separators
_SEPARATOR = re.compile(r"\s*[,;]\s*")

MARKER = re.compile(_BODY)  # just the marker: for linking it or finding it
SPACED_MARKER = re.compile(r"\s*" + _BODY)  # with the whitespace before it: for removing it
LEADING_MARKERS = re.compile(r"(?:\s*" + _BODY + r")+")  # markers opening a text ("[1] B [2]." -> "[1]")
MARKER_RUN = re.compile(r"(?:" + _BODY + r")+")  # markers side by side after one sentence: "[1][3]"


def marker_numbers(body: str) -> tuple[int, ...]:
    """The numbers inside one marker, given its group 1: "1, 3" -> (1, 3)."""
    return tuple(int(n) for n in _SEPARATOR.split(body))


def cited_numbers(text: str) -> tuple[int, ...]:
    """Every number of every marker in text, in order, repeats kept: "A [1]. B [2, 1]." -> (1, 2, 1)."""
    return tuple(n for m in MARKER.finditer(text) for n in marker_numbers(m.group(1)))


def has_markers(text: str) -> bool:
    return MARKER.search(text) is not None


def strip_markers(text: str) -> str:
    """text without its markers and the whitespace before each: "troops [1]." -> "troops."."""
    return SPACED_MARKER.sub("", text)
