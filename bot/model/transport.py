"""The model's HTTP transport: httpx's, remembering the responses it opened so that a reply given up
mid-stream is hung up at once.

Why: the openai client under llama-index's OpenAILike keeps a stream alive in a reference cycle
(the stream and its own generator) when its reader stops early; the connection then stays open
until Python's garbage collector runs, and llama.cpp, with its one slot, goes on generating the
rest of an abandoned reply (up to FACTBOT_MAX_TOKENS, seconds) while the next question waits."""

from __future__ import annotations

import threading

import httpx


class HangUpTransport(httpx.BaseTransport):
    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self._open: list[httpx.Response] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        with self._lock:
            self._open = [r for r in self._open if not r.is_closed] + [response]
        return response

    def hang_up(self) -> None:
        """Close every response still open (calls to the model are serialized: the one being read)."""
        with self._lock:
            open_, self._open = self._open, []
        for response in open_:
            response.close()

    def close(self) -> None:
        self.inner.close()
