"""The library side of FactBot: syncing folders into the index, adding, removing, replacing and
restoring articles, naming them for `within`, and PDF page numbers on citations. A mixin, so
FactBot keeps the asking side in its own module."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
import logging
from contextlib import contextmanager, nullcontext
from pathlib import Path

from factbot.core.errors import BadInput
from factbot.core.types import Citation, IndexReport
from factbot.index import datadir
from factbot.index.build import build_index
from factbot.index.ingest import find_files
from factbot.index.library import resolve
from factbot.index.store import DocRecord
from factbot.pipeline.library import FileOutcome, Removal

log = logging.getLogger(__name__)
Within = Iterable[str] | None  # articles to search: doc ids, file names, paths or titles; None = all


class LibraryOps:
    """Needs, from FactBot: config, store, embedder, retriever, library, _lock, _synced, _auto_ingest."""

    def ingest(self, folder: str | Path | None = None, progress: bool = True) -> IndexReport:
        """Sync a folder into the index. Without a folder: the corpus folder and the uploads folder.
        Files removed from the library (remove()) are skipped until restored."""
        with self._writing():
            self.library.removed.prune_missing()
            excluded = self.library.removed.paths()
            if folder is not None:
                report = build_index(Path(folder), self.store, self.embedder, self.config, progress, excluded)
            else:
                report = self._sync_all(progress, excluded)
            self._synced = True
            return report

    def _sync_all(self, progress: bool, excluded: set[str]) -> IndexReport:
        """The corpus folder, then the uploads: a corpus of their own, so a missing or empty corpus
        folder is only a warning when there are uploads (an error when nothing is left to index)."""
        uploads = self.config.uploads_dir
        has_uploads = uploads.is_dir() and bool(find_files(uploads))
        try:
            report = build_index(self.config.corpus_dir, self.store, self.embedder, self.config, progress, excluded)
        except BadInput as e:
            if not has_uploads:
                raise
            log.warning("%s Answering from the uploaded articles.", e)
            report = IndexReport()
            report.skipped.append((self.config.corpus_dir, str(e)))
        if has_uploads:
            more = build_index(uploads, self.store, self.embedder, self.config, progress, excluded)
            for f in ("added", "updated", "unchanged", "removed", "skipped", "excluded"):
                getattr(report, f).extend(getattr(more, f))
            report.chunks_written += more.chunks_written
            report.chunk_count, report.seconds = more.chunk_count, report.seconds + more.seconds
        return report

    # The library ---------------------------------------------------------------------------------
    def articles(self) -> list[DocRecord]:
        """The articles in the index, by title."""
        self._follow()
        return sorted(self.store.documents().values(), key=lambda r: (r.title.casefold(), r.source))

    def removed(self) -> dict[str, dict]:
        """Files removed from the library that stay in their folder: path -> title, sha256, removed_at."""
        return self.library.removed.entries()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One change to the index at a time, across threads and processes (the data dir's writers'
        lock), made on the index as it is now (reopened if another process changed it). Afterwards,
        even after a failure, retrieval serves what the store holds, and the new stamp tells other
        processes to reload. A rebuild's pinned bot writes under the lock its rebuild holds."""
        local = not self._pinned and not self.config.chroma_host  # a Chroma server keeps no local index
        with self._lock, (datadir.locked(self.config.data_dir) if local else nullcontext()):
            self._follow()
            try:
                yield
            finally:
                try:
                    self.retriever.rebuild()
                finally:
                    if local:
                        self._stamp = datadir.bump_stamp(self.config.data_dir)

    def add_files(self, paths: Iterable[str | Path], replace: bool = False) -> list[FileOutcome]:
        """Add files to the library (copied into the data dir's uploads folder). Nothing is ever
        dropped silently: identical content is "unchanged"; a different file under a name already
        used is kept beside the earlier one as "name (2).ext", unless replace=True."""
        with self._writing():
            return self.library.add_files(paths, replace)

    def remove(self, *articles: str) -> list[Removal]:
        """Remove articles (each named by id, file name, path or title, and naming one article).
        An uploaded copy is deleted with it; a file of your own folder stays on disk and the sync
        skips it until restore()."""
        self._ensure_synced()
        with self._writing():
            return self.library.remove(articles)

    def replace(self, article: str, path: str | Path) -> tuple[FileOutcome, Removal | None]:
        """Put a file in place of an article: the new one is added first; the old one is removed
        only once the new one is in."""
        self._ensure_synced()
        with self._writing():
            return self.library.replace(article, path)

    def restore(self, *names: str) -> list[str]:
        """Index removed corpus files again (named by path, file name or title); returns their paths."""
        with self._writing():
            return self.library.restore(names)

    def resolve(self, within: Within) -> tuple[str, ...] | None:
        """The doc ids of the articles named (a name fitting several articles selects all); None for all."""
        if within is None:
            return None
        names = [within] if isinstance(within, str) else list(within)
        if not names:
            raise BadInput("within names no article. Name at least one (file name, title or id), or pass None for all.")
        return tuple(r.id for r in resolve(self.store.documents(), names, unique=False))

    def _ensure_synced(self) -> None:
        if not self._synced and self._auto_ingest:
            try:
                self.ingest(progress=False)
            except BadInput:  # no corpus: the library may still hold uploads
                pass

    def _paged(self, cits: tuple[Citation, ...]) -> tuple[Citation, ...]:
        """Citations with their article's byline (outlet, authors, date, URL) and, for PDFs, the
        page each quote starts on."""
        docs = {d: self.store.document(d) for d in {c.doc_id for c in cits}}
        paged = []
        for c in cits:
            doc = docs[c.doc_id]
            if doc is not None:
                c = dataclasses.replace(c, page=doc.page_at(c.start) if doc.pages else c.page, outlet=doc.outlet,
                                        authors=doc.authors, published=doc.published, url=doc.url)  # fmt: skip
            paged.append(c)
        return tuple(paged)
