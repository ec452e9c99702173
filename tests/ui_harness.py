"""Start the real Gradio app on a free loopback port, for the UI tests, the browser test and
tests/load_ui.py. Not a test module."""

from __future__ import annotations

import html
import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from factbot.core.config import Config, resource
from factbot.text.sentences import sentence_spans

CORPUS = resource("corpus")
KELLOGG_DOC = "004_71cfdc51eac5ef26.txt"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScriptedModel:
    """FAKE model handle, for UI control-flow tests only: replies with the first sentence of
    source [1] of its prompt, cited [1], one word at a time. Serialized like the real one."""

    def __init__(self, delay: float = 0.02):
        self.lock = threading.Lock()
        self.llm = self
        self.delay = delay

    def stream_chat(self, messages):
        prompt = messages[-1].content
        m = re.search(r"^\[1\] (.+)$", prompt, re.M)
        if not m:  # a claim-check prompt or no sources
            yield SimpleNamespace(delta="NOT IN SOURCES")
            return
        s0, s1 = sentence_spans(m.group(1))[0]  # the project's splitter: "St. Petersburg" is one sentence
        first = m.group(1)[s0:s1]
        for word in f"{first.rstrip('.')} [1].".split(" "):
            time.sleep(self.delay)
            yield SimpleNamespace(delta=word + " ")


TEST_ENV_KEYS = ("FACTBOT_THREADS", "FACTBOT_MODEL_CACHE")  # the machine settings tests honour (conftest.py)


def make_config(data_dir: Path, *, all_env: bool = False, **changes) -> Config:
    """A config over the bundled corpus in data_dir. Tests (all_env False) ignore other FACTBOT_* variables."""
    env = None if all_env else {k: v for k, v in os.environ.items() if k in TEST_ENV_KEYS}
    return Config.from_env(env=env, data_dir=data_dir, corpus_dir=CORPUS, **changes)


@contextmanager
def running_app(config: Config, bot=None):
    """Yield the URL of the app serving `bot` (default: the real FactBot for config)."""
    from factbot.app.ui import build_app, launch, make_bot

    bot = bot or make_bot(config)
    app = build_app(bot)
    url = launch(app, config.with_(ui_host="127.0.0.1", ui_port=free_port()), block=False)
    try:
        yield url
    finally:
        app.close()


def last_html(history: list[dict]) -> str:
    """The text of the last assistant message of a Chatbot history."""
    content = history[-1]["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def answered_question(body: str) -> str | None:
    m = re.search(r'data-question="([^"]*)"', body)
    return html.unescape(m.group(1)) if m else None


def card_sources(body: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'<li class="fb-card"[^>]*data-source="([^"]*)"', body)]
