"""Publication dates in the asking side: choosing articles by date (since, until, as_of), and
saying which side of a disagreement the most recent report takes.

News facts change: a toll reported in March and another in May is an update as much as a
contradiction, so the reader is told which report is newer; the answer still quotes every side."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from factbot.answer.conflicts import disagreement
from factbot.core.dates import day_text
from factbot.core.errors import BadInput
from factbot.core.types import Answer, Side
from factbot.index.store import DocRecord


def dated_ids(
    records: Mapping[str, DocRecord], ids: tuple[str, ...] | None,
    since: dt.date | None, until: dt.date | None, as_of: dt.date | None,
) -> tuple[str, ...] | None:  # fmt: skip
    """The articles (ids, or None for all) left once the dates are applied. since / until: only
    articles published in that range, so undated ones are left out. as_of: articles published
    after it did not exist yet and are left out; undated ones stay (nothing says they are later)."""
    if since is None and until is None and as_of is None:
        return ids
    if since and until and since > until:
        raise BadInput(f"--since {since} is after --until {until}. Swap them.")
    pool = [records[i] for i in ids if i in records] if ids is not None else list(records.values())
    kept = [r for r in pool if _fits(r.published, since, until, as_of)]
    if not kept:
        undated = sum(r.published is None for r in pool)
        span = " and ".join(p for p in (f"on or after {since}" if since else "", f"on or before {until or as_of}"
                                        if until or as_of else "") if p)  # fmt: skip
        note = f" ({undated} of them have no publication date)" if undated else ""
        raise BadInput(f"None of the {len(pool)} articles searched was published {span}{note}. Widen the dates.")
    return tuple(r.id for r in kept)


def _fits(day: dt.date | None, since: dt.date | None, until: dt.date | None, as_of: dt.date | None) -> bool:
    if day is None:
        return since is None and until is None
    return (since is None or day >= since) and (until is None or day <= until) and (as_of is None or day <= as_of)


def with_dates(a: Answer, as_of: dt.date | None = None) -> Answer:
    """The sides with their newest date; when they give different values and one side's report is
    the most recent, that side is marked newest and the answer says so after the disagreement."""
    if not a.conflicts:
        return dataclasses.replace(a, as_of=as_of)
    by_n = {c.n: c for c in a.citations}  # the answer's citations carry the bylines
    sides = []
    for s in a.conflicts:
        cits = tuple(by_n.get(c.n, c) for c in s.citations)
        dates = [c.published for c in cits if c.published]
        sides.append(dataclasses.replace(s, citations=cits, latest=max(dates, default=None)))
    newest = _newest(sides)
    text = a.text
    if newest is not None:
        sides[newest] = dataclasses.replace(sides[newest], newest=True)
        text = _say_latest(a, sides[newest])
    return dataclasses.replace(a, conflicts=tuple(sides), text=text, as_of=as_of)


def _newest(sides: list[Side]) -> int | None:
    """The side whose latest report is strictly newer than every other side's; None when two
    sides share the newest date or a side has no date (its report may be the newest)."""
    if len(sides) < 2 or any(s.latest is None for s in sides):
        return None
    best = max(range(len(sides)), key=lambda i: sides[i].latest)
    if sum(s.latest == sides[best].latest for s in sides) > 1:
        return None
    return best


def _say_latest(a: Answer, side: Side) -> str:
    """The answer's text with "The most recent report, [3] (2 May 2024), says Vantix." after the
    disagreement sentence (at the end when the text does not open with it)."""
    cit = max((c for c in side.citations if c.published), key=lambda c: c.published)
    sentence = f"The most recent report, [{cit.n}] ({day_text(cit.published)}), says {side.value}."
    opening = disagreement(a.conflicts)
    if a.text.startswith(opening):
        return f"{opening} {sentence}{a.text[len(opening):]}"
    return f"{a.text} {sentence}"
