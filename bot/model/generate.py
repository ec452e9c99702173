"""Evidence + question -> the model's raw reply. The only module that calls the LLM."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from factbot.model.llm import ModelHandle
from factbot.model.prompts import load_prompt
from factbot.core.types import Evidence


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


def format_sources(evidence: list[Evidence]) -> str:
    return "\n".join(f"[{e.n}] {' '.join(e.text.split())}" for e in evidence)


def answer_prompt(question: str, evidence: list[Evidence]) -> Prompt:
    # The system prompt is identical for every call, so llama.cpp's prompt cache reuses it.
    return Prompt(
        system=load_prompt("answer_system"),
        user=load_prompt("answer_user", sources=format_sources(evidence), question=question),
    )


def stream_reply(model: ModelHandle, prompt: Prompt) -> Iterator[str]:
    """Yield the reply's text deltas; calls are serialized on the model's lock."""
    from llama_index.core.llms import ChatMessage

    messages = [ChatMessage(role="system", content=prompt.system), ChatMessage(role="user", content=prompt.user)]
    with model.lock:
        for chunk in model.llm.stream_chat(messages):
            if chunk.delta:
                yield chunk.delta


def complete(model: ModelHandle, prompt: Prompt) -> str:
    return "".join(stream_reply(model, prompt))
