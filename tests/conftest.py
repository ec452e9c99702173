"""Shared fixtures: the real MiniLM embedder (loaded once per session), isolated data dirs, and
helpers to build FactBots over temporary folders. Nothing here depends on the current directory."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from factbot.core.config import Config, resource

CORPUS = resource("corpus")
KELLOGG_DOC = "004_71cfdc51eac5ef26.txt"
# Settings of this machine that tests honour: how many threads the model may use, and where the
# assembled model file is cached. Every other FACTBOT_* variable is ignored by the tests.
PASSTHROUGH = ("FACTBOT_THREADS", "FACTBOT_MODEL_CACHE")


def base_config(**changes) -> Config:
    """Defaults plus the pass-through variables; never the caller's data dir or Chroma server."""
    env = {k: v for k, v in os.environ.items() if k in PASSTHROUGH}
    return Config.from_env(env=env).with_(**changes)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """Code that reads the environment itself (the CLI) gets a private data dir, never .factbot/."""
    for key in list(os.environ):
        if key.startswith("FACTBOT_") and key not in PASSTHROUGH:
            monkeypatch.delenv(key)
    monkeypatch.setenv("FACTBOT_DATA_DIR", str(tmp_path / "env-data"))


@pytest.fixture(scope="session")
def embedder():
    from factbot.index.embed import Embedder

    return Embedder(threads=1)


@pytest.fixture(scope="session")
def similarity(embedder):
    """Embedding cosine similarity, as FactBot.similarity computes it."""

    def sim(a: list[str], b: list[str]) -> np.ndarray:
        return embedder.embed(a) @ embedder.embed(b).T

    return sim


@pytest.fixture
def make_bot(embedder, tmp_path):
    """FactBot(corpus=..., data_dir=tmp) with the session embedder and the real Chroma."""
    from factbot.pipeline.factbot import FactBot

    def make(corpus: Path, data_dir: Path | None = None, model=None, **config_changes):
        return FactBot(
            base_config(**config_changes),
            corpus=corpus,
            data_dir=data_dir or tmp_path / "data",
            embedder=embedder,
            model=model,
        )

    return make


def forget_chroma_client(path: Path) -> None:
    """Chroma caches one client per path in a process. Tests that reopen an index from disk, or swap
    its files, drop the cached one first, as a new process would start without it."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(path), None)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# Short crafted articles: one chunk each, cheap to embed, each with facts of its own.
BRIDGE = """Harbor Bridge Reopens After Repairs

The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs, the city transport office said.
Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars, less than the budget approved in spring.
Engineers replaced corroded cables and resurfaced the deck, and inspectors signed off on the work late on Friday.
"""

ORCHARD = """Valley Orchards Expect a Record Apple Harvest

Growers in the Tamsin Valley expect a record apple harvest this autumn after a mild and wet summer.
The growers' cooperative said its members planted 3,000 new trees of the Crimson Vale variety last year.
Cooperative chair Omar Haddad warned that a shortage of pickers could leave some fruit on the branches.
"""

OBSERVATORY = """Mountain Observatory Spots a New Comet

Astronomers at the Kestrel Peak observatory have spotted a faint comet approaching the inner solar system.
The comet, catalogued as C/2031 K7, should be visible through binoculars in late March, the team said.
Observatory director Priya Raman said the discovery came from a survey telescope installed two years ago.
"""

# A news page with navigation, a script, a style sheet and a footer around the article.
HTML = """<!DOCTYPE html><html><head><title>Harbor Bridge Reopens After Repairs | Example News</title>
<script>var tracker = 'analytics-snippet-xyz'; console.log('tracking pixel fired');</script>
<style>.nav { color: red; }</style></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World News Section</a></li>
<li><a href="/sports">Sports Coverage Hub</a></li></ul></nav></header>
<main><article>
<h1>Harbor Bridge Reopens After Repairs</h1>
<p>The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs, the city transport office said.</p>
<p>Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars, less than the budget approved in spring.</p>
<p>Engineers replaced corroded cables and resurfaced the deck, and inspectors signed off on the work late on Friday.</p>
</article></main>
<footer><p>Copyright 2025 Example News Corporation. All rights reserved.</p>
<a href="/privacy">Privacy policy and cookie settings</a></footer>
</body></html>"""
