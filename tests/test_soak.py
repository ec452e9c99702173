"""Issue 26's soak and kill tests. `factbot serve --api` answers 3 clients while another process
adds, replaces and removes an article 20 times and then rebuilds the index: no request may fail,
and every quote must be the stored text of its article at some moment of its request. And a
`factbot ingest --rebuild` killed with SIGKILL leaves an index that answers.

Claims are checked in code (FACTBOT_CHECK_MODE=code), so the figures measure the server's index
handling, not the model: no model is loaded (tests/faults.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import BRIDGE, OBSERVATORY, ORCHARD, write
from faults import ApiProcess, cli, env, sandbox, text

pytestmark = pytest.mark.soak

CLAIMS = [
    "Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars.",
    "The comet, catalogued as C/2031 K2, should be visible through binoculars in late March.",
    "The growers' cooperative said its members planted 3,000 new trees of the Crimson Vale variety last year.",
    "Observatory director Priya Raman said the discovery came from a survey telescope installed 5 years ago.",
]
CHANGES, CLIENTS = 20, 3


@pytest.fixture
def box():
    root = sandbox("soak")
    write(root / "corpus", "bridge.txt", BRIDGE)
    write(root / "corpus", "orchard.txt", ORCHARD)
    (root / "work").mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _client(server: ApiProcess, n: int, stop: threading.Event, results: list) -> None:
    i = n
    while not stop.is_set():
        claim = CLAIMS[i % len(CLAIMS)]
        t0 = time.time()
        status, got = server.check(claim)
        results.append({"status": status, "got": got, "t0": t0, "t1": time.time(), "claim": claim})
        i += 1


def _stored_at(quote: dict, t0: float, t1: float, versions: list[dict]) -> bool:
    """The quote is text[start:end] of a version of its article stored at some moment of [t0, t1]."""
    for v in versions:
        live = v["live_from"] <= t1 and (v["live_until"] is None or v["live_until"] >= t0)
        if v["doc_id"] == quote["doc_id"] and live and v["text"][quote["start"] : quote["end"]] == quote["quote"]:
            return True
    return False


def test_soak_server_answers_three_clients_while_another_process_changes_the_library(box):
    e = env(box / "data", box / "corpus")
    server = ApiProcess(e)
    stop, results = threading.Event(), []
    corpus_versions = []
    try:
        assert server.check(CLAIMS[0])[0] == 200
        from factbot.core.config import Config
        from factbot.index.store import Store

        store = Store(Config.from_env(env=e))  # the corpus articles: stored the whole time
        corpus_versions = [{"doc_id": d, "text": store.document(d).text, "live_from": 0, "live_until": None}
                           for d in store.documents()]  # fmt: skip
        del store
        clients = [threading.Thread(target=_client, args=(server, n, stop, results)) for n in range(CLIENTS)]
        for c in clients:
            c.start()
        t0 = time.time()
        writer = subprocess.run([sys.executable, str(Path(__file__).with_name("soak_writer.py")), str(CHANGES),
                                 str(box / "versions.json"), str(box / "work")], env=e, capture_output=True,
                                text=True, timeout=900)  # fmt: skip
        assert writer.returncode == 0, writer.stderr[-3000:]
        changed = time.time() - t0
        rebuild_t0 = time.time()
        code, _, err = text(cli(["ingest", "--rebuild"], e))  # and an index swapped in under the server
        assert code == 0, err
        rebuilt = time.time()
        time.sleep(2)
    finally:
        stop.set()
        for c in clients if "clients" in locals() else ():
            c.join(timeout=300)
        log = server.output()
        server.close()

    versions = corpus_versions + json.loads((box / "versions.json").read_text())
    failed = [r for r in results if r["status"] != 200]
    assert not failed, (failed[:3], log)
    cited = [(q, r) for r in results for v in r["got"]["verdicts"] for q in v["evidence"]]
    wrong = [(q["quote"], q["doc_id"]) for q, r in cited if not _stored_at(q, r["t0"], r["t1"], versions)]
    assert not wrong, wrong[:5]
    comet = [q for q, _ in cited if "C/2031" in q["quote"] or "Priya Raman" in q["quote"]]
    assert comet, "no answer quoted the article being changed: the soak did not exercise it"
    during_rebuild = [r for r in results if r["t0"] >= rebuild_t0 and r["t1"] <= rebuilt]
    seconds = sorted(r["t1"] - r["t0"] for r in results)
    print(
        f"\nsoak: {len(results)} requests from {CLIENTS} clients, {len(failed)} failed; {CHANGES} changes in "
        f"{changed:.1f} s, then a rebuild in {rebuilt - rebuild_t0:.1f} s ({len(during_rebuild)} requests answered "
        f"during it); {len(cited)} quotes checked, {len(comet)} from the changing article; request seconds "
        f"median {statistics.median(seconds):.2f}, p95 {seconds[int(0.95 * (len(seconds) - 1))]:.2f}, "
        f"max {seconds[-1]:.2f}"
    )
    assert "Traceback" not in log, log


def _many_articles(folder: Path, n: int) -> None:
    for i in range(n):
        base = (BRIDGE, ORCHARD, OBSERVATORY)[i % 3]
        write(folder, f"extra-{i:02d}.txt", base.replace("Monday", f"day {i}").replace("3,000", f"{3000 + i:,}") + "\n"
              + " ".join(f"Sentence {j} of article {i} adds detail number {i * 100 + j} to the story." for j in range(30)))


@pytest.mark.parametrize("when", ["building", "after the store, before the swap"])
def test_kill_9_during_a_rebuild_leaves_an_index_that_answers(box, when):
    _many_articles(box / "corpus", 24)
    e = env(box / "data", box / "corpus")
    code, out, err = text(cli(["check", "--json", CLAIMS[0]], e))
    assert code == 0, err
    data = box / "data"
    proc = subprocess.Popen([sys.executable, "-m", "factbot.app.cli", "ingest", "--rebuild"], env=e,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/tmp")  # fmt: skip
    target = data / "index-2" / ("chroma/chroma.sqlite3" if when == "building" else "lexical")
    deadline = time.monotonic() + 300
    while not target.exists():
        assert proc.poll() is None, f"the rebuild ended before it could be killed: {proc.stderr.read().decode()}"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert json.loads((data / "factbot-index.json").read_text())["index"] == "index-1"  # the old one is in use
    verdict = json.loads(text(cli(["check", "--json", CLAIMS[0]], e))[1])
    assert any("4.2 million" in c["quote"] for c in verdict["evidence"]), verdict
    code, _, err = text(cli(["ingest", "--rebuild"], e))  # the next rebuild clears the leftover and completes
    assert code == 0, err
    assert sorted(p.name for p in data.glob("index-*")) == ["index-3"]
    verdict = json.loads(text(cli(["check", "--json", CLAIMS[0]], e))[1])
    assert any("4.2 million" in c["quote"] for c in verdict["evidence"]), verdict
