"""A prompt -> the model's raw reply. The only module that calls the LLM."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from factbot.model.llm import Message, ModelHandle


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


def stream_reply(model: ModelHandle, prompt: Prompt) -> Iterator[str]:
    """Yield the reply's text deltas; calls are serialized on the model's lock."""
    messages = [Message(role="system", content=prompt.system), Message(role="user", content=prompt.user)]
    with model.lock:
        for chunk in model.llm.stream_chat(messages):
            if chunk.delta:
                yield chunk.delta


def complete(model: ModelHandle, prompt: Prompt) -> str:
    return "".join(stream_reply(model, prompt))
