"""build_index: sync a folder of articles into the store, incrementally and idempotently."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Container
from pathlib import Path

from tqdm import tqdm

from factbot.core.config import Config
from factbot.core.errors import BadInput, NoPermission
from factbot.core.types import Document, IndexReport
from factbot.index.chunk import chunk_document
from factbot.index.embed import Embedder
from factbot.index.ingest import KINDS, SUFFIXES, Unreadable, doc_id_for, find_files, load_document, read_source
from factbot.index.store import Store

log = logging.getLogger(__name__)


def index_document(doc: Document, store: Store, embedder: Embedder, config: Config) -> int:
    """Chunk, embed and store one document (replacing its earlier version); returns its chunk count."""
    chunks = chunk_document(doc, config.chunk_tokens, embedder.count_tokens)
    vectors = embedder.embed([c.text for c in chunks])
    store.put_document(doc, chunks, vectors)
    return len(chunks)


def build_index(
    folder: Path, store: Store, embedder: Embedder, config: Config, progress: bool = True,
    excluded: Container[str] = (),
) -> IndexReport:  # fmt: skip
    """Add new files, replace changed ones, drop deleted ones; skip unchanged files by hash.
    excluded: resolved paths of files the user removed from the library; they are not indexed."""
    t0 = time.perf_counter()
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"Corpus folder {folder} does not exist. Pass a folder of {KINDS} articles.")
    report = IndexReport()
    unreadable: list[tuple[Path, str]] = []
    try:
        files = find_files(folder, unreadable)
    except PermissionError:
        raise NoPermission(
            f"factbot may not read the corpus folder {folder} (permission denied). Give your user read access "
            f"(e.g. chmod -R u+rX {folder}) or pass another folder. Nothing was changed."
        ) from None
    for sub, reason in unreadable:  # skipped; the articles indexed from it stay
        log.warning("Skipped folder %s: %s", sub, reason)
        report.skipped.append((sub, reason))
    if not files and not unreadable:
        raise BadInput(
            f"Corpus folder {folder} has no articles ({', '.join(sorted(SUFFIXES))}). Add some and run again."
        )

    paths = own_paths(files)
    report.excluded = [str(p) for p in files if paths[p] in excluded]
    files = [p for p in files if paths[p] not in excluded]
    known = store.documents()
    store.purge_orphans(set(known), sum(r.chunks for r in known.values()))
    root = str(folder.resolve())
    kept = tuple(str(sub.resolve()) + "/" for sub, _ in unreadable)
    present = {doc_id_for(p, paths[p]) for p in files}
    for doc_id, rec in known.items():  # files deleted from this folder (or removed from the library) since the last run
        if rec.source.startswith(root + "/") and doc_id not in present and not rec.source.startswith(kept):
            store.delete_document(doc_id)
            if rec.source not in excluded:
                report.removed.append(rec.source)
    _forget_link_targets(files, paths, known, store)

    batch = _Batch(store, embedder, config, report)
    bar = tqdm(files, desc="Ingesting", unit="file", disable=not progress or len(files) < 2, leave=False)
    for path in bar:
        try:
            source = read_source(path, config.max_file_bytes)
            doc_id = doc_id_for(path, paths[path])
            rec = known.get(doc_id)
            if rec and rec.sha256 == source.sha256:
                report.unchanged.append(str(path))
                continue
            doc = dataclasses.replace(load_document(source), id=doc_id, source=paths[path])
        except Unreadable as e:
            log.warning("Skipped %s: %s", path, e)
            report.skipped.append((path, str(e)))
            continue
        batch.add(path, rec, doc)
    batch.flush()
    report.chunk_count = store.count()
    report.seconds = time.perf_counter() - t0
    return report


class _Batch:
    """Documents chunked and waiting to be embedded and stored together: the embedder gets full
    batches, and the store one request for all their chunks (a request costs tens of ms). Each
    document's record is still written after its chunks, one document at a time."""

    CHUNKS, DOCS = 128, 32  # flush at this many chunks or documents

    def __init__(self, store: Store, embedder: Embedder, config: Config, report: IndexReport):
        self.store, self.embedder, self.config, self.report = store, embedder, config, report
        self.items: list[tuple[Path, object, Document, list]] = []  # (path, earlier record or None, doc, chunks)

    def add(self, path: Path, rec, doc: Document) -> None:
        self.items.append((path, rec, doc, chunk_document(doc, self.config.chunk_tokens, self.embedder.count_tokens)))
        if sum(len(i[3]) for i in self.items) >= self.CHUNKS or len(self.items) >= self.DOCS:
            self.flush()

    def flush(self) -> None:
        if not self.items:
            return
        vectors = self.embedder.embed([c.text for *_, chunks in self.items for c in chunks])
        puts, at = [], 0
        for _, _, doc, chunks in self.items:
            puts.append((doc, chunks, vectors[at : at + len(chunks)]))
            at += len(chunks)
        self.store.put_documents(puts, fresh={doc.id for _, rec, doc, _ in self.items if rec is None})
        for path, rec, _, chunks in self.items:
            self.report.chunks_written += len(chunks)
            (self.report.updated if rec else self.report.added).append(str(path))
        self.items = []


def own_paths(files: list[Path]) -> dict[Path, str]:
    """Each file's absolute path, resolving each folder once (Path.resolve() per file stats every
    folder on the way: a second per 10,000 files). A symlinked file keeps its own path, not its
    target's: the article is the link the user put there, and goes when the link goes."""
    folders: dict[Path, Path] = {}
    out = {}
    for p in files:
        if p.parent not in folders:
            folders[p.parent] = p.parent.resolve()
        out[p] = str(folders[p.parent] / p.name)
    return out


def _forget_link_targets(files: list[Path], paths: dict[Path, str], known: dict, store: Store) -> None:
    """Indexes made before links kept their own path stored a symlinked article under its
    target's: drop that record, the article comes back under the link's path."""
    for p in files:
        if p.is_symlink():
            old = doc_id_for(p, str(p.resolve()))
            if old in known and old != doc_id_for(p, paths[p]):
                store.delete_document(old)
