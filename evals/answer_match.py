"""A looser reading of RGB's answer rule, reported beside it (never instead of it).

RGB's rule wants one of the answer's spellings as a substring of the reply. Replies that state the
right answer in another spelling fail it: "Chloe Zhao" for "Chloé Zhao", "Liu Yifei" for "Yifei
Liu", "10/27/2017" or "Nov. 15" for "November 15, 2020". This reading folds accents and case,
lets a name's words come in any order, and compares dates as (month, day, year), where a date
written without its year matches on month and day."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from factbot.text.matching import MONTH_NAMES, without_accents

if TYPE_CHECKING:
    from factbot.evals.rgb import AnswerSpec

_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
# month day[, year] | day month[, year] | m/d/yyyy | d/m/yyyy | yyyy-mm-dd
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?")
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?:,?\s+{_YEAR}\b)?")
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WORD = re.compile(r"[a-z0-9]+")
NAME_SPAN_SLACK = 2  # a name's words may stand this many words apart ("Liu Yifei", "Yifei (Crystal) Liu")


def fold(text: str) -> str:
    """Lowercase, accents removed, quotes straightened."""
    return without_accents(text).lower().replace("’", "'")


def _month(name: str) -> int:
    return next(i for i, m in enumerate(MONTH_NAMES, 1) if m.startswith(name.rstrip(".")[:3]))


def dates(text: str) -> set[tuple[int, int, int | None]]:
    """Every (month, day, year or None) written in text."""
    t = fold(text)
    out = set()
    for m in _MONTH_DAY.finditer(t):
        out.add((_month(m[1]), int(m[2]), int(m[3]) if m[3] else None))
    for m in _DAY_MONTH.finditer(t):
        out.add((_month(m[2]), int(m[1]), int(m[3]) if m[3] else None))
    for m in _SLASHED.finditer(t):  # month first (10/27/2017) or day first (27/10/2017): both readings
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        out |= {(a, b, y), (b, a, y)}
    for m in _ISO.finditer(t):
        out.add((int(m[2]), int(m[3]), int(m[1])))
    return {d for d in out if 1 <= d[0] <= 12 and 1 <= d[1] <= 31}


def _date_match(alternative: str, text_dates: set) -> bool:
    wanted = {d for d in dates(alternative) if d[2] is not None}
    return any((m, d) == (wm, wd) and (y is None or y == wy) for wm, wd, wy in wanted for m, d, y in text_dates)


def _name_match(alternative: str, words: list[str]) -> bool:
    """Every word of the alternative, in any order, within a span of its length plus the slack."""
    need = _WORD.findall(fold(alternative))
    if not need:
        return False
    width = len(need) + NAME_SPAN_SLACK
    return any(set(need) <= set(words[i : i + width]) for i in range(max(len(words) - width + 1, 1)))


def holds_answer_loosely(answer: "AnswerSpec", text: str) -> bool:
    """Every part of the answer is in text, as RGB's substring or under the looser reading (any
    alternative of a part)."""
    folded, words, text_dates = fold(text), _WORD.findall(fold(text)), dates(text)
    parts = (answer,) if isinstance(answer, str) else answer
    if not parts:
        return False
    for part in parts:
        alternatives = (part,) if isinstance(part, str) else part
        if not any(fold(a) in folded or (_date_match(a, text_dates) if dates(a) else _name_match(a, words))
                   for a in alternatives):  # fmt: skip
            return False
    return True
