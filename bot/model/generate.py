"""A prompt -> the model's raw reply, streamed through the llama-index LLM's stream_chat. The only
module that calls the LLM."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from factbot.core.errors import ModelUnavailable
from factbot.model.llm import ModelHandle


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


def messages(prompt: Prompt) -> list:
    """The prompt as llama-index chat messages: the system prompt, then the user's."""
    from llama_index.core.llms import ChatMessage, MessageRole

    return [ChatMessage(role=MessageRole.SYSTEM, content=prompt.system), ChatMessage(role=MessageRole.USER, content=prompt.user)]


def stream_reply(model: ModelHandle, prompt: Prompt) -> Iterator[str]:
    """Yield the reply's text deltas; calls are serialized on the model's lock. Closing this
    generator early (a reply cut after enough sentences) closes the stream, so the server stops."""
    import httpx
    import openai

    with model.lock:
        stream = model.llm.stream_chat(messages(prompt))
        try:
            for chunk in stream:
                if chunk.delta:
                    yield chunk.delta
        except (openai.APIError, httpx.HTTPError, OSError) as e:
            raise ModelUnavailable(f"The model at {model.base_url} did not answer ({e}). Check that it is running.") from e
        finally:
            stream.close()


def complete(model: ModelHandle, prompt: Prompt) -> str:
    return "".join(stream_reply(model, prompt))
