"""factbot: cited answers and claim checks from a folder of news articles, offline."""

from __future__ import annotations

import functools

from factbot.core.config import Config
from factbot.core.errors import BadInput, FactbotError, IndexCorrupt, IndexMissing, ModelUnavailable
from factbot.core.types import Answer, Citation, Document, Evidence, Label, Passage, Verdict

__all__ = [
    "Answer", "BadInput", "Citation", "Config", "Document", "Evidence", "FactBot", "FactbotError",
    "IndexCorrupt", "IndexMissing", "Label", "ModelUnavailable", "Passage", "Verdict", "answer", "check",
    "check_text",
]  # fmt: skip


def __getattr__(name):
    if name == "FactBot":  # heavy imports (torch, chromadb) only when used
        from factbot.pipeline.factbot import FactBot

        return FactBot
    raise AttributeError(name)


@functools.cache
def default_bot():
    """The FactBot for the configuration in the environment, created on first use."""
    from factbot.pipeline.factbot import FactBot

    return FactBot(Config.from_env())


def answer(question: str, within: list[str] | None = None) -> Answer:
    """Answer a question from the configured corpus (the bundled articles by default); within:
    only these articles (file names, titles or ids)."""
    return default_bot().answer(question, within=within)


def check(claim: str, within: list[str] | None = None) -> Verdict:
    """Check a claim against the configured corpus: SUPPORTED, REFUTED, NOT_ENOUGH_INFO or CONFLICTING."""
    return default_bot().check(claim, within=within)


def check_text(text: str, within: list[str] | None = None) -> list[Verdict]:
    """Split a paragraph into check-worthy claims and check each."""
    return default_bot().check_text(text, within=within)
