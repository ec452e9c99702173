"""HTML for the web UI: answers with [n] links, source cards, abstentions, verdicts, the library.

Pure functions of the result types; no Gradio, no I/O. Article text is untrusted: every piece of
it goes through html.escape. The HTML is one line (no blank lines), so the chat's Markdown
renderer passes it through as a block."""

from __future__ import annotations

import functools
import html
import importlib.resources
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import PurePath

from factbot.core.dates import day_text
from factbot.core.types import Answer, Citation, Document, Evidence, Label, Verdict
from factbot.text.markers import MARKER, marker_numbers

MAX_CONTEXT = 320  # characters of paragraph kept on each side of a quote

LABELS = {  # label -> (badge text, css modifier)
    Label.SUPPORTED: ("Supported", "supported"),
    Label.REFUTED: ("Refuted", "refuted"),
    Label.NOT_ENOUGH_INFO: ("Not enough info", "nei"),
    Label.CONFLICTING: ("Conflicting", "conflicting"),
}
Docs = Mapping[str, "Document | None"]


def esc(text: str) -> str:
    """Escaped for HTML, on one line: a line break becomes <br> (a blank line would end the
    chat's HTML block and let Markdown rewrite the rest)."""
    return re.sub(r"\s*\n\s*", "<br>", html.escape(text, quote=True))


def attr(text: str) -> str:
    """Escaped for an attribute value, whitespace collapsed."""
    return html.escape(" ".join(text.split()), quote=True)


def card_id(turn: int, n: int) -> str:
    """Anchor of source card n of the answer to the turn-th question of a conversation."""
    return f"src-{turn}-{n}"


def linkify(text: str, turn: int, known: Iterable[int]) -> str:
    """Escape text and turn each [n] (or [1, 2]) whose card exists into links to the cards."""
    known = set(known)

    def link(m: re.Match) -> str:
        nums = marker_numbers(m.group(1))
        if not all(n in known for n in nums):
            return m.group(0)
        return "".join(f'<a class="fb-cite" href="#{card_id(turn, n)}">[{n}]</a>' for n in nums)

    out, last = [], 0
    for m in MARKER.finditer(text):
        out += [esc(text[last : m.start()]), link(m)]
        last = m.end()
    return "".join(out) + esc(text[last:])


def paragraph_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (line) around text[start:end], cut to MAX_CONTEXT characters a side at a word."""
    p0 = text.rfind("\n", 0, start) + 1
    p1 = text.find("\n", end)
    p1 = len(text) if p1 < 0 else p1
    if start - p0 > MAX_CONTEXT:
        cut = text.find(" ", start - MAX_CONTEXT, start)
        p0 = cut + 1 if cut >= 0 else start - MAX_CONTEXT
    if p1 - end > MAX_CONTEXT:
        cut = text.rfind(" ", end, end + MAX_CONTEXT)
        p1 = cut if cut > end else end + MAX_CONTEXT
    return p0, p1


def passage_html(doc: Document | None, start: int, end: int, quote: str) -> str:
    """The quote inside its paragraph, the quote marked. Falls back to the quote alone when the
    document is missing or its text no longer holds the quote at [start, end)."""
    if doc is None or doc.text[start:end] != quote:
        return f"<mark>{esc(quote)}</mark>"
    p0, p1 = paragraph_span(doc.text, start, end)
    para_start = p0 == 0 or doc.text[p0 - 1] == "\n"
    para_end = p1 == len(doc.text) or doc.text[p1] == "\n"
    return (
        ("" if para_start else "… ")
        + esc(doc.text[p0:start])
        + f"<mark>{esc(quote)}</mark>"
        + esc(doc.text[end:p1])
        + ("" if para_end else " …")
    )


def byline_html(doc: Document | None) -> str:
    """ "Reuters · 2 May 2024 · by Jane Roe", the outlet linked to the article's URL (http(s) only)."""
    if doc is None:
        return ""
    outlet = esc(doc.outlet)
    if outlet and doc.url.startswith(("https://", "http://")):
        outlet = f'<a class="fb-outlet" href="{attr(doc.url)}" target="_blank" rel="noopener noreferrer">{outlet}</a>'
    parts = [outlet] if outlet else []
    if doc.published:
        parts.append(f'<time class="fb-date" datetime="{doc.published.isoformat()}">{day_text(doc.published)}</time>')
    if doc.authors:
        parts.append(f'<span class="fb-authors">by {esc(", ".join(doc.authors[:3]))}{" et al." if len(doc.authors) > 3 else ""}</span>')
    return f'<div class="fb-byline">{" · ".join(parts)}</div>' if parts else ""


def source_card(
    anchor: str, n: int, title: str, source: str, doc_id: str, body: str, tag: str = "", page: int | None = None,
    doc: Document | None = None,
) -> str:  # fmt: skip
    name = PurePath(source).name
    tag_html = f'<span class="fb-tag fb-tag-{attr(tag)}">{esc(tag)}</span>' if tag else ""
    page_html = f' · <span class="fb-page">p. {page}</span>' if page else ""
    date = f' data-published="{doc.published.isoformat()}"' if doc is not None and doc.published else ""
    return (
        f'<li class="fb-card" id="{anchor}" data-doc="{attr(doc_id)}" data-source="{attr(name)}"{date}>'
        f'<div class="fb-card-head"><span class="fb-num" aria-label="source {n}">{n}</span>'
        f'<span class="fb-title">{esc(title)}</span>{tag_html}</div>{byline_html(doc)}'
        f'<div class="fb-file">{esc(name)}{page_html}</div>'
        f'<blockquote class="fb-passage">{body}</blockquote></li>'
    )


def page_of(docs: Docs, doc_id: str, start: int) -> int | None:
    """The PDF page a span starts on, when its document has pages."""
    doc = docs.get(doc_id)
    return doc.page_at(start) if doc is not None and doc.pages else None


def _cited_doc(c: Citation) -> Document | None:
    """The byline a citation carries, as a text-less Document, when its document is not at hand."""
    if not (c.outlet or c.published or c.authors):
        return None
    return Document(c.doc_id, c.title, c.source, "", "", outlet=c.outlet, authors=c.authors, published=c.published,
                    url=c.url)  # fmt: skip


def citation_cards(cits: Iterable[Citation], docs: Docs, turn: int, with_stance: bool = False) -> str:
    cards = [
        source_card(
            card_id(turn, c.n), c.n, c.title, c.source, c.doc_id,
            passage_html(docs.get(c.doc_id), c.start, c.end, c.quote),
            tag=c.stance if with_stance else "", page=c.page or page_of(docs, c.doc_id, c.start),
            doc=docs.get(c.doc_id) or _cited_doc(c),
        )
        for c in cits
    ]  # fmt: skip
    return f'<ol class="fb-cards">{"".join(cards)}</ol>' if cards else ""


def evidence_cards(evidence: Iterable[Evidence], docs: Docs, turn: int) -> str:
    cards = [
        source_card(
            card_id(turn, e.n), e.n, e.title, e.source, e.doc_id, passage_html(docs.get(e.doc_id), e.start, e.end, e.text),
            page=page_of(docs, e.doc_id, e.start), doc=docs.get(e.doc_id),
        )
        for e in evidence
    ]
    return f'<ol class="fb-cards">{"".join(cards)}</ol>' if cards else ""


def _rewrite_note(question: str, asked: str) -> str:
    if " ".join(question.split()) == " ".join(asked.split()):
        return ""
    return f'<div class="fb-rewrite">Searched for: “{esc(question)}”</div>'


def searching_html(question: str, asked: str) -> str:
    return (
        f'<div class="fb-answer fb-pending" data-question="{attr(question)}">{_rewrite_note(question, asked)}'
        '<p class="fb-status-line">Searching the articles…</p></div>'
    )


def pending_html(question: str, asked: str, evidence: tuple[Evidence, ...], partial: str, docs: Docs, turn: int) -> str:
    """While the model writes: its text so far (markers linked to the passages it was shown)."""
    status = "Writing the answer from these passages…" if not partial else ""
    caret = '<span class="fb-caret"></span>'
    body = f'<p class="fb-text">{linkify(partial, turn, [e.n for e in evidence])}{caret}</p>' if partial else ""
    return (
        f'<div class="fb-answer fb-pending" data-question="{attr(question)}">{_rewrite_note(question, asked)}'
        f'{body}<p class="fb-status-line">{status}</p>'
        f'<div class="fb-sources-head">Passages found ({len(evidence)})</div>'
        f"{evidence_cards(evidence, docs, turn)}</div>"
    )


def within_note(ids: Iterable[str], docs: Docs, verb: str = "Searched") -> str:
    """Which articles a question was asked within (nothing when it searched them all)."""
    ids = list(ids)
    if not ids:
        return ""
    names = [esc(docs[d].title) if docs.get(d) is not None else esc(d) for d in ids]
    return f'<div class="fb-within" data-within="{attr(" ".join(ids))}">{verb} only within: {"; ".join(names)}</div>'


def answer_html(a: Answer, asked: str, docs: Docs, turn: int) -> str:
    """The checked answer with its cited cards; an abstention as a notice plus the closest passages."""
    head = f'data-question="{attr(a.question)}"'
    note = _rewrite_note(a.question, asked) + within_note(a.within, docs)
    if a.verdict is not None:  # a claim asked in the chat ("Is it true that ...?")
        return f'<div class="fb-answer fb-claim" {head}>{note}{verdict_html(a.verdict, docs, turn)}{_timing(a)}</div>'
    if a.abstained:
        closest = (
            f'<div class="fb-sources-head">Closest passages, for you to judge</div>{evidence_cards(a.evidence, docs, turn)}'
            if a.evidence
            else ""
        )
        return (
            f'<div class="fb-answer fb-abstained" {head}>{note}'
            f'<div class="fb-notice"><span class="fb-notice-icon">?</span>'
            f'<div><strong>Not answered from the articles.</strong> {esc(a.text)}</div></div>'
            f"{closest}{_timing(a, first_words=False)}</div>"
        )
    text = linkify(a.text, turn, [c.n for c in a.citations])
    on_sides = {c.n for side in a.conflicts for c in side.citations}
    rest = [c for c in a.citations if c.n not in on_sides]
    sources = f'<div class="fb-sources-head">Sources</div>{citation_cards(rest, docs, turn)}' if rest else ""
    return (
        f'<div class="fb-answer fb-answered" {head}>{note}{_disagree_badge(a)}<p class="fb-text">{text}</p>'
        f"{sides_html(a, docs, turn)}{sources}{_timing(a)}</div>"
    )


def _disagree_badge(a: Answer) -> str:
    if not a.conflicts:
        return ""
    return (f'<div class="fb-verdict-head"><span class="fb-badge fb-badge-conflicting">Sources disagree</span>'
            f"<span>{len(a.conflicts)} different answers in the articles; each is cited below.</span></div>")  # fmt: skip


def sides_html(a: Answer, docs: Docs, turn: int) -> str:
    """One block per answer the sources give, with its cards: none is hidden, the drafted one is marked."""
    blocks = []
    for side in a.conflicts:
        articles = f"{side.sources} article{'s' if side.sources != 1 else ''}"
        mark = " · the drafted answer" if side.drafted else ""
        latest = f" · latest {day_text(side.latest)}" if side.latest else ""
        newest = '<span class="fb-badge fb-badge-newest">Most recent report</span>' if side.newest else ""
        blocks.append(
            f'<div class="fb-side{" fb-side-drafted" if side.drafted else ""}{" fb-side-newest" if side.newest else ""}"'
            f' data-side="{attr(side.value)}">'
            f'<div class="fb-sources-head">“{esc(side.value)}”: {articles}{mark}{latest} {newest}</div>'
            f"{citation_cards(side.citations, docs, turn)}</div>"
        )
    return f'<div class="fb-sides">{"".join(blocks)}</div>' if blocks else ""


def _timing(a: Answer, first_words: bool = True) -> str:
    """How long it took; an abstention wrote no words, so it has no "first words" time."""
    t = a.timings
    if not t.total_s:
        return ""
    first = f" · first words after {t.first_token_s:.1f} s" if t.first_token_s and first_words else ""
    return f'<div class="fb-timing">{t.total_s:.1f} s · retrieval {t.retrieve_s * 1000:.0f} ms{first}</div>'


def verdict_html(v: Verdict, docs: Docs, turn: int) -> str:
    text, mod = LABELS.get(v.label, (str(v.label), "nei"))
    quotes = citation_cards(v.evidence, docs, turn, with_stance=True)
    return (
        f'<div class="fb-verdict fb-verdict-{mod}" data-label="{attr(str(v.label))}">'
        f'<div class="fb-verdict-head"><span class="fb-badge fb-badge-{mod}">{text}</span>'
        f'<span class="fb-claim-text">{esc(v.claim)}</span></div>{within_note(v.within, docs, "Checked")}'
        f'<p class="fb-explanation">{esc(v.explanation)} '
        f'<span class="fb-confidence">confidence {v.confidence:.0%}</span></p>{quotes}</div>'
    )


def verdicts_html(verdicts: Iterable[Verdict], docs: Docs) -> str:
    parts = [verdict_html(v, docs, turn=i) for i, v in enumerate(verdicts, 1)]
    return f'<div class="fb-verdicts">{"".join(parts)}</div>'


def notice_html(message: str, kind: str = "error") -> str:
    return f'<div class="fb-message fb-message-{attr(kind)}">{esc(message)}</div>'


def is_uploaded(source: str, uploads_root: str | None) -> bool:
    return bool(uploads_root) and str(PurePath(source).parent) == str(PurePath(uploads_root))


def _by_date(records: Iterable) -> list:
    """Newest publication first; undated articles after the dated ones, by title."""
    records = list(records)
    day = lambda r: getattr(r, "published", None)  # noqa: E731  (records of an older caller have no dates)
    dated = sorted((r for r in records if day(r)), key=lambda r: (-day(r).toordinal(), r.title.lower()))
    return dated + sorted((r for r in records if not day(r)), key=lambda r: r.title.lower())


def library_html(records: Iterable, uploads_root: str | None = None, removed: Mapping[str, dict] | None = None) -> str:
    """The indexed articles as a table, newest publication first: title (and its outlet and
    authors), publication date, file (uploaded or from your folder), passages, when ingested;
    then the files removed from the library that stay in their folder."""
    rows = _by_date(records)
    gone = _removed_html(removed or {})
    if not rows:
        return f'<div class="fb-library fb-empty">No articles indexed yet. Upload some below.{gone}</div>'
    body = "".join(
        f'<tr data-doc="{attr(r.id)}"><td class="fb-lib-title" data-label="Title">{esc(r.title)}'
        + _lib_byline(r)
        + f'</td><td class="fb-lib-date" data-label="Published">'
        + (f'<time datetime="{r.published.isoformat()}">{day_text(r.published)}</time>'
           if getattr(r, "published", None) else "—")
        + f'</td><td class="fb-file" data-label="File">{esc(PurePath(r.source).name)} '
        + f'<span class="fb-tag">{"uploaded" if is_uploaded(r.source, uploads_root) else "folder"}</span>'
        + f'</td><td class="fb-lib-num" data-label="Passages">{r.chunks}</td>'
        f'<td class="fb-lib-when" data-label="Ingested">{time.strftime("%Y-%m-%d %H:%M", time.localtime(r.ingested_at))}</td></tr>'
        for r in rows
    )
    total = sum(r.chunks for r in rows)
    return (
        f'<div class="fb-library"><p class="fb-lib-summary">{len(rows)} articles, {total} passages indexed; '
        "newest publication first.</p>"
        '<table><caption class="fb-sr-only">Articles in the library</caption><thead><tr><th scope="col">Title</th>'
        '<th scope="col">Published</th><th scope="col">File</th><th scope="col">Passages</th>'
        '<th scope="col">Ingested</th></tr></thead>'
        f"<tbody>{body}</tbody></table>{gone}</div>"
    )


def _lib_byline(r) -> str:
    outlet, authors = getattr(r, "outlet", ""), getattr(r, "authors", ())
    who = ", ".join(p for p in (outlet, "by " + ", ".join(authors[:3]) if authors else "") if p)
    return f'<div class="fb-lib-outlet">{esc(who)}</div>' if who else ""


def _removed_html(removed: Mapping[str, dict]) -> str:
    if not removed:
        return ""
    items = "".join(
        f'<li data-path="{attr(p)}"><span class="fb-file">{esc(PurePath(p).name)}</span> {esc(v.get("title", ""))}</li>'
        for p, v in sorted(removed.items())
    )
    return (
        f'<div class="fb-removed"><p class="fb-lib-summary">Removed from the library ({len(removed)}): the files stay '
        f"in their folder and are not synced again until you restore them.</p><ul>{items}</ul></div>"
    )


def confirm_delete_html(records: Iterable, uploads_root: str | None) -> str:
    """What deleting the selected articles will do, before it is done."""
    items = "".join(
        f'<li><strong>{esc(r.title)}</strong> <span class="fb-file">{esc(PurePath(r.source).name)}</span>: '
        + ("removed, and its uploaded copy deleted" if is_uploaded(r.source, uploads_root)
           else "removed from the library; the file stays in its folder and is skipped from now on")  # fmt: skip
        + "</li>"
        for r in records
    )
    return f'<div class="fb-confirm-text"><strong>Delete these articles?</strong><ul>{items}</ul></div>'


def removals_html(removals: Iterable) -> str:
    items = [f'<li class="fb-ok">{esc(r.message)}</li>' for r in removals]
    return f'<ul class="fb-upload-report">{"".join(items)}</ul>' if items else ""


def upload_report_html(accepted: list[tuple[str, str]], rejected: list[tuple[str, str]]) -> str:
    """accepted: (file name, what happened); rejected: (file name, reason)."""
    items = [f'<li class="fb-ok"><strong>{esc(n)}</strong>: {esc(what)}</li>' for n, what in accepted]
    items += [f'<li class="fb-rejected"><strong>{esc(n)}</strong> was not added: {esc(why)}</li>' for n, why in rejected]
    return f'<ul class="fb-upload-report">{"".join(items)}</ul>' if items else ""


@functools.cache
def css() -> str:
    """The UI's style sheet (app/style.css, shipped as package data), read once."""
    return importlib.resources.files("factbot.app").joinpath("style.css").read_text(encoding="utf-8")


@functools.cache
def script() -> str:
    """The UI's script (app/ui.js: plain-text copies, message names), read once."""
    return importlib.resources.files("factbot.app").joinpath("ui.js").read_text(encoding="utf-8")


def __getattr__(name: str) -> str:  # ui_render.CSS, read on first use
    if name == "CSS":
        return css()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
