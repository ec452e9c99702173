"""Plain-text and JSON renderings of results, shared by the CLI and the eval reports."""

from __future__ import annotations

import json
import textwrap

from factbot.core.dates import day_text
from factbot.core.types import Answer, Citation, IndexReport, Verdict


def _page(c: Citation) -> str:
    return f", p. {c.page}" if c.page else ""


def byline(outlet: str, published, authors: tuple[str, ...] = ()) -> str:
    """"Reuters, 2 May 2024, by Jane Roe": who published it and when, what the article says of it."""
    by = f"by {', '.join(authors[:3])}{' et al.' if len(authors) > 3 else ''}" if authors else ""
    return ", ".join(p for p in (outlet, day_text(published), by) if p)


def _cited(c: Citation) -> str:
    """A citation's heading line: title, byline, then where the quote is."""
    who = byline(c.outlet, c.published, c.authors)
    return f"[{c.n}] {c.title}{f' — {who}' if who else ''} ({c.source}{_page(c)}, chars {c.start}-{c.end})"


def dates_note(since, until, as_of=None) -> str:
    """"published 1 May 2024 to 31 May 2024"; "" when no date was given."""
    parts = [f"from {day_text(since)}" if since else "", f"to {day_text(until)}" if until else "",
             f"as of {day_text(as_of)}" if as_of else ""]  # fmt: skip
    return " ".join(p for p in parts if p)


def _within(ids: tuple[str, ...], since=None, until=None, as_of=None) -> list[str]:
    dates = dates_note(since, until, as_of)
    if dates:
        return [f"(articles published {dates}: {len(ids)} searched)" if ids else f"({dates})"]
    return [f"(searched only within: {', '.join(ids)})"] if ids else []


def answer_text(a: Answer) -> str:
    lines = _within(a.within, a.since, a.until, a.as_of) + [textwrap.fill(a.text, 100)] + _sides(a)
    if a.citations:
        lines.append("\nSources:")
        for c in a.citations:
            lines.append(_cited(c))
            lines.append(textwrap.indent(textwrap.fill(" ".join(c.quote.split()), 96), "    > "))
    elif a.abstained and a.evidence:
        lines.append("\nClosest passages:")
        for e in a.evidence:
            lines.append(f"- {e.title} ({e.source})")
            lines.append(textwrap.indent(textwrap.fill(" ".join(e.text.split()), 96), "    > "))
    t = a.timings
    first = f", first token {t.first_token_s:.1f} s" if t.first_token_s else ""
    lines.append(f"\n({t.total_s:.1f} s: retrieval {t.retrieve_s * 1000:.0f} ms{first})")
    return "\n".join(lines)


def _sides(a: Answer) -> list[str]:
    """The sides when the sources disagree: each answer given, how many articles give it, where."""
    if not a.conflicts:
        return []
    lines = ["\nSOURCES DISAGREE:"]
    for s in a.conflicts:
        articles = f"{s.sources} article{'s' if s.sources != 1 else ''}"
        drafted = ", the drafted answer" if s.drafted else ""
        latest = f", latest {day_text(s.latest)}" if s.latest else ""
        newest = ", THE MOST RECENT REPORT" if s.newest else ""
        lines.append(f"  - {s.value!r} ({articles}{drafted}{latest}{newest}): {' '.join(f'[{c.n}]' for c in s.citations)}")
    return lines


def verdict_text(v: Verdict) -> str:
    lines = _within(v.within, v.since, v.until) + [f"{v.label} (confidence {v.confidence:.2f}): {v.claim}",
                                                   textwrap.fill(v.explanation, 100)]  # fmt: skip
    for c in v.evidence:
        lines.append(f"[{c.n}] {c.stance}: {_cited(c)[len(f'[{c.n}] '):]}")
        lines.append(textwrap.indent(textwrap.fill(" ".join(c.quote.split()), 96), "    > "))
    lines.append(f"({v.timings.total_s:.1f} s)")
    return "\n".join(lines)


def to_json(obj) -> str:
    return json.dumps(obj.to_dict(), ensure_ascii=False, indent=2, default=str)


def report_text(r: IndexReport) -> str:
    lines = [
        f"Indexed: {len(r.added)} added, {len(r.updated)} updated, {len(r.unchanged)} unchanged, "
        f"{len(r.removed)} removed, {len(r.skipped)} skipped; {r.chunks_written} chunks written, "
        f"{r.chunk_count} in the index ({r.seconds:.1f} s)."
    ]
    lines += [f"  skipped {path}: {reason}" for path, reason in r.skipped]
    if r.excluded:
        lines.append(f"  not synced: {len(r.excluded)} file(s) you removed from the library (factbot list; factbot restore NAME)")
    return "\n".join(lines)
