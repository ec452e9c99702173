"""The same pipeline against a real Chroma server (`chroma run`), reached with chromadb.HttpClient."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, KELLOGG_DOC, base_config

from factbot.core.errors import FactbotError
from factbot.pipeline.factbot import FactBot

KELLOGG_Q = "What did Kellogg clarify?"
STARTUP_LIMIT_S = 120  # give up waiting for the server (a hang guard, not a speed check)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    import chromadb
    from chromadb.config import Settings

    exe = Path(sys.executable).parent / "chroma"
    assert exe.is_file(), f"{exe} is missing: pip install chromadb==1.5.9"
    root = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(root / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, cwd=root, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )  # fmt: skip
    settings = Settings(anonymized_telemetry=False)
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port, settings=settings).heartbeat()
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log_text = (root / "server.log").read_text(errors="replace")
                    raise RuntimeError(f"chroma run did not start:\n{log_text}")
                time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server_bot(chroma_server, embedder, tmp_path_factory):
    host, port = chroma_server
    # This worker's own BM25 index (index/lexical.py) lives locally, here in a temporary folder.
    lexical = tmp_path_factory.mktemp("server-bot-lexical")
    config = base_config(chroma_host=host, chroma_port=port, lexical_dir=lexical)
    data_dir = tmp_path_factory.mktemp("server-bot") / "unused"
    return FactBot(config, corpus=CORPUS, data_dir=data_dir, embedder=embedder)


@pytest.mark.server
def test_ingest_and_retrieve_through_the_server(server_bot, chroma_server, embedder):
    first = server_bot.ingest(progress=False)
    assert len(first.added) == 5 and not first.skipped
    assert first.chunk_count == first.chunks_written == server_bot.store.count() > 5
    assert server_bot.store.location == f"chroma server {chroma_server[0]}:{chroma_server[1]}"
    assert not server_bot.config.data_dir.exists(), "server mode writes nothing locally"

    found = server_bot.find_evidence(KELLOGG_Q)
    evidence, relevance = found.evidence, found.relevance
    assert relevance > server_bot.config.min_relevance
    top = evidence[0]
    assert top.source.endswith(KELLOGG_DOC)
    doc = server_bot.store.document(top.doc_id)
    assert doc.text[top.start : top.end] == top.text
    p0 = doc.text.index("But Kellogg quickly fired back")
    assert top.start <= p0 < top.end and "resiliency force" in top.text

    # A second client (another process, another machine) sees the same index, all unchanged.
    other = FactBot(server_bot.config, corpus=CORPUS, data_dir=server_bot.config.data_dir, embedder=embedder)
    assert other.store.count() == first.chunk_count
    again = other.ingest(progress=False)
    assert len(again.unchanged) == 5 and again.chunks_written == 0


@pytest.mark.server
@pytest.mark.model
def test_real_answer_through_the_server(server_bot):
    answer = server_bot.answer(KELLOGG_Q)
    assert not answer.abstained, answer.raw_text
    assert any(c.source.endswith(KELLOGG_DOC) for c in answer.citations)
    for c in answer.citations:
        assert server_bot.store.document(c.doc_id).text[c.start : c.end] == c.quote
    assert "resiliency force" in answer.text.lower()


def test_unreachable_server_says_how_to_start_one(embedder, tmp_path):
    config = base_config(chroma_host="127.0.0.1", chroma_port=_free_port())  # nothing listens there
    with pytest.raises(FactbotError, match="chroma run --path"):
        FactBot(config, corpus=CORPUS, data_dir=tmp_path / "data", embedder=embedder)
    assert not (tmp_path / "data").exists()
