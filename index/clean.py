"""Remove site furniture (navigation, share links, repeated captions) before chunking."""

from __future__ import annotations

import re

# Whole lines that are navigation or page chrome, never article content.
FURNITURE = [
    r"skip to (main )?content",
    r"home(\s+latest\b.*|\s*[|›»>/].*)?",  # breadcrumbs: "Home Latest <title>", "Home › World"
    r"exit mobile version",
    r"read (also|more)\s*:?",
    r"(also read|related( articles| posts)?|more stories|latest( news)?|trending)\s*:?",
    r"written by\s*(published)?",
    r"(published|updated|posted)( on)?\s*:?",
    r"(share|share this( article)?|tweet|print|email|advertisement|sponsored)\s*:?",
    r"(sign up|subscribe)\b.{0,60}",
    r"(photo|image|credit|source)\s*:.{0,80}",
]
_FURNITURE = re.compile(r"^\s*(?:" + "|".join(FURNITURE) + r")\s*$", re.IGNORECASE)
_SHORT_WORDS = 25  # a repeated line this short is a caption or a repeated title


def clean_text(text: str) -> str:
    """Drop furniture lines, captions shown twice in a row, and later repeats of short lines.

    Kept lines are copied verbatim, so every sentence of the result is a sentence of the input."""
    return clean_pages([text])[0]


def clean_pages(pages: list[str]) -> list[str]:
    """clean_text over the pages of one document, each page cleaned apart but with what was seen
    shared: a running header or footer repeated on every page is kept once, on the first."""
    per_page = [p.replace("\r\n", "\n").replace("\r", "\n").split("\n") for p in pages]
    kept = _kept_lines([line for page in per_page for line in page])
    out, i = [], 0
    for page in per_page:
        part = [line for line in kept[i : i + len(page)] if line is not None]
        i += len(page)
        out.append(re.sub(r"\n{3,}", "\n\n", "\n".join(part)).strip())
    return out


def _kept_lines(lines: list[str]) -> list[str | None]:
    """Each line as kept ("" for a blank line), or None when it is dropped."""
    stripped = [ln.strip() for ln in lines]
    kept: list[str | None] = []
    seen: set[str] = set()
    for i, (line, key) in enumerate(zip(lines, stripped)):
        if not key:
            kept.append("")
            continue
        prev = next((s for s in reversed(stripped[:i]) if s), None)
        nxt = next((s for s in stripped[i + 1 :] if s), None)
        short = len(key.split()) <= _SHORT_WORDS
        if _FURNITURE.match(key) or (short and key in (prev, nxt)) or (short and key in seen):
            seen.add(key)
            kept.append(None)
            continue
        seen.add(key)
        kept.append(line.rstrip())
    return kept
