"""The lexical index on disk: numbered snapshots (numpy arrays and one JSON file per snapshot) and
the log of changes since the current one, in one folder. state.json names the current snapshot
and is replaced atomically, so a reader never sees a half-written one; a lock file serializes
writers (several processes may share the folder)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT = 1
STATE, LOCK = "state.json", "lock"
ARRAYS = {  # name -> dtype; the large ones are memory-mapped, so a start reads only what questions touch
    "lengths": np.int32, "digests": np.int64, "post_ptr": np.int64, "post_rows": np.int32, "post_tf": np.uint16,
    "key_df": np.int32, "key_ptr": np.int64, "key_ids": np.int32,
}  # fmt: skip
MAPPED = {"post_rows", "post_tf", "key_ids"}


@dataclass
class Snapshot:
    """Rows (chunks) in order; BM25 postings by token (rows ascending); stem keys by row."""

    generation: int = 0
    ids: list[str] = field(default_factory=list)  # chunk id per row
    tokens: list[str] = field(default_factory=list)  # BM25 token per token id
    keys: list[str] = field(default_factory=list)  # stem key per key id
    docs: dict[str, list] = field(default_factory=dict)  # doc id -> [title, source, sha256, chunks, ingested_at, rows]
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # BM25 tokens per row
    digests: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # text hash per row
    post_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))  # token -> its postings' range
    post_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    post_tf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    key_df: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # rows holding each key
    key_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))  # row -> its keys' range
    key_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))


class Files:
    def __init__(self, path: Path, collection: str):
        self.path = Path(path)
        self.collection = collection  # the store's chunk collection: another one means another index
        self.loaded = 0  # generation last loaded by this process

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / LOCK, "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _state(self) -> dict:
        try:
            state = json.loads((self.path / STATE).read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def claim(self) -> None:
        """Under the lock: start over when the folder belongs to another collection or version."""
        state = self._state()
        if state.get("format") == FORMAT and state.get("collection") == self.collection:
            return
        for p in self.path.iterdir():
            if p.name != LOCK:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        self._write_state(0)

    def generation(self) -> int:
        return int(self._state().get("generation", 0))

    def position(self) -> tuple[int, int]:
        """Changes when a process wrote: state.json replaced, or the current log grown."""
        try:
            state = (self.path / STATE).stat().st_mtime_ns
        except OSError:
            state = 0
        try:
            log = self._log(self.loaded).stat().st_size
        except OSError:
            log = 0
        return state, log

    def _log(self, gen: int) -> Path:
        return self.path / f"log-{gen}.jsonl"

    def _write_state(self, gen: int) -> None:
        tmp = self.path / f"{STATE}.tmp"
        tmp.write_text(json.dumps({"format": FORMAT, "collection": self.collection, "generation": gen}))
        os.replace(tmp, self.path / STATE)

    def load(self, gen: int) -> Snapshot:
        self.loaded = gen
        if gen == 0:
            return Snapshot()
        folder = self.path / f"snap-{gen}"
        meta = json.loads((folder / "meta.json").read_text())
        arrays = {n: np.load(folder / f"{n}.npy", mmap_mode="r" if n in MAPPED else None) for n in ARRAYS}
        return Snapshot(gen, meta["ids"], meta["tokens"], meta["keys"], meta["docs"], **arrays)

    def save(self, snap: Snapshot) -> int:
        """Under the lock: write snap as the next generation with an empty log; drop the older files."""
        gen = self.generation() + 1
        tmp = self.path / f"snap-{gen}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name, dtype in ARRAYS.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(getattr(snap, name), dtype=dtype))
        meta = {"ids": snap.ids, "tokens": snap.tokens, "keys": snap.keys, "docs": snap.docs}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
        os.replace(tmp, self.path / f"snap-{gen}")
        self._log(gen).touch()
        self._write_state(gen)
        for p in self.path.iterdir():  # a process still reading an older snapshot keeps its open mappings
            if p.name.startswith(("snap-", "log-")) and p.name not in (f"snap-{gen}", f"log-{gen}.jsonl"):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        return gen

    def append(self, entries: list[dict]) -> None:
        """Under the lock: add entries to the current log (a torn last line from a crash is cut first)."""
        if not entries:
            return
        log = self._log(self.loaded)
        with open(log, "ab+") as f:
            size = f.seek(0, os.SEEK_END)
            if size:
                f.seek(max(0, size - 1))
                if f.read(1) != b"\n":
                    data = log.read_bytes()
                    f.truncate(data.rfind(b"\n") + 1)
            f.seek(0, os.SEEK_END)
            f.write(b"".join(json.dumps(e, ensure_ascii=False).encode() + b"\n" for e in entries))

    def read_log(self, gen: int, offset: int) -> tuple[list[dict], int]:
        """Complete entries of generation gen's log from byte offset on, and the offset after them."""
        try:
            with open(self._log(gen), "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return [], offset
        end = data.rfind(b"\n") + 1
        return [json.loads(line) for line in data[:end].splitlines() if line.strip()], offset + end
