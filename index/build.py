"""build_index: sync a folder of articles into the store, incrementally and idempotently."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from tqdm import tqdm

from factbot.core.config import Config
from factbot.core.errors import BadInput
from factbot.core.types import IndexReport
from factbot.index.chunk import chunk_document
from factbot.index.embed import Embedder
from factbot.index.ingest import SUFFIXES, Unreadable, doc_id_for, find_files, load_document, read_source
from factbot.index.store import Store

log = logging.getLogger(__name__)


def build_index(
    folder: Path, store: Store, embedder: Embedder, config: Config, progress: bool = True
) -> IndexReport:
    """Add new files, replace changed ones, drop deleted ones; skip unchanged files by hash."""
    t0 = time.perf_counter()
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"Corpus folder {folder} does not exist. Pass a folder of .txt, .md or .html articles.")
    files = find_files(folder)
    if not files:
        raise BadInput(
            f"Corpus folder {folder} has no articles ({', '.join(sorted(SUFFIXES))}). Add some and run again."
        )

    report = IndexReport()
    known = store.documents()
    store.purge_orphans(set(known))
    root = str(folder.resolve())
    present = {doc_id_for(p) for p in files}
    for doc_id, rec in known.items():  # files deleted from this folder since the last run
        if rec.source.startswith(root + "/") and doc_id not in present:
            store.delete_document(doc_id)
            report.removed.append(rec.source)

    bar = tqdm(files, desc="Ingesting", unit="file", disable=not progress or len(files) < 2, leave=False)
    for path in bar:
        try:
            source = read_source(path, config.max_file_bytes)
            rec = known.get(doc_id_for(path))
            if rec and rec.sha256 == source.sha256:
                report.unchanged.append(str(path))
                continue
            doc = load_document(source)
        except Unreadable as e:
            log.warning("Skipped %s: %s", path, e)
            report.skipped.append((path, str(e)))
            continue
        chunks = chunk_document(doc, config.chunk_tokens, embedder.count_tokens)
        vectors = embedder.embed([c.text for c in chunks])
        store.put_document(doc, chunks, vectors)
        report.chunks_written += len(chunks)
        (report.updated if rec else report.added).append(str(path))
    report.chunk_count = store.count()
    report.seconds = time.perf_counter() - t0
    return report
