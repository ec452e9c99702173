"""The date a text opens with, set off from it ("Oct 20, 2021 ... Google revealed the Pixel 6 on
19th October", "May 6, 2021 - Juliana is our National Teacher of the Year"), is when the text was
published, not when what it reports happened: search snippets, wire copy and feeds open so.

It answers no "when" and gives no value to a slot. It backs an answer's date only where the line
gives no date of its own ("Oct 19, 2021 ... Google has officially announced its new Pixel 6"
reports the day it was written); beside a date in the line it is only when the line was written.
It still dates the line: a line published in 2016 reports nothing of 2018
(text/questions.missing_constraints)."""

from __future__ import annotations

import re

from factbot.text.matching import MONTH_NAMES, YEAR, month_names

_MONTH = r"(?:%s)[a-z]*\.?" % "|".join(m[:3] for m in MONTH_NAMES)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = rf"(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d\d-\d\d)"
# The date, then a mark that sets it off from the text: an ellipsis, a dash, a bar, a colon.
_DATELINE = re.compile(rf"^\s*{_DATE}\s*(?:\.{{3}}|…|[-–—|:·])", re.I)


def dateline_end(text: str) -> int:
    """Where the dateline that opens text ends; 0 when it has none."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


def blanked(text: str) -> str:
    """text with its dateline turned to spaces, so offsets into it still hold."""
    end = dateline_end(text)
    return " " * end + text[end:]


def as_date_evidence(text: str) -> str:
    """text as evidence of an answer's numbers: without its dateline where the line gives a date
    of its own, whole where the dateline is its only date."""
    end = dateline_end(text)
    own_date = end and (month_names(text[end:]) or YEAR.search(text, end))
    return blanked(text) if own_date else text
