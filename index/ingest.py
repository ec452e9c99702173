"""Files -> Document. Reads .txt, .md and .html; unreadable files are reported, not fatal."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from factbot.core.types import Document
from factbot.index.clean import clean_text
from factbot.text.sentences import sentence_spans

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}


class Unreadable(Exception):
    """A file that cannot become a Document; the message is the reason shown to the user."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    sha256: str
    data: bytes


def find_files(folder: Path) -> list[Path]:
    """Supported files under folder, sorted, skipping hidden files and folders."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def doc_id_for(path: Path) -> str:
    """Readable and stable: the file stem plus a hash of its resolved path."""
    resolved = str(path.resolve())
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-")[:48] or "doc"
    return f"{stem}-{hashlib.sha1(resolved.encode()).hexdigest()[:8]}"


def read_source(path: Path, max_bytes: int) -> SourceFile:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Unreadable(f"too large ({size:,} bytes; the limit is {max_bytes:,})")
        data = path.read_bytes()
    except OSError as e:
        raise Unreadable(f"cannot be read ({e.strerror or e})") from e
    return SourceFile(path=path, sha256=hashlib.sha256(data).hexdigest(), data=data)


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise Unreadable("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Unreadable(f"not UTF-8 text (bad byte at offset {e.start}); re-save it as UTF-8") from e


def _from_html(raw: str) -> tuple[str, str | None]:
    import trafilatura

    text = trafilatura.extract(raw, include_comments=False, include_tables=False, favor_recall=True)
    meta = trafilatura.extract_metadata(raw)
    return text or "", (meta.title if meta else None)


def _from_markdown(raw: str) -> tuple[str, str | None]:
    title = None
    lines = []
    for line in raw.splitlines():
        m = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            title = title or m.group(1)
            line = m.group(1)  # keep the heading's words, drop its markup
        lines.append(line)
    return "\n".join(lines), title


def _title_from_text(text: str) -> str:
    first_line = text.split("\n", 1)[0].strip()
    spans = sentence_spans(first_line)
    title = first_line[: spans[0][1]] if spans else first_line
    return title if len(title) <= 120 else title[:117].rsplit(" ", 1)[0] + "…"


def load_document(source: SourceFile) -> Document:
    raw = _decode(source.data)
    suffix = source.path.suffix.lower()
    title = None
    if suffix in (".html", ".htm"):
        raw, title = _from_html(raw)
    elif suffix in (".md", ".markdown"):
        raw, title = _from_markdown(raw)
    text = clean_text(raw)
    if len(text.split()) < 5:
        raise Unreadable("empty: no article text found")
    return Document(
        id=doc_id_for(source.path),
        title=(title or _title_from_text(text)).strip(),
        source=str(source.path.resolve()),
        text=text,
        sha256=source.sha256,
    )
