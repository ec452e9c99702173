"""FactBot conducts: ingest -> retrieve -> select evidence -> generate -> verify citations -> Answer.
Each stage lives in its room (factbot.index, factbot.answer, factbot.claims, factbot.model)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from factbot.answer.answerer import Clock, stream_answer
from factbot.answer.find import EvidenceFinder, Found
from factbot.answer.retrieve import HybridRetriever
from factbot.claims.checker import ClaimChecker, verdict_answer
from factbot.claims.verdict import as_claim
from factbot.core.config import Config
from factbot.core.errors import BadInput, IndexMissing
from factbot.core.types import Answer, Citation, Done, Event, EvidenceReady, IndexReport, Verdict
from factbot.index.build import build_index
from factbot.index.embed import Embedder
from factbot.index.ingest import find_files
from factbot.index.lexical import lexical_dir
from factbot.index.library import resolve
from factbot.index.store import DocRecord, Store
from factbot.model.llm import ModelHandle, get_model
from factbot.pipeline.library import FileOutcome, Library, Removal

Within = Iterable[str] | None  # articles to search: doc ids, file names, paths or titles; None = all


def validate_text(text: str, what: str, max_chars: int) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"The {what} is empty. Type a {what}, e.g. \"What did Kellogg clarify?\"")
    if len(text) > max_chars:
        raise BadInput(f"The {what} has {len(text):,} characters; the limit is {max_chars:,}. Shorten it.")
    return " ".join(text.split())


class FactBot:
    """One corpus, one index, one model configuration. Safe to share between threads."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        corpus: str | Path | None = None,
        data_dir: str | Path | None = None,
        model: ModelHandle | None = None,
        embedder: Embedder | None = None,
        auto_ingest: bool = True,
    ):
        config = config or Config.from_env()
        self.config = config.with_(
            corpus_dir=Path(corpus) if corpus else config.corpus_dir,
            data_dir=Path(data_dir) if data_dir else config.data_dir,
        )
        self.store = Store(self.config)
        self.embedder = embedder or Embedder(threads=self.config.threads)
        self.retriever = HybridRetriever(self.store, self.config.top_k, lexical_dir(self.config))
        self.finder = EvidenceFinder(self.retriever, self.embedder, self.config)
        self.claims = ClaimChecker(self.finder, self.store, lambda: self.model, self.config)
        self.library = Library(self.store, self.embedder, self.config)
        self._model = model
        self._auto_ingest = auto_ingest
        self._synced = False
        self._lock = threading.Lock()

    def ingest(self, folder: str | Path | None = None, progress: bool = True) -> IndexReport:
        """Sync a folder into the index. Without a folder: the corpus folder and the uploads folder.
        Files removed from the library (remove()) are skipped until restored."""
        with self._lock:
            try:
                self.library.removed.prune_missing()
                excluded = self.library.removed.paths()
                if folder is not None:
                    report = build_index(Path(folder), self.store, self.embedder, self.config, progress, excluded)
                else:
                    report = self._sync_all(progress, excluded)
            finally:  # even after a failed run, serve only what is committed in the store
                self.retriever.rebuild()
            self._synced = True
            return report

    def _sync_all(self, progress: bool, excluded: set[str]) -> IndexReport:
        """The corpus folder, then the uploads (also when the corpus folder is missing or empty)."""
        problem = None
        try:
            report = build_index(self.config.corpus_dir, self.store, self.embedder, self.config, progress, excluded)
        except BadInput as e:
            problem, report = e, IndexReport()
        uploads = self.config.uploads_dir
        if uploads.is_dir() and find_files(uploads):
            more = build_index(uploads, self.store, self.embedder, self.config, progress, excluded)
            for f in ("added", "updated", "unchanged", "removed", "skipped", "excluded"):
                getattr(report, f).extend(getattr(more, f))
            report.chunks_written += more.chunks_written
            report.chunk_count, report.seconds = more.chunk_count, report.seconds + more.seconds
        if problem is not None:
            raise problem
        return report

    # The library ---------------------------------------------------------------------------------
    def articles(self) -> list[DocRecord]:
        """The articles in the index, by title."""
        return sorted(self.store.documents().values(), key=lambda r: (r.title.casefold(), r.source))

    def removed(self) -> dict[str, dict]:
        """Files removed from the library that stay in their folder: path -> title, sha256, removed_at."""
        return self.library.removed.entries()

    def add_files(self, paths: Iterable[str | Path], replace: bool = False) -> list[FileOutcome]:
        """Add files to the library (copied into the data dir's uploads folder). Nothing is ever
        dropped silently: identical content is "unchanged"; a different file under a name already
        used is kept beside the earlier one as "name (2).ext", unless replace=True."""
        with self._lock:
            try:
                return self.library.add_files(paths, replace)
            finally:
                self.retriever.rebuild()

    def remove(self, *articles: str) -> list[Removal]:
        """Remove articles (each named by id, file name, path or title, and naming one article).
        An uploaded copy is deleted with it; a file of your own folder stays on disk and the sync
        skips it until restore()."""
        self._ensure_synced()
        with self._lock:
            try:
                return self.library.remove(articles)
            finally:
                self.retriever.rebuild()

    def replace(self, article: str, path: str | Path) -> tuple[FileOutcome, Removal | None]:
        """Put a file in place of an article: the new one is added first; the old one is removed
        only once the new one is in."""
        self._ensure_synced()
        with self._lock:
            try:
                return self.library.replace(article, path)
            finally:
                self.retriever.rebuild()

    def restore(self, *names: str) -> list[str]:
        """Index removed corpus files again (named by path, file name or title); returns their paths."""
        with self._lock:
            try:
                return self.library.restore(names)
            finally:
                self.retriever.rebuild()

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

    def _ensure_index(self) -> None:
        if not self._synced and self._auto_ingest:
            self.ingest(progress=False)
        if self.store.count() == 0:
            raise IndexMissing(f"The index in {self.store.location} is empty. Run: factbot ingest corpus/")

    @property
    def model(self) -> ModelHandle:
        if self._model is None:
            self._model = get_model(self.config)
        return self._model

    def find_evidence(self, question: str, within: Within = None) -> Found:
        """The numbered evidence for a question and its relevance (the best sentence's score)."""
        self._ensure_index()
        return self.finder.find(question, self.resolve(within))

    def stream(self, question: str, within: Within = None) -> Iterator[Event]:
        """Evidence first (before the model starts), then the reply's tokens, then the checked Answer.
        within: search only these articles (doc ids, file names, paths or titles)."""
        t0 = time.perf_counter()
        question = validate_text(question, "question", self.config.max_question_chars)
        self._ensure_index()
        ids = self.resolve(within)
        claim = as_claim(question)
        if claim:  # "Is it true that ...?" goes to the claim checker
            verdict = self.check(claim, within=ids)
            yield EvidenceReady((), will_abstain=False)
            yield Done(dataclasses.replace(verdict_answer(question, verdict), within=ids or ()))
            return
        found = self.finder.find(question, ids)
        clock = Clock(t0, time.perf_counter())
        for event in stream_answer(
            question, found, clock, lambda: self.model, self.finder.similarity, self.retriever.chunk_share, self.config
        ):
            if isinstance(event, Done):
                a = event.answer
                event = Done(dataclasses.replace(a, citations=self._paged(a.citations), within=ids or ()))
            yield event

    def answer(self, question: str, within: Within = None) -> Answer:
        for event in self.stream(question, within):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("stream() always ends with Done")

    def check(self, claim: str, within: Within = None) -> Verdict:
        """SUPPORTED / REFUTED / NOT_ENOUGH_INFO / CONFLICTING, with verbatim, verified quotes."""
        claim = validate_text(claim, "claim", self.config.max_question_chars)
        self._ensure_index()
        ids = self.resolve(within)
        return self._finished(self._checker(ids).check(claim), ids)

    def check_text(self, text: str, within: Within = None) -> list[Verdict]:
        """Split a paragraph into check-worthy claims (statements with a name or a number) and check each."""
        text = validate_text(text, "text", self.config.max_question_chars)
        self._ensure_index()
        ids = self.resolve(within)
        return [self._finished(v, ids) for v in self._checker(ids).check_text(text)]

    def _checker(self, ids: tuple[str, ...] | None) -> ClaimChecker:
        if ids is None:
            return self.claims
        return ClaimChecker(self.finder.scoped(ids), self.store, lambda: self.model, self.config)

    def _finished(self, v: Verdict, ids: tuple[str, ...] | None) -> Verdict:
        return dataclasses.replace(v, evidence=self._paged(v.evidence), within=ids or ())

    def _paged(self, cits: tuple[Citation, ...]) -> tuple[Citation, ...]:
        """Citations of PDFs with the page each quote starts on."""
        docs = {d: self.store.document(d) for d in {c.doc_id for c in cits}}
        paged = []
        for c in cits:
            doc = docs[c.doc_id]
            paged.append(dataclasses.replace(c, page=doc.page_at(c.start)) if doc is not None and doc.pages else c)
        return tuple(paged)
