"""The data folder and what in it is factbot's: its format marker, which index folder is in use,
the writers' lock and the change stamp. Nothing here deletes a file factbot did not make.

Layout (format 2):
    factbot-index.json   {"format": 2, "embedder": ..., "index": "index-3"}: owner, version, index in use
    index-3/chroma/      the Chroma data of the index in use
    index-3/lexical/     its BM25 index (unless FACTBOT_LEXICAL_DIR)
    generation           rewritten by every writer after each change: readers reload when it differs
    write.lock           one writer at a time, across processes
    uploads/ removed.json suites/ reports/ server.json   kept across rebuilds
Format 1 (older indexes) kept chroma/ and lexical/ at the top; it is read as it is, and a rebuild
moves it to format 2. A rebuild builds index-N+1 beside the index in use, points the marker at
it (one atomic rename), then deletes the old one: killed at any moment, the marker names a
complete index."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from factbot.core.config import BESIDE_INDEX, LEXICAL, Config
from factbot.core.errors import IndexCorrupt, NoPermission
from factbot.index.embed import EMBEDDER_NAME

FORMAT = 2
MARKER, STAMP, LOCK, CHROMA = "factbot-index.json", "generation", "write.lock", "chroma"
REBUILD_HINT = "Rebuild it with: factbot ingest --rebuild (the old index answers until the new one is complete)"
_INDEX = re.compile(r"index-(\d+)$")
OWN = BESIDE_INDEX | {MARKER, STAMP, LOCK, CHROMA}  # CHROMA and LEXICAL at the top: format 1
LOCK_WAIT_S = 600.0  # a writer waits this long for another (a big ingest) before giving up
HNSW_FILES = ("header.bin", "data_level0.bin", "length.bin", "link_lists.bin")


def is_own(name: str) -> bool:
    """A name factbot writes in the data folder: its own files, index folders, and the temporary
    files of its atomic writes (removed.tmp, server.<pid>.tmp, ...) that a crash can leave."""
    if name in OWN or _INDEX.match(name):
        return True
    return name.endswith(".tmp") and any(name.startswith(own.split(".")[0] + ".") for own in OWN)


def is_index_folder(name: str) -> bool:
    return _INDEX.match(name) is not None


def _shown(path: Path) -> str:
    return str(path)  # as the user gave it (Config keeps FACTBOT_DATA_DIR unresolved)


def permission_error(path: Path, doing: str, error: OSError | None = None, where: Path | None = None) -> NoPermission:
    """A permission problem, said as one, with the path as the user gave it and a safe fix (path:
    the folder to fix; where: the file or folder refused, default the error's or path)."""
    where = where or (Path(error.filename) if error is not None and error.filename else path)
    return NoPermission(
        f"factbot may not {doing} {_shown(where)} (permission denied). Give your user access to it "
        f"(e.g. chmod -R u+rwX {_shown(path)}), run factbot as the user who owns it, or set "
        "FACTBOT_DATA_DIR to a folder of your own. Nothing was changed."
    )


def _need_access(data_dir: Path, path: Path, write: bool) -> None:
    try:
        is_dir = path.is_dir()
        exists = is_dir or path.exists()
    except PermissionError as e:
        raise permission_error(data_dir, "read", e, path) from e
    mode = os.R_OK | (os.X_OK if is_dir else 0) | (os.W_OK if write else 0)
    if exists and not os.access(path, mode):
        raise permission_error(data_dir, "write to" if write else "read", where=path)


def read_marker(data_dir: Path) -> dict | None:
    """The marker's contents (None: there is none); IndexCorrupt when it is not a factbot marker of
    a format this version reads."""
    marker = data_dir / MARKER
    try:
        meta = json.loads(marker.read_text())
    except FileNotFoundError:
        return None
    except PermissionError as e:
        raise permission_error(data_dir, "read", e) from e
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{_shown(marker)} is unreadable ({e}). {REBUILD_HINT}") from e
    ok = isinstance(meta, dict) and meta.get("format") in (1, FORMAT) and meta.get("embedder") == EMBEDDER_NAME
    if ok and meta["format"] == FORMAT:
        ok = isinstance(meta.get("index"), str) and bool(_INDEX.match(meta["index"]))
    if not ok:
        raise IndexCorrupt(f"{_shown(marker)} is from another factbot version or damaged. {REBUILD_HINT}")
    return meta


def check(data_dir: Path, write: bool = True) -> dict | None:
    """Before anything is opened or written: the folder is factbot's (its marker, or only names
    factbot writes), readable and, for a writer, writable. Deletes nothing; returns the marker."""
    try:
        exists = data_dir.is_dir()
    except PermissionError as e:
        raise permission_error(data_dir, "open", e) from e
    if not exists:
        parent = next((p for p in data_dir.absolute().parents if p.exists()), None)
        if write and parent is not None and not os.access(parent, os.W_OK | os.X_OK):
            raise permission_error(data_dir, "create")
        return None
    _need_access(data_dir, data_dir, write)
    meta = read_marker(data_dir)
    if meta is None:
        foreign = sorted(p.name for p in data_dir.iterdir() if not is_own(p.name))
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise IndexCorrupt(
                f"{_shown(data_dir)} is not a factbot index: it holds files factbot did not make ({shown}). It is not used "
                "and nothing in it is deleted: set FACTBOT_DATA_DIR to an empty or new folder, or move those files out."
            )
    folder = index_folder(data_dir, meta)
    for p in (folder, folder / CHROMA, folder / CHROMA / "chroma.sqlite3"):
        _need_access(data_dir, p, write)
    return meta


def index_folder(data_dir: Path, meta: dict | None) -> Path:
    """The folder holding the index in use (chroma/ and lexical/): data_dir itself for format 1."""
    if meta is not None and meta.get("format") == FORMAT:
        return data_dir / meta["index"]
    if meta is None and not (data_dir / CHROMA).exists():
        return data_dir / "index-1"  # a new index is made in format 2
    return data_dir


def claim(data_dir: Path) -> Path:
    """A writer opening the folder: writes the marker of a new index; returns the index folder."""
    meta = check(data_dir)
    folder = index_folder(data_dir, meta)
    if meta is None:
        _mkdir(data_dir)
        with lock(data_dir):
            if read_marker(data_dir) is None:
                index = folder.name if folder != data_dir else None
                _write_marker(data_dir, index)
    return folder


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except PermissionError as e:
        raise permission_error(path, "create", e) from e


def _write_marker(data_dir: Path, index: str | None) -> None:
    meta = {"format": FORMAT, "embedder": EMBEDDER_NAME, "index": index} if index else {"format": 1, "embedder": EMBEDDER_NAME}
    _atomic(data_dir / MARKER, json.dumps(meta))


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name.split('.')[0]}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except PermissionError as e:
        raise permission_error(path.parent, "write to", e) from e


def lock(data_dir: Path) -> FileLock:
    """The writers' lock: one change to the index at a time, whichever process makes it."""
    return FileLock(data_dir / LOCK, timeout=LOCK_WAIT_S)


@contextmanager
def locked(data_dir: Path) -> Iterator[None]:
    """Hold lock() for the block, with a message when another writer holds it too long. (A lock
    held by a process that died is free: the kernel drops it with the process.)"""
    held = lock(data_dir)
    try:
        held.acquire()
    except Timeout:
        raise IndexCorrupt(
            f"Another factbot process has been changing the index in {_shown(data_dir)} for {LOCK_WAIT_S:.0f} s. "
            "Wait for it to finish (factbot ingest shows its progress), then run this again."
        ) from None
    except PermissionError as e:
        raise permission_error(data_dir, "write to", e) from e
    try:
        yield
    finally:
        held.release()


# The change stamp ----------------------------------------------------------------------------
def read_stamp(data_dir: Path) -> str:
    try:
        return (data_dir / STAMP).read_text()
    except OSError:
        return ""


def bump_stamp(data_dir: Path) -> str:
    """After a change: a new stamp, so every other process reloads before its next question."""
    stamp = uuid.uuid4().hex
    _atomic(data_dir / STAMP, stamp)
    return stamp


# Integrity -----------------------------------------------------------------------------------
def check_segments(chroma_dir: Path, shown: Path) -> None:
    """Every vector segment of a collection that holds records has its HNSW files: a lost one is
    reported as a damaged index now, not as a Chroma error at question time."""
    db = chroma_dir / "chroma.sqlite3"
    if not db.exists():
        return
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT v.id FROM segments v JOIN segments m ON m.collection = v.collection AND m.scope = 'METADATA' "
                "WHERE v.scope = 'VECTOR' AND EXISTS (SELECT 1 FROM embeddings e WHERE e.segment_id = m.id)"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.Error as e:
        raise IndexCorrupt(f"The index in {_shown(shown)} cannot be read ({e}). {REBUILD_HINT}") from e
    for (segment,) in rows:
        missing = [f for f in HNSW_FILES if not (chroma_dir / segment / f).is_file()]
        if missing:
            raise IndexCorrupt(
                f"The index in {_shown(shown)} is damaged: vector segment {segment} lacks {', '.join(missing)}. {REBUILD_HINT}"
            )


# Rebuild -------------------------------------------------------------------------------------
def rebuild(data_dir: Path, build: Callable[[Path], object]) -> object:
    """Build a new index beside the one in use and swap it in. build(folder) fills the new index
    folder; only when it returns does the marker name it. A failure or a kill before that leaves
    the old index answering; its leftovers are removed by the next rebuild."""
    meta = check(data_dir)
    _mkdir(data_dir)
    with locked(data_dir):
        meta = read_marker(data_dir)
        old = index_folder(data_dir, meta) if meta is not None else None
        taken = [int(m.group(1)) for p in data_dir.iterdir() if (m := _INDEX.match(p.name))]
        for p in data_dir.iterdir():  # leftovers of an interrupted rebuild: factbot's own
            if _INDEX.match(p.name) and p != old:
                shutil.rmtree(p, ignore_errors=True)
        new = data_dir / f"index-{max(taken, default=0) + 1}"
        _mkdir(new)
        try:
            result = build(new)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        _write_marker(data_dir, new.name)  # the swap: one rename
        bump_stamp(data_dir)
        if old == data_dir:  # format 1: the index lay at the top
            for name in (CHROMA, LEXICAL):
                shutil.rmtree(data_dir / name, ignore_errors=True)
        elif old is not None and old.exists():
            shutil.rmtree(old, ignore_errors=True)
        return result


def is_permission(error: BaseException) -> bool:
    return isinstance(error, PermissionError) or getattr(error, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS)
