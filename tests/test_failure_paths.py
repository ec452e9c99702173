"""Issue 26, row by row: every fault of its table driven through the real factbot CLI or the real
server, each in processes of their own over throwaway folders, as the unprivileged user `nobody`
where permissions matter. No model: claims are checked in code (tests/faults.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import BRIDGE, OBSERVATORY, ORCHARD, write
from faults import ApiProcess, cli, env, give_to_nobody, nobody_reason, sandbox, text

pytestmark = pytest.mark.faults

BRIDGE_CLAIM = "Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars."
COMET_CLAIM = "The comet, catalogued as C/2031 K7, should be visible through binoculars in late March."
APPLE_CLAIM = "The growers' cooperative said its members planted 3,000 new trees of the Crimson Vale variety last year."
needs_nobody = pytest.mark.skipif(nobody_reason() is not None, reason=f"permission tests run as nobody: {nobody_reason()}")


@pytest.fixture
def box():
    """A throwaway folder every user can enter, with corpus/ (two articles) and data/ inside."""
    root = sandbox("faults")
    write(root / "corpus", "bridge.txt", BRIDGE)
    write(root / "corpus", "orchard.txt", ORCHARD)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def checked(result) -> dict:
    code, out, err = text(result)
    assert code == 0, err
    return json.loads(out)


def quotes(verdict: dict) -> list[str]:
    return [c["quote"] for c in verdict["evidence"]]


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# Rebuild lock-out ------------------------------------------------------------------------------
def test_rebuild_with_a_leftover_temporary_file_rebuilds(box):
    e = env(box / "data", box / "corpus")
    checked(cli(["check", "--json", BRIDGE_CLAIM], e))
    (box / "data" / "removed.tmp").write_text("{")  # what a crash in the middle of a library change leaves
    code, out, err = text(cli(["ingest", "--rebuild"], e))
    assert code == 0, err
    assert "bridge.txt" in out or "2 added" in out or "added" in out
    verdict = checked(cli(["check", "--json", BRIDGE_CLAIM], e))
    assert any("4.2 million" in q for q in quotes(verdict))
    code, _, err = text(cli(["ingest", "--rebuild"], e))  # and again: the advice never turns into a lock-out
    assert code == 0, err


def test_a_folder_with_foreign_files_is_refused_untouched_and_rebuild_is_not_advised(box):
    data = box / "data"
    write(data, "thesis.docx", b"PK\x03\x04 the user's own work")
    before = tree(data)
    for args in (["check", BRIDGE_CLAIM], ["ingest", "--rebuild"]):
        code, _, err = text(cli(args, env(data, box / "corpus")))
        assert code == 1 and "not a factbot index" in err and "thesis.docx" in err, err
        assert "--rebuild" not in err and "Traceback" not in err
        assert tree(data) == before


def test_a_foreign_file_beside_a_factbot_index_survives_a_rebuild(box):
    e = env(box / "data", box / "corpus")
    checked(cli(["check", "--json", BRIDGE_CLAIM], e))
    write(box / "data", "notes.txt", "the user's notes")
    assert text(cli(["ingest", "--rebuild"], e))[0] == 0
    assert (box / "data" / "notes.txt").read_text() == "the user's notes"


# Permissions (as nobody) -------------------------------------------------------------------------
@needs_nobody
def test_read_only_data_folder_is_a_permission_problem_and_nothing_is_deleted(box):
    data = box / "data"
    give_to_nobody(box / "corpus")
    e = env(data, box / "corpus")
    checked(cli(["check", "--json", BRIDGE_CLAIM], e))  # built by root: nobody may read it, not write it
    before = tree(data)
    for args in (["check", BRIDGE_CLAIM], ["ingest", "--rebuild"], ["ingest"]):
        code, _, err = text(cli(args, e, user="nobody"))
        assert code == 1, err
        assert "permission denied" in err and str(data) in err, err
        assert "corrupt" not in err.lower() and "--rebuild" not in err and "Traceback" not in err
        assert tree(data) == before
    assert checked(cli(["check", "--json", BRIDGE_CLAIM], e))["evidence"]  # the owner still gets answers


@needs_nobody
def test_unreadable_subfolder_is_skipped_and_its_articles_stay(box):
    data, corpus = box / "data", box / "corpus"
    write(corpus / "science", "comet.txt", OBSERVATORY)
    give_to_nobody(corpus)
    data.mkdir()
    give_to_nobody(data)
    e = env(data, corpus)
    code, out, err = text(cli(["ingest"], e, user="nobody"))
    assert code == 0, err
    (corpus / "science").chmod(0o000)  # nobody owns it and may not read it
    try:
        for args in (["ingest"], ["check", "--json", COMET_CLAIM]):
            code, out, err = text(cli(args, e, user="nobody"))
            assert code == 0, err
            assert "Traceback" not in err
        assert "science" in text(cli(["ingest"], e, user="nobody"))[2]  # the warning names the folder
        verdict = json.loads(text(cli(["check", "--json", COMET_CLAIM], e, user="nobody"))[1])
        assert any("C/2031 K7" in q for q in quotes(verdict)), verdict  # its article is still in the index
        assert "Mountain Observatory" in text(cli(["list"], e, user="nobody"))[1]
    finally:
        (corpus / "science").chmod(0o755)


# A running server while another process changes the index ---------------------------------------
def test_server_follows_changes_made_by_other_processes(box):
    e = env(box / "data", box / "corpus")
    server = ApiProcess(e)
    try:
        status, got = server.check(BRIDGE_CLAIM)
        assert status == 200, got

        write(box, "comet.txt", OBSERVATORY)
        assert text(cli(["add", str(box / "comet.txt")], e))[0] == 0
        status, got = server.check(COMET_CLAIM)
        assert status == 200, (got, server.output())
        assert any("C/2031 K7" in q for q in quotes(got["verdicts"][0])), got  # the vector side has it too

        assert text(cli(["remove", "--yes", "comet.txt"], e))[0] == 0
        status, got = server.check(COMET_CLAIM)
        assert status == 200, (got, server.output())
        assert not any("C/2031 K7" in q for q in quotes(got["verdicts"][0]))

        edited = BRIDGE.replace("4.2 million", "5.9 million")
        (box / "corpus" / "bridge.txt").write_text(edited)
        assert text(cli(["ingest"], e))[0] == 0
        status, got = server.check(BRIDGE_CLAIM.replace("4.2", "5.9"))
        assert status == 200, (got, server.output())
        got_quotes = quotes(got["verdicts"][0])
        assert got_quotes and all(q in edited for q in got_quotes if "Ortiz" in q), got_quotes
        assert any("5.9 million" in q for q in got_quotes) and not any("4.2 million" in q for q in got_quotes)
        assert "Traceback" not in server.output()
    finally:
        server.close()


# Uploads without a corpus folder -----------------------------------------------------------------
def test_uploads_alone_answer_without_a_corpus_folder(box):
    e = env(box / "data", box / "no-such-folder")
    write(box, "comet.txt", OBSERVATORY)
    code, out, err = text(cli(["add", str(box / "comet.txt")], e))
    assert code == 0, err
    verdict = checked(cli(["check", "--json", COMET_CLAIM], e))
    assert any("C/2031 K7" in q for q in quotes(verdict))
    (box / "empty").mkdir()
    verdict = checked(cli(["check", "--json", COMET_CLAIM], env(box / "data", box / "empty")))
    assert any("C/2031 K7" in q for q in quotes(verdict))


# Symlinked articles ---------------------------------------------------------------------------------
def test_removing_a_symlink_removes_its_article(box):
    write(box / "elsewhere", "comet.txt", OBSERVATORY)
    link = box / "corpus" / "comet.txt"
    link.symlink_to(box / "elsewhere" / "comet.txt")
    e = env(box / "data", box / "corpus")
    assert any("C/2031 K7" in q for q in quotes(checked(cli(["check", "--json", COMET_CLAIM], e))))
    listed = text(cli(["list"], e))[1]
    assert str(link) in listed or "comet.txt" in listed
    link.unlink()
    assert text(cli(["ingest"], e))[0] == 0
    assert not any("C/2031 K7" in q for q in quotes(checked(cli(["check", "--json", COMET_CLAIM], e))))
    assert "Mountain Observatory" not in text(cli(["list"], e))[1]
    assert (box / "elsewhere" / "comet.txt").exists()  # the target is the user's: never touched


# Text that cannot be encoded ----------------------------------------------------------------------
def test_a_question_with_invalid_utf8_is_bad_input(box):
    e = env(box / "data", box / "corpus")
    for args in (["ask", b"What did Ortiz say about the \xff repairs?"], ["check", b"Ortiz said \xed\xa0\x80 it."]):
        code, _, err = text(cli(args, e))
        assert code == 2 and "not text" in err and "UTF-8" in err, err
        assert "Traceback" not in err
    code, _, err = text(cli(["check", "--text", "-"], e, input=b"Ortiz said \xff it cost 4 million."))
    assert code == 2 and "UTF-8" in err and "Traceback" not in err, err


def test_the_api_rejects_a_lone_surrogate(box):
    server = ApiProcess(env(box / "data", box / "corpus"))
    try:
        status, got, _ = server.post("/v1/check", {}, raw=b'{"claim": "Ortiz said \\ud800 it."}')
        assert status == 400 and "not text" in got["error"], got
    finally:
        server.close()


# Standard input -----------------------------------------------------------------------------------
def test_dash_reads_the_question_or_claim_from_standard_input(box):
    e = env(box / "data", box / "corpus")
    question = "What is the capital of Mongolia?"  # off the articles' topics: answered without the model
    got = checked(cli(["ask", "--json", "-"], e, input=question + "\n"))
    assert got["question"] == question and got["abstained"]
    verdict = checked(cli(["check", "--json", "-"], e, input=BRIDGE_CLAIM))
    assert verdict["claim"] == BRIDGE_CLAIM and any("4.2 million" in q for q in quotes(verdict))
    code, _, err = text(cli(["ask", "-"], e, input=""))
    assert code == 2 and "empty" in err


# eval's exit code -----------------------------------------------------------------------------------
def test_eval_exits_non_zero_when_it_prints_a_failed_gate(box):
    items = write(box, "items.jsonl", json.dumps({
        "id": "c99", "kind": "claim", "claim": BRIDGE_CLAIM, "label": "REFUTED",  # wrong on purpose
        "evidence": [{"doc": "bridge.txt", "quote": "Mayor Lena Ortiz told reporters that the repairs cost 4.2 million "
                      "dollars, less than the budget approved in spring."}],
    }) + "\n")  # fmt: skip
    e = env(box / "data", box / "corpus")
    code, out, err = text(cli(["eval", "--items", str(items), "--corpus", str(box / "corpus"), "--out", str(box / "r")], e))
    assert "gate: FAIL" in out, (out, err)
    assert code == 1, err


# Broken pipes ---------------------------------------------------------------------------------------
def test_a_closed_pipe_ends_quietly(box):
    e = env(box / "data", box / "corpus")
    checked(cli(["check", "--json", BRIDGE_CLAIM], e))
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "factbot.app.cli", "list"], env=e, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd="/tmp")  # fmt: skip
    proc.stdout.close()  # the reader is gone before factbot writes: `factbot list | head -0`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == "", err
    shell = subprocess.run(f"{sys.executable} -m factbot.app.cli list | head -1", shell=True, env=e,
                           capture_output=True, text=True, cwd="/tmp")  # fmt: skip
    assert shell.stdout.count("\n") == 1 and "Error" not in shell.stderr, shell.stderr


# Error text, headers, logins and content types on the real server -------------------------------------
def test_errors_shown_by_the_api_and_the_ui_hold_no_server_paths(box):
    e = env(box / "data", box / "corpus")
    server = ApiProcess(e)
    try:
        assert text(cli(["remove", "--yes", "bridge.txt", "orchard.txt"], e))[0] == 0  # the index is now empty
        status, got = server.check(BRIDGE_CLAIM)
        assert status == 500 and "empty" in got["error"], got  # the message names the data folder ...
        assert str(box) not in got["error"] and "/tmp" not in got["error"], got  # ... but not where it is
    finally:
        server.close()


def test_ui_error_text_holds_no_server_paths(make_bot, tmp_path):
    from factbot.app.ui import make_check

    corpus = tmp_path / "corpus"
    write(corpus, "bridge.txt", BRIDGE)
    bot = make_bot(corpus, check_mode="code")  # not synced: the index is empty, the error names its folder
    bot._auto_ingest = False
    html, _ = make_check(bot, 2000)(BRIDGE_CLAIM)
    assert "index" in html and str(tmp_path) not in html and "/tmp" not in html, html


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **kw) -> tuple[int, object, bytes]:
    """status, headers (looked up case-insensitively), body."""
    req = urllib.request.Request(url, **kw)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_serve_with_auth_sends_security_headers_throttles_logins_and_takes_only_json(box):
    import sys

    port = _free_port()
    e = env(box / "data", box / "corpus", FACTBOT_UI_AUTH="reader:s3cret", FACTBOT_MAX_FAILED_LOGINS="3")
    log = open(box / "ui.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "factbot.app.cli", "serve", "--port", str(port)], env=e,
                            stdout=log, stderr=subprocess.STDOUT, cwd="/tmp")  # fmt: skip
    try:
        ui = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while True:
            try:
                status, headers, _ = _get(ui + "/")
                api = json.loads((box / "data" / "server.json").read_text())["url"]
                break
            except (OSError, ValueError, KeyError):
                assert proc.poll() is None and time.monotonic() < deadline, (box / "ui.log").read_text()[-3000:]
                time.sleep(0.5)
        import base64

        login = {"Authorization": "Basic " + base64.b64encode(b"reader:s3cret").decode()}
        wrong = {"Authorization": "Basic " + base64.b64encode(b"reader:nope").decode()}
        for h in (headers, _get(api + "/v1/health", headers=login)[1]):
            assert "frame-ancestors 'none'" in h["content-security-policy"]
            assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"

        form = {"data": b"username=reader&password=wrong",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"}}  # fmt: skip
        assert [_get(ui + "/login", **form)[0] for _ in range(3)] == [400, 400, 400]
        status, headers, body = _get(ui + "/login", **form)
        assert status == 429 and "Too many failed sign-ins" in body.decode() and int(headers["retry-after"]) > 0
        right = {**form, "data": b"username=reader&password=s3cret"}
        assert _get(ui + "/login", **right)[0] == 429  # refused until the window has passed, say so

        assert [_get(api + "/v1/health", headers=wrong)[0] for _ in range(3)] == [401, 401, 401]
        status, _, body = _get(api + "/v1/health", headers=login)
        assert status == 429 and b"Too many failed" in body

    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_the_api_takes_only_json_bodies(box):
    server = ApiProcess(env(box / "data", box / "corpus"))
    try:
        form = b"claim=Mayor+Lena+Ortiz+said+the+repairs+cost+4.2+million+dollars."
        for kind in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"):
            status, got, headers = server.post("/v1/check", {}, headers={"Content-Type": kind}, raw=form)
            assert status == 415 and "application/json" in got["error"], (kind, got)
        status, got = server.check(BRIDGE_CLAIM)
        assert status == 200
    finally:
        server.close()


# A lost vector segment ---------------------------------------------------------------------------------
def test_a_lost_vector_segment_is_reported_as_a_damaged_index_and_rebuild_repairs_it(box):
    e = env(box / "data", box / "corpus")
    checked(cli(["check", "--json", BRIDGE_CLAIM], e))
    import sqlite3

    (db,) = (box / "data").rglob("chroma.sqlite3")  # any layout: index-N/chroma/ or chroma/
    with sqlite3.connect(db) as con:  # the chunks' vector segment: what every question searches
        (segment,) = con.execute("SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection "
                                 "WHERE c.name = 'factbot_chunks' AND s.scope = 'VECTOR'").fetchone()  # fmt: skip
    (db.parent / segment / "data_level0.bin").unlink()
    code, _, err = text(cli(["check", BRIDGE_CLAIM], e))
    assert code == 1 and "damaged" in err and "factbot ingest --rebuild" in err, err
    assert "Traceback" not in err and "InternalError" not in err
    assert text(cli(["ingest", "--rebuild"], e))[0] == 0
    assert any("4.2 million" in q for q in quotes(checked(cli(["check", "--json", BRIDGE_CLAIM], e))))
