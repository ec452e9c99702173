"""Question + evidence -> the answer prompt (the model call itself is factbot.model.generate)."""

from __future__ import annotations

import datetime as dt

from factbot.core.dates import day_text
from factbot.core.types import Evidence
from factbot.model.generate import Prompt
from factbot.model.prompts import format_sources, load_prompt


def answer_prompt(question: str, evidence: list[Evidence], as_of: dt.date | None = None) -> Prompt:
    # The system prompt is identical for every call, so llama.cpp's prompt cache reuses it.
    # as_of: the date "now" and "this week" mean, told after the question (no date: the prompt as before)
    asked = f"{question} (Today is {day_text(as_of)}.)" if as_of else question
    return Prompt(
        system=load_prompt("answer_system"),
        user=load_prompt("answer_user", sources=format_sources(evidence), question=asked),
    )
