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
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    stripped = [ln.strip() for ln in lines]
    kept: list[str] = []
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
            continue
        seen.add(key)
        kept.append(line.rstrip())
    out = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", out).strip()
