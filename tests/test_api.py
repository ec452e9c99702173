"""The JSON API (bot/app/api.py) and the CLI using it: `factbot ask` / `check` answer through a
running server (nothing loaded in the command), find it through server.json or FACTBOT_SERVER_URL,
honour --auth, and without a server say how to get fast answers. The server runs in-process on a
free loopback port over a FactBot with a FAKE model (ScriptedModel: control flow only)."""

from __future__ import annotations

import json
import os

import pytest
from conftest import BRIDGE, ORCHARD, base_config, write
from ui_harness import ScriptedModel

from factbot.app import cli
from factbot.app.api import ApiServer
from factbot.app.client import answer_from_dict, find_server, verdict_from_dict
from factbot.core.config import SERVER

QUESTION = "How much did the Harbor Bridge repairs cost?"


@pytest.fixture
def served(make_bot, tmp_path, monkeypatch):
    """A FactBot (FAKE model) behind the API, its address in FACTBOT_DATA_DIR/server.json."""
    corpus = tmp_path / "corpus"
    write(corpus, "bridge.txt", BRIDGE)
    write(corpus, "orchard.txt", ORCHARD)
    data = tmp_path / "served-data"
    bot = make_bot(corpus, data_dir=data, model=ScriptedModel(delay=0), check_mode="code")
    bot.ingest(progress=False)
    monkeypatch.setenv("FACTBOT_DATA_DIR", str(data))
    servers = []

    def start(**changes) -> ApiServer:
        api = ApiServer(bot, base_config(data_dir=data, ui_host="127.0.0.1", api_port=0, **changes))
        servers.append(api)
        return api

    yield bot, start
    for api in servers:
        api.close()


@pytest.fixture
def no_local_bot(monkeypatch):
    """The CLI must not build a FactBot when a server answers."""

    def refuse(*a, **k):
        raise AssertionError("the CLI loaded a FactBot although a server was running")

    monkeypatch.setattr("factbot.pipeline.factbot.FactBot", refuse)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_uses_the_running_server(served, no_local_bot, capsys):
    bot, start = served
    api = start()
    assert api.url.startswith("http://127.0.0.1:")
    info = json.loads((bot.config.data_dir / SERVER).read_text())
    assert info["url"] == api.url and info["pid"] == os.getpid() and info["auth"] is False

    code, out, err = run(capsys, "ask", "--json", QUESTION)
    assert code == 0, err
    assert "no factbot server" not in err
    expected = bot.answer(QUESTION)
    got = json.loads(out)
    assert got["text"] == expected.text and not got["abstained"]
    assert got["citations"] and "Harbor Bridge" in got["citations"][0]["quote"]
    assert [c["quote"] for c in got["citations"]] == [c.quote for c in expected.citations]

    code, out, err = run(capsys, "ask", QUESTION)  # the plain-text rendering of the same Answer
    assert code == 0 and "Sources:" in out and "[1] Harbor Bridge Reopens After Repairs" in out


def test_check_uses_the_running_server(served, no_local_bot, capsys):
    bot, start = served
    start()
    claim = "The Harbor Bridge repairs cost 4.2 million dollars."
    code, out, err = run(capsys, "check", "--json", claim)
    assert code == 0, err
    got = json.loads(out)
    assert got["claim"] == claim and got["label"] == str(bot.check(claim).label)
    code, out, err = run(capsys, "check", "--text", "--json", claim + " Omar Haddad chairs the cooperative.")
    assert code == 0, err
    assert len(json.loads(out)) == 2


def test_bad_input_from_the_server_exits_2(served, capsys):
    _, start = served
    start()
    code, out, err = run(capsys, "ask", "Is it " + "very " * 500 + "long?")  # over the server's limit too
    assert code == 2 and out == "" and "limit" in err


def test_the_api_needs_the_login_when_one_is_set(served, no_local_bot, capsys, monkeypatch):
    bot, start = served
    api = start(ui_auth="ann:s3cret")
    assert json.loads((bot.config.data_dir / SERVER).read_text())["auth"] is True
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(api.url + "/v1/health", timeout=5)
    assert err.value.code == 401
    code, _, err_text = run(capsys, "ask", QUESTION)
    assert code == 1 and "FACTBOT_UI_AUTH" in err_text
    monkeypatch.setenv("FACTBOT_UI_AUTH", "ann:s3cret")
    code, out, err_text = run(capsys, "ask", "--json", QUESTION)
    assert code == 0, err_text
    assert json.loads(out)["citations"]


def test_server_url_from_the_environment(served, no_local_bot, capsys, monkeypatch, tmp_path):
    _, start = served
    api = start()
    monkeypatch.setenv("FACTBOT_DATA_DIR", str(tmp_path / "elsewhere"))  # no server.json there
    monkeypatch.setenv("FACTBOT_SERVER_URL", api.url)
    code, out, err = run(capsys, "ask", "--json", QUESTION)
    assert code == 0, err
    assert json.loads(out)["citations"]
    api.close()
    code, out, err = run(capsys, "ask", QUESTION)
    assert code == 1 and "FACTBOT_SERVER_URL" in err


def test_closing_removes_the_address_and_a_stale_file_is_ignored(served, tmp_path):
    bot, start = served
    api = start()
    config = base_config(data_dir=bot.config.data_dir)
    assert find_server(config).url == api.url
    api.close()
    assert not (bot.config.data_dir / SERVER).exists()
    assert find_server(config) is None
    # A crashed server's file: its process is gone, or nothing listens at its address.
    (bot.config.data_dir / SERVER).write_text(json.dumps({"url": api.url, "pid": 2**22 + 12345, "auth": False}))
    assert find_server(config) is None
    (bot.config.data_dir / SERVER).write_text(json.dumps({"url": api.url, "pid": os.getpid(), "auth": False}))
    assert find_server(config) is None


def test_without_a_server_ask_says_how_to_get_fast_answers(make_bot, tmp_path, monkeypatch, capsys, embedder):
    corpus = tmp_path / "corpus"
    write(corpus, "bridge.txt", BRIDGE)
    monkeypatch.setattr("factbot.pipeline.factbot.Embedder", lambda threads=None: embedder)
    monkeypatch.setattr("factbot.pipeline.factbot.get_model", lambda config: ScriptedModel(delay=0))
    code, out, err = run(capsys, "ask", "--corpus", str(corpus), QUESTION)  # --corpus: always local, no hint
    assert code == 0 and "factbot serve --api" not in err
    monkeypatch.setenv("FACTBOT_CORPUS_DIR", str(corpus))
    code, out, err = run(capsys, "ask", QUESTION)
    assert code == 0, err
    assert "factbot serve --api" in err and "Harbor Bridge" in out


def test_answers_survive_the_json_round_trip(served):
    bot, _ = served
    a = bot.answer(QUESTION)
    assert answer_from_dict(json.loads(json.dumps(a.to_dict(), default=str))) == a
    v = bot.check("The Harbor Bridge repairs cost 4.2 million dollars.")
    assert verdict_from_dict(json.loads(json.dumps(v.to_dict(), default=str))) == v
