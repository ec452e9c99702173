"""Prompts are files in prompts/; $names in them are filled with string.Template, strictly."""

from __future__ import annotations

import functools
import string

from factbot.core.config import resource
from factbot.core.types import Evidence

PROMPTS_DIR = resource("prompts")


@functools.cache
def _template(name: str) -> string.Template:
    return string.Template((PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8").strip())


def placeholders(name: str) -> set[str]:
    return {m[1] or m[2] for m in _template(name).pattern.findall(_template(name).template) if m[1] or m[2]}


def load_prompt(name: str, **values: str) -> str:
    """The prompt file filled with values; a missing or unknown name is an error, not a blank."""
    expected = placeholders(name)
    if set(values) != expected:
        raise KeyError(f"prompt {name!r} takes {sorted(expected)}, got {sorted(values)}")
    return _template(name).substitute(values)


def format_sources(evidence: list[Evidence]) -> str:
    """The numbered passages as the model sees them: "[n] text", one a line."""
    return "\n".join(f"[{e.n}] {' '.join(e.text.split())}" for e in evidence)
