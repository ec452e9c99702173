"""Config: defaults, FACTBOT_* overrides, bad values. Prompts: every file renders, strictly."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from factbot.core.config import CheckMode, Config, library_env, resource
from factbot.core.errors import BadInput
from factbot.model.prompts import PROMPTS_DIR, load_prompt, placeholders

PROMPT_NAMES = sorted(p.stem for p in PROMPTS_DIR.glob("*.md"))


# Config ---------------------------------------------------------------------------------------
def test_defaults_without_environment():
    c = Config.from_env(env={})
    assert c == Config()
    assert c.corpus_dir == resource("corpus") and c.corpus_dir.is_dir()
    assert "site-packages" not in str(c.data_dir) and c.data_dir != resource("corpus").parent / ".factbot"
    assert c.chroma_host is None
    assert c.chunk_tokens == 200
    assert c.max_question_chars == 2000
    assert c.max_file_bytes > 0


def test_library_env_sets_openmp_spinning_and_offline_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # the user's value wins
    library_env()
    import os

    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"  # llama.cpp's barriers: see LIBRARY_ENV
    assert os.environ["HF_HUB_OFFLINE"] == "0" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_openmp_runtime_reads_active_when_the_embedder_loads_torch():
    """libgomp (shared by torch and llama.cpp) reads OMP_WAIT_POLICY once, when it loads; with
    OMP_DISPLAY_ENV it prints what it read. A fresh process with neither variable chosen."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | {"OMP_DISPLAY_ENV": "TRUE"}
    code = "from factbot.index.embed import Embedder; Embedder()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "OMP_WAIT_POLICY = 'ACTIVE'" in out.stderr


def test_environment_overrides_defaults():
    c = Config.from_env(
        env={
            "FACTBOT_TOP_K": "5",
            "FACTBOT_EVIDENCE_K": "2",
            "FACTBOT_MIN_RELEVANCE": "0.25",
            "FACTBOT_DATA_DIR": "~/factbot-data",
            "FACTBOT_CORPUS_DIR": "/srv/articles",
            "FACTBOT_CHROMA_HOST": "chroma.internal",
            "FACTBOT_CHROMA_PORT": "8123",
            "FACTBOT_MODEL_PATH": "/models/other.gguf",
            "FACTBOT_THREADS": "1",
            "FACTBOT_MAX_FILE_BYTES": "1000",
            "FACTBOT_LLM_ENDPOINT": "http://127.0.0.1:9999/v1",
            "OTHER_TOP_K": "99",
        }
    )
    assert (c.top_k, c.evidence_k, c.min_relevance) == (5, 2, 0.25)
    assert c.data_dir == Path.home() / "factbot-data"
    assert c.corpus_dir == Path("/srv/articles")
    assert (c.chroma_host, c.chroma_port) == ("chroma.internal", 8123)
    assert c.model_path == Path("/models/other.gguf")
    assert (c.threads, c.max_file_bytes) == (1, 1000)
    assert c.llm_endpoint == "http://127.0.0.1:9999/v1"
    assert isinstance(c.top_k, int) and isinstance(c.min_relevance, float) and isinstance(c.data_dir, Path)


def test_every_field_can_be_set_from_the_environment():
    samples = {int: "7", float: "0.5", Path: "/x/y", str: "value", CheckMode: "code"}
    for f in fields(Config):
        kinds = [("Path", Path), ("int", int), ("float", float), ("CheckMode", CheckMode)]
        kind = next((t for name, t in kinds if f.type.startswith(name)), str)
        c = Config.from_env(env={f"FACTBOT_{f.name.upper()}": samples[kind]})
        expected = Path(samples[kind]) if kind is Path else kind(samples[kind])
        assert getattr(c, f.name) == expected, f.name


def test_check_mode_is_an_enum_and_a_typo_is_an_error():
    assert Config().check_mode is CheckMode.CODE_AND_MODEL
    assert Config.from_env(env={"FACTBOT_CHECK_MODE": "model"}).check_mode is CheckMode.MODEL
    with pytest.raises(BadInput, match="code\\+model, code, model"):
        Config.from_env(env={"FACTBOT_CHECK_MODE": "code+modle"})
    with pytest.raises(BadInput):
        Config(check_mode="fast")


def test_empty_variable_means_default():
    assert Config.from_env(env={"FACTBOT_TOP_K": "", "FACTBOT_CHROMA_HOST": ""}) == Config()


def test_keyword_overrides_win_over_environment():
    c = Config.from_env(env={"FACTBOT_TOP_K": "5"}, top_k=6, threads=None)
    assert c.top_k == 6 and c.threads == Config().threads


def test_with_returns_a_changed_copy():
    c = Config()
    d = c.with_(top_k=3)
    assert d.top_k == 3 and c.top_k == Config().top_k


@pytest.mark.parametrize(
    "name, value",
    [("FACTBOT_TOP_K", "eight"), ("FACTBOT_CHROMA_PORT", "80.5"), ("FACTBOT_MIN_SUPPORT", "high")],
)
def test_bad_number_is_bad_input_naming_the_variable(name, value):
    with pytest.raises(BadInput) as err:
        Config.from_env(env={name: value})
    assert name in str(err.value) and repr(value) in str(err.value)


def test_process_environment_is_read(monkeypatch):
    monkeypatch.setenv("FACTBOT_TOP_K", "11")
    assert Config.from_env().top_k == 11


# Prompts --------------------------------------------------------------------------------------
def test_prompt_files_exist():
    assert {"answer_system", "answer_user"} <= set(PROMPT_NAMES)


@pytest.mark.parametrize("name", PROMPT_NAMES)
def test_every_prompt_renders_with_its_placeholders(name):
    names = placeholders(name)
    values = {k: f"<<{k.upper()} VALUE>>" for k in names}
    text = load_prompt(name, **values)
    assert text.strip()
    for k, v in values.items():
        assert v in text
        assert f"{{{k}}}" not in text
    # No placeholder is left unfilled, and text outside placeholders is the file's, as written.
    assert not re.search(r"\{[A-Za-z_]\w*\}", text)
    raw = (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8").strip()
    assert re.sub(r"\{\w+\}", "", raw) == re.sub("|".join(map(re.escape, values.values())) or "^$", "", text)


def test_answer_user_prompt_placeholders():
    assert placeholders("answer_user") == {"sources", "question"}
    text = load_prompt("answer_user", sources="[1] The bridge reopened.", question="When did it reopen?")
    assert "[1] The bridge reopened." in text and "When did it reopen?" in text


def test_missing_placeholder_raises():
    with pytest.raises(KeyError, match="question"):
        load_prompt("answer_user", sources="[1] x")


def test_unknown_placeholder_raises():
    with pytest.raises(KeyError, match="colour"):
        load_prompt("answer_user", sources="[1] x", question="q", colour="blue")
    with pytest.raises(KeyError):
        load_prompt("answer_system", question="q")


def test_values_are_not_interpreted_as_templates():
    text = load_prompt("answer_user", sources="[1] costs {question} and {} and $5", question="Q?")
    assert "[1] costs {question} and {} and $5" in text and text.count("Q?") == 1


def test_prompts_are_llama_index_templates():
    from llama_index.core.prompts import ChatPromptTemplate, PromptTemplate

    from factbot.model.prompts import chat_template, template

    assert isinstance(template("answer_user"), PromptTemplate)
    chat = chat_template("answer")
    assert isinstance(chat, ChatPromptTemplate)
    system, user = chat.format_messages(sources="[1] The bridge reopened.", question="When?")
    assert system.role == "system" and system.content == load_prompt("answer_system")
    assert user.content == load_prompt("answer_user", sources="[1] The bridge reopened.", question="When?")


def test_unknown_prompt_file_raises():
    with pytest.raises(FileNotFoundError):
        load_prompt("no_such_prompt")
