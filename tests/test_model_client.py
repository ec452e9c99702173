"""The model client (bot/model/llm.py, generate.py): llama-index's OpenAILike streaming from an
OpenAI-compatible endpoint, the stream closed when a reply is cut short, and the system prompt's
state saved to disk and restored (llama.cpp slots)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import pytest
from conftest import base_config

from factbot.model.generate import Prompt, stream_reply
from factbot.model.llm import ModelHandle


@pytest.fixture
def fake_endpoint():
    """A FAKE OpenAI-compatible endpoint: records each request, streams "Hel", "lo"."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append((self.path, dict(self.headers), json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in ("Hel", "lo"):
                chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.write(b'data: {"choices": []}\n\ndata: [DONE]\n\n')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()


def test_the_model_is_a_llama_index_llm_streaming_the_chat_request(fake_endpoint):
    url, seen = fake_endpoint
    handle = ModelHandle(base_config(llm_endpoint=url, llm_api_key="k3y", max_tokens=77, temperature=0.0))
    assert type(handle.llm).__name__ == "OpenAILike" and handle.llm.api_base == url
    assert "".join(stream_reply(handle, Prompt("SYSTEM", "USER"))) == "Hello"
    path, headers, body = seen[0]
    assert path == "/v1/chat/completions"
    # The request factbot's replies were measured with: greedy, its token limit, streamed.
    assert body == {"messages": [{"role": "system", "content": "SYSTEM"}, {"role": "user", "content": "USER"}],
                    "model": handle.config.llm_model, "max_tokens": 77, "stream": True, "temperature": 0.0}  # fmt: skip
    assert headers["Authorization"] == "Bearer k3y"
    assert type(handle.llama_index_llm()).__name__ == "OpenAILike"  # the stock-llama-index baseline's


def test_closing_a_reply_early_closes_the_stream():
    """A reply cut after enough sentences must stop the server writing: with one slot, a server
    still generating would hold up the next question."""
    sent, stopped = [], threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            try:
                for i in range(100):
                    chunk = {"choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}]}
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                    self.wfile.flush()
                    sent.append(i)
                    time.sleep(0.05)
            except OSError:  # the client hung up
                stopped.set()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        handle = ModelHandle(base_config(llm_endpoint=f"http://127.0.0.1:{server.server_address[1]}/v1"))
        reply = stream_reply(handle, Prompt("S", "U"))
        assert next(reply) == "w0 "
        reply.close()
        assert not handle.lock.locked()
        assert stopped.wait(3), f"the server kept writing ({len(sent)} pieces)"
        assert len(sent) < 60
    finally:
        server.shutdown()


def test_an_endpoint_that_does_not_answer_is_model_unavailable():
    from factbot.core.errors import ModelUnavailable

    handle = ModelHandle(base_config(llm_endpoint="http://127.0.0.1:9/v1", request_timeout=5))
    with pytest.raises(ModelUnavailable, match="did not answer"):
        list(stream_reply(handle, Prompt("S", "U")))


@pytest.mark.model
def test_the_system_prompt_state_is_saved_once_and_restores():
    from factbot.model.prompts import load_prompt

    handle = ModelHandle(base_config())  # its own in-process server
    prompt = Prompt(load_prompt("answer_system"),
                    "Sources:\n[1] Kellogg clarified that he meant a resiliency force.\n\nQuestion: What did Kellogg clarify?")  # fmt: skip
    first = "".join(stream_reply(handle, prompt))
    prefixes = handle.local.prefixes
    saved = prefixes.folder / prefixes.name(prompt.system)
    assert saved.is_file() and saved.stat().st_size > 1_000_000
    prefixes.saved.clear()
    assert prefixes.restore(prompt.system)  # what a new process does at start
    assert "".join(stream_reply(handle, prompt)) == first
