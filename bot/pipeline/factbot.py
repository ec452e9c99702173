"""FactBot conducts: ingest -> retrieve -> select evidence -> generate -> verify citations -> Answer.
Each stage lives in its room (factbot.index, factbot.answer, factbot.claims, factbot.model)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from factbot.answer.answerer import Clock, stream_answer
from factbot.answer.find import EvidenceFinder, Found
from factbot.answer.retrieve import HybridRetriever
from factbot.claims.checker import ClaimChecker, verdict_answer
from factbot.claims.verdict import as_claim
from factbot.core.config import Config
from factbot.core.errors import BadInput, IndexMissing
from factbot.core.types import Answer, Done, Event, EvidenceReady, Verdict
from factbot.index.embed import Embedder
from factbot.index.lexical import lexical_dir
from factbot.index.store import Store
from factbot.model.llm import ModelHandle, get_model
from factbot.pipeline.dated import dated_ids, with_dates
from factbot.pipeline.library import Library
from factbot.pipeline.manage import LibraryOps, Within


def validate_text(text: str, what: str, max_chars: int) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"The {what} is empty. Type a {what}, e.g. \"What did Kellogg clarify?\"")
    if len(text) > max_chars:
        raise BadInput(f"The {what} has {len(text):,} characters; the limit is {max_chars:,}. Shorten it.")
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
        found = self.finder.find(question, ids)
        clock = Clock(t0, time.perf_counter())
        for event in stream_answer(
            question, found, clock, lambda: self.model, self.finder.similarity, self.retriever.chunk_share, self.config,
            lambda text: self.finder.related(text, ids),
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

    def check(self, claim: str, within: Within = None, *, since: dt.date | None = None,
              until: dt.date | None = None) -> Verdict:  # fmt: skip
        """SUPPORTED / REFUTED / NOT_ENOUGH_INFO / CONFLICTING, with verbatim, verified quotes."""
        claim = validate_text(claim, "claim", self.config.max_question_chars)
        self._ensure_index()
        ids = self._scope(within, since, until)
        return dataclasses.replace(self._finished(self._checker(ids).check(claim), ids), since=since, until=until)

    def check_text(self, text: str, within: Within = None, *, since: dt.date | None = None,
                   until: dt.date | None = None) -> list[Verdict]:  # fmt: skip
        """Split a paragraph into check-worthy claims (statements with a name or a number) and check each."""
        text = validate_text(text, "text", self.config.max_question_chars)
        self._ensure_index()
        ids = self._scope(within, since, until)
        return [dataclasses.replace(self._finished(v, ids), since=since, until=until)
                for v in self._checker(ids).check_text(text)]  # fmt: skip

    def _checker(self, ids: tuple[str, ...] | None) -> ClaimChecker:
        if ids is None:
            return self.claims
        return ClaimChecker(self.finder.scoped(ids), self.store, lambda: self.model, self.config)

    def _finished(self, v: Verdict, ids: tuple[str, ...] | None) -> Verdict:
        return dataclasses.replace(v, evidence=self._paged(v.evidence), within=ids or ())
