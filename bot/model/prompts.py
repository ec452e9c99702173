"""Prompts are files in prompts/, loaded as llama-index PromptTemplates: {name} in a file is a
placeholder, filled strictly (a missing or unknown name is an error, never a blank)."""

from __future__ import annotations

import functools

from factbot.core.config import resource
from factbot.core.types import Evidence

PROMPTS_DIR = resource("prompts")
# The prompt pairs the model is given: (system prompt, user prompt), file names without ".md".
CHATS = {"answer": ("answer_system", "answer_user"), "check": ("check_system", "check_user")}


@functools.cache
def template(name: str):
    """prompts/<name>.md as a llama-index PromptTemplate."""
    from llama_index.core.prompts import PromptTemplate

    return PromptTemplate((PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8").strip())


def placeholders(name: str) -> set[str]:
    return set(template(name).template_vars)


def load_prompt(name: str, **values: str) -> str:
    """The prompt file filled with values. Values are inserted as they are: a "{question}" inside
    a passage stays text."""
    expected = placeholders(name)
    if set(values) != expected:
        raise KeyError(f"prompt {name!r} takes {sorted(expected)}, got {sorted(values)}")
    return template(name).format(**values)


def chat_template(kind: str):
    """The system and user prompts of one kind ("answer", "check") as a llama-index ChatPromptTemplate."""
    from llama_index.core.llms import ChatMessage, MessageRole
    from llama_index.core.prompts import ChatPromptTemplate

    system, user = CHATS[kind]
    return ChatPromptTemplate(message_templates=[
        ChatMessage(role=MessageRole.SYSTEM, content=template(system).template),
        ChatMessage(role=MessageRole.USER, content=template(user).template),
    ])  # fmt: skip


def format_sources(evidence: list[Evidence]) -> str:
    """The numbered passages as the model sees them: "[n] text", one a line."""
    return "\n".join(f"[{e.n}] {' '.join(e.text.split())}" for e in evidence)
