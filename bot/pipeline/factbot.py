"""FactBot conducts: ingest -> retrieve -> select evidence -> generate -> verify citations -> Answer.
Each stage lives in its room (factbot.index, factbot.answer, factbot.claims, factbot.model)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from factbot.answer.answerer import Clock, stream_answer
from factbot.answer.find import EvidenceFinder, Found
from factbot.answer.retrieve import HybridRetriever
from factbot.claims.checker import ClaimChecker, verdict_answer
from factbot.claims.verdict import as_claim
from factbot.core.config import Config
from factbot.core.errors import BadInput, IndexCorrupt, IndexMissing
from factbot.core.types import Answer, Done, Event, EvidenceReady, Verdict
from factbot.index import datadir
from factbot.index.embed import Embedder
from factbot.index.store import REBUILD_HINT, Store
from factbot.model.llm import ModelHandle, get_model
from factbot.pipeline.dated import dated_ids, with_dates
from factbot.pipeline.library import Library
from factbot.pipeline.manage import LibraryOps, Within

log = logging.getLogger(__name__)
T = TypeVar("T")


def validate_text(text: str, what: str, max_chars: int) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"The {what} is empty. Type a {what}, e.g. \"What did Kellogg clarify?\"")
    if len(text) > max_chars:
        raise BadInput(f"The {what} has {len(text):,} characters; the limit is {max_chars:,}. Shorten it.")
    try:  # a lone surrogate: what Python makes of bytes a terminal sent that are not UTF-8
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise BadInput(
            f"The {what} holds a character that is not text (position {e.start + 1}; often bytes that are not "
            f"UTF-8 from the terminal or a file). Retype the {what} or save its file as UTF-8."
        ) from None
    return " ".join(text.split())


class FactBot(LibraryOps):
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
        index_folder: Path | None = None,
    ):
        """index_folder: fill this index folder instead of the one in use (a rebuild's new index;
        the rebuild holds the writers' lock and swaps it in)."""
        config = config or Config.from_env()
        self.config = config.with_(
            corpus_dir=Path(corpus) if corpus else config.corpus_dir,
            data_dir=Path(data_dir) if data_dir else config.data_dir,
        )
        self.embedder = embedder or Embedder(threads=self.config.threads)
        self._pinned = index_folder is not None
        self._reload_lock = threading.Lock()
        self._open(index_folder)
        self._model = model
        self._auto_ingest = auto_ingest
        self._synced = False
        self._lock = threading.Lock()

    # Following the index ----------------------------------------------------------------------------
    def _open(self, folder: Path | None = None) -> None:
        """Open the index afresh (a new Chroma client sees every process's writes) with the parts
        that read it. Each is swapped in by one assignment: a question running keeps what it holds."""
        self._stamp = self._read_stamp()  # before opening: a change made meanwhile is seen next time
        store = Store(self.config, folder)
        retriever = HybridRetriever(store, self.config.top_k, store.lexical_path(self.config), self.embedder)
        if hasattr(self, "retriever"):  # a reload: the keyword side is brought to this store before use
            retriever.rebuild()
        finder = EvidenceFinder(retriever, self.embedder, self.config)
        self.store, self.retriever, self.finder = store, retriever, finder
        self.claims = ClaimChecker(finder, store, lambda: self.model, self.config)
        self.library = Library(store, self.embedder, self.config)

    def _read_stamp(self) -> str:
        return "" if self._pinned or self.config.chroma_host else datadir.read_stamp(self.config.data_dir)

    def _follow(self) -> None:
        """Before each question and change: when another process changed the index (its stamp
        differs), reopen both the vector and keyword sides together. Questions arriving meanwhile wait."""
        if self._pinned or self.config.chroma_host or self._read_stamp() == self._stamp:
            return
        with self._reload_lock:
            if self._read_stamp() != self._stamp:
                self._open()

    def _retrying(self, step: Callable[[], T]) -> T:
        """step(), once more on a freshly opened index when it failed because the index changed
        under it (another process wrote or swapped in a rebuild mid-question)."""
        stamp = self._stamp
        try:
            return step()
        except Exception as e:
            from_chroma = type(e).__module__.startswith("chromadb")  # not imported here: it is loaded with the store
            changed = self._read_stamp() != stamp or self._stamp != stamp
            if not (from_chroma or changed and isinstance(e, (OSError, TypeError, KeyError))):
                raise
            log.info("the index changed under a question (%s); asking again on it, opened afresh", e)
            with self._reload_lock:
                self._open(self.store.folder if self._pinned else None)
            try:
                return step()
            except Exception as again:
                if type(again).__module__.startswith("chromadb"):
                    raise IndexCorrupt(f"The index in {self.config.data_dir} cannot be read ({again}). {REBUILD_HINT}") from again
                raise

    def _ensure_index(self) -> None:
        if not self._synced and self._auto_ingest:
            self.ingest(progress=False)
        self._follow()
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
        ids = self.resolve(within)
        return self._retrying(lambda: self.finder.find(question, ids))

    def _scope(self, within: Within, since=None, until=None, as_of=None) -> tuple[str, ...] | None:
        """The doc ids to search: the articles named (None: all), then those the dates allow."""
        return dated_ids(self.store.known_documents(), self.resolve(within), since, until, as_of)

    def stream(
        self, question: str, within: Within = None, *, since: dt.date | None = None, until: dt.date | None = None,
        as_of: dt.date | None = None,
    ) -> Iterator[Event]:  # fmt: skip
        """Evidence first (before the model starts), then the reply's tokens, then the checked Answer.
        within: search only these articles (doc ids, file names, paths or titles); since, until:
        only articles published in that range; as_of: the date the question is read against (the
        model is told it; articles published after it are left out)."""
        t0 = time.perf_counter()
        question = validate_text(question, "question", self.config.max_question_chars)
        self._ensure_index()
        ids = self._scope(within, since, until, as_of)
        claim = as_claim(question)
        if claim:  # "Is it true that ...?" goes to the claim checker
            verdict = dataclasses.replace(self.check(claim, within=ids), since=since, until=until)
            yield EvidenceReady((), will_abstain=False)
            yield Done(dataclasses.replace(verdict_answer(question, verdict), within=ids or (), since=since,
                                           until=until, as_of=as_of))  # fmt: skip
            return
        found = self._retrying(lambda: self.finder.find(question, ids))
        clock = Clock(t0, time.perf_counter())
        for event in stream_answer(
            question, found, clock, lambda: self.model, self.finder.similarity, self.retriever.chunk_share, self.config,
            lambda text: self.finder.related(text, ids), as_of=as_of,
        ):
            if isinstance(event, Done):
                a = dataclasses.replace(event.answer, citations=self._paged(event.answer.citations), within=ids or ())
                event = Done(dataclasses.replace(with_dates(a, as_of), since=since, until=until))
            yield event

    def answer(
        self, question: str, within: Within = None, *, since: dt.date | None = None, until: dt.date | None = None,
        as_of: dt.date | None = None,
    ) -> Answer:  # fmt: skip
        for event in self.stream(question, within, since=since, until=until, as_of=as_of):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("stream() always ends with Done")

    def check(self, claim: str, within: Within = None, *, since: dt.date | None = None,
              until: dt.date | None = None) -> Verdict:  # fmt: skip
        """SUPPORTED / REFUTED / NOT_ENOUGH_INFO / CONFLICTING, with verbatim, verified quotes."""
        claim = validate_text(claim, "claim", self.config.max_question_chars)
        self._ensure_index()
        ids = self._scope(within, since, until)
        verdict = self._retrying(lambda: self._checker(ids).check(claim))
        return dataclasses.replace(self._finished(verdict, ids), since=since, until=until)

    def check_text(self, text: str, within: Within = None, *, since: dt.date | None = None,
                   until: dt.date | None = None) -> list[Verdict]:  # fmt: skip
        """Split a paragraph into check-worthy claims (statements with a name or a number) and check each."""
        text = validate_text(text, "text", self.config.max_question_chars)
        self._ensure_index()
        ids = self._scope(within, since, until)
        return [dataclasses.replace(self._finished(v, ids), since=since, until=until)
                for v in self._retrying(lambda: self._checker(ids).check_text(text))]  # fmt: skip

    def _checker(self, ids: tuple[str, ...] | None) -> ClaimChecker:
        if ids is None:
            return self.claims
        return ClaimChecker(self.finder.scoped(ids), self.store, lambda: self.model, self.config)

    def _finished(self, v: Verdict, ids: tuple[str, ...] | None) -> Verdict:
        return dataclasses.replace(v, evidence=self._paged(v.evidence), within=ids or ())
