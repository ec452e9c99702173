"""Markdown, PDF and Word files -> plain text, and the title, outlet, authors, date and URL the
file itself names (ArticleMeta).

Each reader returns the text the Document will hold, so chunk and citation offsets index into it
exactly. A file that cannot be read raises Unreadable with a reason the user can act on."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from html.parser import HTMLParser

from factbot.index.meta import ArticleMeta, from_mapping, parse_date, split_authors
from factbot.text.sentences import is_heading


class Unreadable(Exception):
    """A file that cannot become a Document; the message is the reason shown to the user."""


# Markdown ---------------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_SKIPPED_TAGS = {"script", "style", "template", "noscript", "iframe", "object"}


class _HtmlText(HTMLParser):
    """The text of an HTML fragment, without its tags, scripts or style sheets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_fragment_text(fragment: str) -> str:
    parser = _HtmlText()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _front_matter(raw: str) -> tuple[str, ArticleMeta]:
    """Strip a YAML front matter block and read its title, source, author(s), date and url. A
    block YAML cannot parse still goes (it is not article text); its title: line is still read."""
    m = _FRONT_MATTER.match(raw)
    if not m:
        return raw, ArticleMeta()
    import yaml

    try:
        values = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        values = None
    if not isinstance(values, dict):
        values = {}
        for line in m.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == "title" and value.strip():
                values["title"] = value.strip().strip("\"'").strip()
    return raw[m.end() :], from_mapping(values)


def _inline_text(children, state: dict) -> str:
    """An inline token's children as plain text: link text kept, link targets, images and HTML
    tags dropped (and whatever sits inside an inline <script> or <style>)."""
    out = []
    for t in children or []:
        if t.type == "html_inline":
            tag = re.match(r"<\s*(/?)\s*([a-zA-Z0-9]+)", t.content)
            if tag and tag.group(2).lower() in _SKIPPED_TAGS:
                state["skip"] = max(0, state.get("skip", 0) + (-1 if tag.group(1) else 1))
            continue
        if state.get("skip"):
            continue
        if t.type in ("text", "code_inline"):
            out.append(t.content)
        elif t.type == "softbreak":
            out.append(" ")
        elif t.type == "hardbreak":
            out.append("\n")
        # image, link_open/close, em/strong/s open/close: no text of their own
    return "".join(out)


def markdown_text(raw: str) -> tuple[str, str | None]:
    """Markdown -> (plain text, title)."""
    text, meta = markdown_document(raw)
    return text, meta.title


def markdown_document(raw: str) -> tuple[str, ArticleMeta]:
    """Markdown -> (plain text, its front matter's fields). Blocks become paragraphs separated by a
    blank line; the title is the front matter's title, else the first level-1 heading, else the first heading."""
    from markdown_it import MarkdownIt

    raw, meta = _front_matter(raw)
    title = meta.title
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # parse every link as a link, so its target is dropped, never shown as text
    blocks: list[str] = []
    headings: list[tuple[int, str]] = []
    row: list[str] | None = None
    state: dict = {}
    tokens = md.parse(raw)
    for i, t in enumerate(tokens):
        if t.type == "tr_open":
            row = []
        elif t.type == "tr_close" and row is not None:
            blocks.append(" | ".join(c for c in row if c))
            row = None
        elif t.type == "inline":
            text = "\n".join(" ".join(line.split()) for line in _inline_text(t.children, state).split("\n")).strip()
            if row is not None:
                row.append(text)
            elif text:
                blocks.append(text)
                if i and tokens[i - 1].type == "heading_open":
                    headings.append((int(tokens[i - 1].tag[1:]), text))
        elif t.type in ("fence", "code_block"):
            blocks.append(t.content.rstrip())
        elif t.type == "html_block":
            blocks.append(html_fragment_text(t.content))
    if title is None and headings:
        title = next((h for level, h in headings if level == 1), headings[0][1])
    return "\n\n".join(b for b in blocks if b.strip()), replace(meta, title=title)


# PDF ------------------------------------------------------------------------------------------
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?:;…”\"')\]]$")


def unwrap_lines(page: str) -> str:
    """A PDF page's visual lines joined into paragraphs, one a line (sentences never cross a line
    break). A paragraph ends at a blank line, after a heading-like line, and after a line that ends
    a sentence when it is short or the next line is heading-like. Page-number lines are dropped."""
    lines = [" ".join(ln.split()) for ln in page.replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if not _PAGE_NUMBER.match(ln)]
    width = max((len(ln) for ln in lines), default=0)

    def heading(line: str) -> bool:
        return bool(line) and len(line) < 0.75 * width and is_heading(line)

    paragraphs, current = [], ""
    for i, line in enumerate(lines):
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if current.endswith("-") and current[-2:-1].isalpha() and line[:1].islower():
            current += line  # a word broken at the line end: keep its hyphen, no space
        else:
            current = f"{current} {line}" if current else line
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        ends = _ENDS_SENTENCE.search(line) and (len(line) < 0.75 * width or heading(nxt))
        if heading(line) or ends:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _pdf_title(meta) -> str | None:
    title = str(getattr(meta, "title", None) or "").strip() if meta else ""
    title = re.sub(r"^Microsoft (Word|PowerPoint) - ", "", title)
    if not title or re.search(r"\.(docx?|pdf|pptx?|odt|rtf)$", title, re.I) or title.lower() in ("untitled", "title"):
        return None
    return title


def _pdf_meta(meta) -> ArticleMeta:
    """Title, author and creation date from a PDF's document information (pypdf parses its dates)."""
    if not meta:
        return ArticleMeta()
    try:
        created = meta.creation_date
    except Exception:  # a malformed date string: pypdf raises; the rest of the info still counts
        created = None
    return ArticleMeta(title=_pdf_title(meta), authors=split_authors(str(meta.author or "")), published=parse_date(created))


def pdf_pages(data: bytes) -> tuple[list[str], ArticleMeta]:
    """A PDF -> (the text of each page, unwrapped; its document information: title, author, date)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:  # many "protected" PDFs open without a password (an owner password limits printing)
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError, FileNotDecryptedError):
                opened = 0
            if not opened:
                raise Unreadable("encrypted PDF: it needs a password. Save an unprotected copy and add that")
        pages = [unwrap_lines(page.extract_text() or "") for page in reader.pages]
        meta = reader.metadata
    except Unreadable:
        raise
    except Exception as e:  # PdfReadError, or anything a malformed file raises inside the parser: one bad PDF never sinks an ingest
        raise Unreadable(f"not a readable PDF ({type(e).__name__}: {e})") from e
    if not pages:
        raise Unreadable("PDF without pages")
    if not any(p.strip() for p in pages):
        n = len(pages)
        raise Unreadable(
            f"no text in this PDF: its {n} page{'s are' if n > 1 else ' is'} only images (a scan?). "
            "Run OCR on it and add the result"
        )
    return pages, _pdf_meta(meta)


# Word -----------------------------------------------------------------------------------------
def docx_text(data: bytes) -> tuple[str, ArticleMeta]:
    """A .docx -> (its paragraphs and table rows, one a line; its core properties: the title (else
    its first Title or Heading 1 paragraph), author and creation date)."""
    import docx

    try:
        doc = docx.Document(io.BytesIO(data))
    except Exception as e:  # BadZipFile, PackageNotFoundError, lxml errors for broken parts
        raise Unreadable(f"not a readable Word .docx file ({type(e).__name__}: {e})") from e
    try:
        return _docx_blocks(doc)
    except Exception as e:
        raise Unreadable(f"not a readable Word .docx file ({type(e).__name__}: {e})") from e


def _docx_blocks(doc) -> tuple[str, ArticleMeta]:
    from docx.table import Table

    blocks, title = [], None
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            for r in item.rows:
                cells = list(dict.fromkeys(" ".join(c.text.split()) for c in r.cells))  # merged cells repeat
                blocks.append(" | ".join(c for c in cells if c))
            continue
        text = "\n".join(" ".join(line.split()) for line in item.text.split("\n")).strip()
        style = (item.style.name if item.style is not None else "") or ""
        if text and title is None and (style == "Title" or style == "Heading 1"):
            title = text
        blocks.append(text)
    return "\n\n".join(b for b in blocks if b), _docx_meta(doc.core_properties, title)


# Authors a tool or an account writes into Word files, not a byline
_PLACEHOLDER_AUTHORS = {"python-docx", "microsoft office user", "unknown", "user", "administrator", "author", "admin"}


def _docx_meta(props, title: str | None) -> ArticleMeta:
    """Title, author and creation date from the core properties. python-docx's blank template
    carries author "python-docx" and its own 2013 creation date: neither says anything of the article."""
    author = (props.author or "").strip()
    template = author == "python-docx"
    author = "" if author.casefold() in _PLACEHOLDER_AUTHORS else author
    return ArticleMeta(title=(props.title or "").strip() or title, authors=split_authors(author),
                       published=None if template else parse_date(props.created))  # fmt: skip
