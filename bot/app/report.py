"""A fact-check report of a conversation or a batch of claims, as Markdown (to read) and JSON (to
process): each question or claim, the answer or verdict, and every quote with its article's
title, file and character span (and page, for PDFs), so an editor can check each one.

Pure functions of Answers and Verdicts; the caller writes the text where it wants."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

from factbot.app.render import byline, dates_note
from factbot.core.dates import day_text
from factbot.core.types import Answer, Citation, Evidence, Verdict

FORMATS = {".md": "markdown", ".markdown": "markdown", ".json": "json"}
HOW_TO_VERIFY = (
    "Every quote is copied from the article text factbot stored for the file named with it: characters "
    "start-end count in that text (for PDF, Word, HTML and Markdown files, the plain text factbot "
    "extracted; for .txt files, the file without its navigation lines), and p. N is the PDF page the "
    "quote starts on. Search the file for the quoted words to read them in context."
)
LABEL_WORDS = {"SUPPORTED": "Supported", "REFUTED": "Refuted", "NOT_ENOUGH_INFO": "Not enough information",
               "CONFLICTING": "Conflicting"}  # fmt: skip
Library = Mapping[str, Any]  # doc id -> a record with .title and .source (DocRecord)

_MD_SPECIAL = re.compile(r"([\\`*<>\[\]|#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")  # "_" inside a word is no markup
_MARKER = re.compile(r"\\\[(\d+(?:,\s*\d+)*)\\\]")


def report_format(path: str | PurePath) -> str:
    """'markdown' or 'json' from the file name's suffix; ValueError for any other."""
    fmt = FORMATS.get(PurePath(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: a report file ends in .md or .json")
    return fmt


def render(items: Iterable[Answer | Verdict], fmt: str, library: Library | None = None, now: datetime | None = None) -> str:
    items = list(items)
    if fmt == "json":
        return json.dumps(report_dict(items, library, now), ensure_ascii=False, indent=2) + "\n"
    return report_markdown(items, library, now)


# JSON -------------------------------------------------------------------------------------------
def _byline_dict(c: Citation) -> dict:
    return {"outlet": c.outlet or None, "authors": list(c.authors), "published": c.published.isoformat() if c.published
            else None, "url": c.url or None}  # fmt: skip


def _quote(c: Citation, with_stance: bool) -> dict:
    d = {"n": c.n, "title": c.title, "file": PurePath(c.source).name, "source": c.source, "doc_id": c.doc_id,
         "start": c.start, "end": c.end, "page": c.page, "quote": c.quote, "score": round(c.score, 3)}  # fmt: skip
    d |= _byline_dict(c)
    if with_stance:
        d["stance"] = str(c.stance)
    return d


def _passage(e: Evidence) -> dict:
    return {"n": e.n, "title": e.title, "file": PurePath(e.source).name, "source": e.source, "doc_id": e.doc_id,
            "start": e.start, "end": e.end, "text": e.text}  # fmt: skip


def _within(ids: tuple[str, ...], library: Library | None) -> list[dict]:
    out = []
    for d in ids:
        rec = (library or {}).get(d)
        out.append({"doc_id": d, "title": rec.title if rec else None, "file": PurePath(rec.source).name if rec else None})
    return out


def _verdict_item(v: Verdict, library: Library | None, asked: str | None = None) -> dict:
    item = {"kind": "claim", "claim": v.claim}
    if asked and asked != v.claim:
        item["asked"] = asked
    item |= {"verdict": str(v.label), "confidence": round(v.confidence, 3), "explanation": v.explanation,
             "within": _within(v.within, library), "quotes": [_quote(c, True) for c in v.evidence]}  # fmt: skip
    return item


def _item(x: Answer | Verdict, library: Library | None) -> dict:
    if isinstance(x, Verdict):
        return _verdict_item(x, library)
    if x.verdict is not None:
        return _verdict_item(x.verdict, library, asked=x.question)
    item = {"kind": "question", "question": x.question, "answer": x.text, "abstained": x.abstained,
            "reason": str(x.reason) if x.reason else None, "within": _within(x.within, library),
            "quotes": [_quote(c, False) for c in x.citations]}  # fmt: skip
    if x.conflicts:
        item["sides"] = [{"value": s.value, "articles": s.sources, "drafted": s.drafted, "quotes": [c.n for c in s.citations],
                          "latest": s.latest.isoformat() if s.latest else None, "most_recent": s.newest}
                         for s in x.conflicts]  # fmt: skip
    for key in ("as_of", "since", "until"):
        if getattr(x, key):
            item[key] = getattr(x, key).isoformat()
    if x.abstained:
        item["closest_passages"] = [_passage(e) for e in x.evidence]
    return item


def report_dict(items: Iterable[Answer | Verdict], library: Library | None = None, now: datetime | None = None) -> dict:
    items = list(items)
    body = [{"n": i} | _item(x, library) for i, x in enumerate(items, 1)]
    return {
        "report": "factbot fact-check report",
        "generated_at": _now(now).isoformat(timespec="seconds"),
        "factbot_version": _version(),
        "how_to_verify": HOW_TO_VERIFY,
        "items": body,
        "articles": _articles(items),
    }


def _articles(items: list[Answer | Verdict]) -> list[dict]:
    """Every article quoted, once, in order of first quote."""
    seen: dict[str, dict] = {}
    for x in items:
        for c in _citations(x):
            seen.setdefault(c.doc_id, {"doc_id": c.doc_id, "title": c.title, "file": PurePath(c.source).name,
                                       "source": c.source} | _byline_dict(c))  # fmt: skip
    return list(seen.values())


def _citations(x: Answer | Verdict) -> tuple[Citation, ...]:
    if isinstance(x, Verdict):
        return x.evidence
    return x.verdict.evidence if x.verdict is not None else x.citations


# Markdown ---------------------------------------------------------------------------------------
def md(text: str) -> str:
    """Text escaped for Markdown: shown as written, never as markup, links or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _blockquote(text: str) -> str:
    return "\n".join("> " + md(line) for line in text.strip().splitlines() if line.strip())


def _where(title: str, source: str, start: int, end: int, page: int | None, who: str = "") -> str:
    page_part = f", p. {page}" if page else ""
    who_part = f", {md(who)}" if who else ""
    return f"“{md(title)}”{who_part}, {md(PurePath(source).name)}{page_part}, characters {start}–{end}"


def _quote_md(c: Citation, with_stance: bool) -> str:
    stance = f"*{c.stance}*: " if with_stance else ""
    where = _where(c.title, c.source, c.start, c.end, c.page, byline(c.outlet, c.published, c.authors))
    return f"[{c.n}] {stance}{where}\n\n{_blockquote(c.quote)}"


def _sides_md(a: Answer) -> str:
    """The answers the sources give, with each side's latest date and the most recent report marked."""
    rows = []
    for s in a.conflicts:
        latest = f", latest {day_text(s.latest)}" if s.latest else ""
        newest = ", **the most recent report**" if s.newest else ""
        marks = " ".join(f"[{c.n}]" for c in s.citations)
        rows.append(f"- “{md(s.value)}” ({s.sources} article{'s' if s.sources != 1 else ''}{latest}{newest}): {marks}")
    return "**The sources disagree**\n\n" + "\n".join(rows) + "\n"


def _within_md(ids: tuple[str, ...], library: Library | None) -> str:
    if not ids:
        return ""
    names = [f"“{md(w['title'])}” ({md(w['file'])})" if w["title"] else md(w["doc_id"]) for w in _within(ids, library)]
    return f"Searched only within {len(ids)} article(s): {', '.join(names)}.\n"


def _verdict_md(n: int, v: Verdict, library: Library | None, asked: str | None = None) -> str:
    out = [f"## {n}. Claim: {md(v.claim)}\n"]
    if asked and asked != v.claim:
        out.append(f"Asked as: {md(asked)}\n")
    out.append(_within_md(v.within, library))
    label = LABEL_WORDS.get(str(v.label), str(v.label))
    out.append(f"**Verdict: {label}** ({v.label}, confidence {v.confidence:.2f})\n\n{md(v.explanation)}\n")
    if v.evidence:
        out.append("**Evidence**\n\n" + "\n\n".join(_quote_md(c, True) for c in v.evidence) + "\n")
    else:
        out.append("No quote from the articles bears on this claim.\n")
    return "\n".join(p for p in out if p)


def _answer_md(n: int, a: Answer, library: Library | None) -> str:
    if a.verdict is not None:
        return _verdict_md(n, a.verdict, library, asked=a.question)
    out = [f"## {n}. Question: {md(a.question)}\n", _within_md(a.within, library)]
    if a.abstained:
        out.append(f"**Not answered from the articles.** {md(a.text)}\n")
        if a.evidence:
            passages = [
                f"[{e.n}] {_where(e.title, e.source, e.start, e.end, None)}\n\n{_blockquote(e.text)}" for e in a.evidence
            ]
            out.append("**Closest passages** (not cited; for you to judge)\n\n" + "\n\n".join(passages) + "\n")
        return "\n".join(p for p in out if p)
    text = _MARKER.sub(r"[\1]", md(a.text))  # the [n] markers stay readable
    dates = dates_note(a.since, a.until, a.as_of)
    if dates:
        out.append(f"Articles published {md(dates)}.\n")
    out.append(f"**Answer:** {text}\n")
    if a.conflicts:
        out.append(_sides_md(a))
    if a.citations:
        out.append("**Sources**\n\n" + "\n\n".join(_quote_md(c, False) for c in a.citations) + "\n")
    return "\n".join(p for p in out if p)


def report_markdown(items: Iterable[Answer | Verdict], library: Library | None = None, now: datetime | None = None) -> str:
    items = list(items)
    questions = sum(isinstance(x, Answer) and x.verdict is None for x in items)
    claims = len(items) - questions
    articles = _articles(items)
    counts = [_count(questions, "question"), _count(claims, "claim"), _count(len(articles), "article") + " quoted"]
    head = [
        "# Fact-check report\n",
        f"Generated by factbot {_version()} on {_now(now):%Y-%m-%d %H:%M} UTC: "
        + (", ".join(c for c in counts if not c.startswith("0 ")) or "no questions or claims") + ".\n",
        f"*How to verify:* {md(HOW_TO_VERIFY)}\n",
    ]
    if not items:
        head.append("Nothing was asked or checked yet.\n")
    body = [
        _verdict_md(i, x, library) if isinstance(x, Verdict) else _answer_md(i, x, library)
        for i, x in enumerate(items, 1)
    ]
    tail = []
    if articles:
        rows = [f"- “{md(a['title'])}”{_article_byline(a)}: {md(a['file'])} ({md(a['source'])}; id {md(a['doc_id'])})"
                + (f" <{a['url']}>" if a.get("url") and _plain_url(a["url"]) else "") for a in articles]  # fmt: skip
        tail = ["## Articles quoted\n", "\n".join(rows) + "\n"]
    return "\n".join(head + ["---\n"] + body + (["---\n"] + tail if tail else []))


def _article_byline(a: dict) -> str:
    import datetime as dt

    who = byline(a.get("outlet") or "", dt.date.fromisoformat(a["published"]) if a.get("published") else None,
                 tuple(a.get("authors") or ()))  # fmt: skip
    return f", {md(who)}" if who else ""


def _plain_url(url: str) -> bool:
    """An http(s) URL with no character that could break out of a Markdown autolink."""
    return bool(re.fullmatch(r"https?://[^\s<>`\\]+", url))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("factbot")
    except PackageNotFoundError:
        return "(development checkout)"
