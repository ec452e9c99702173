"""Question + evidence -> the answer prompt (the model call itself is factbot.model.generate)."""

from __future__ import annotations

from factbot.core.types import Evidence
from factbot.model.generate import Prompt
from factbot.model.prompts import format_sources, load_prompt


def answer_prompt(question: str, evidence: list[Evidence]) -> Prompt:
    # The system prompt is identical for every call, so llama.cpp's prompt cache reuses it.
    return Prompt(
        system=load_prompt("answer_system"),
        user=load_prompt("answer_user", sources=format_sources(evidence), question=question),
    )
