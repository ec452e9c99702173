"""JSON Lines article exports (a scraper's output, a CMS export) -> one plain-text article each.

One JSON object a line: `text` (or `body`, `content`) and any of title, url, source, authors,
published, with the common aliases meta.KEYS lists (publish_date, author, site_name, ...).
Each article becomes a .txt file with a header block (meta.header_block), so the stored copy
reads back with the same metadata at every later sync."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from factbot.index.meta import from_mapping, header_block

SUFFIXES = {".jsonl", ".ndjson"}
TEXT_KEYS = ("text", "body", "content", "article", "maintext")


@dataclass(frozen=True)
class Record:
    """One line of the file: the .txt to store (name and bytes), or why it cannot be one."""

    line: int
    name: str
    data: bytes = b""
    problem: str = ""  # empty when the line is an article


def _file_name(title: str, line: int) -> str:
    """A readable file name from the title; the line number when the title has no usable word."""
    slug = re.sub(r"[^\w]+", "-", title.casefold()).strip("-")[:60].rstrip("-")
    return f"{slug or f'article-{line}'}.txt"


def read_records(path: Path, max_article_bytes: int) -> Iterator[Record]:
    """Each non-blank line of a JSON Lines file as a Record."""
    with open(path, encoding="utf-8-sig") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield _record(n, line, max_article_bytes)


def _record(n: int, line: str, max_bytes: int) -> Record:
    where = f"line {n}"
    try:
        obj = json.loads(line)
    except ValueError as e:
        return Record(n, where, problem=f"not a JSON object ({e.msg}); each line holds one article as JSON")
    if not isinstance(obj, dict):
        return Record(n, where, problem="not a JSON object; each line holds one article as {\"text\": ..., \"title\": ...}")
    text = next((obj[k] for k in TEXT_KEYS if isinstance(obj.get(k), str) and obj[k].strip()), "")
    if not text:
        return Record(n, where, problem=f"no article text: give it as \"text\" ({', '.join(TEXT_KEYS[1:])} also work)")
    meta = from_mapping(obj).filled()
    title = meta.title or " ".join(text.split()[:12])
    data = (header_block(replace(meta, title=title)) + text.strip() + "\n").encode()
    if len(data) > max_bytes:
        return Record(n, where, problem=f"too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    return Record(n, _file_name(title, n), data)
