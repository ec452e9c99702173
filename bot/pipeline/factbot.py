"""FactBot: ingest -> retrieve -> select evidence -> generate -> verify citations -> Answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from factbot.answer import citations
from factbot.claims import verdict as claims
from factbot.model import generate
from factbot.core.config import Config
from factbot.core.errors import BadInput, IndexMissing
from factbot.answer.evidence import score_sentences, select_evidence, split_passages
from factbot.model.llm import ModelHandle, get_model
from factbot.answer.retrieve import HybridRetriever, shortlist
from factbot.answer.scope import out_of_scope
from factbot.core.types import (
    Answer, Citation, Done, Event, Evidence, EvidenceReady, IndexReport, Label, Timings, Token, Verdict,
)  # fmt: skip
from factbot.text.sentences import is_heading, sentence_spans
from factbot.index.build import build_index
from factbot.index.embed import Embedder
from factbot.index.store import Store

ABSTAIN_DECLINED = "The articles do not say. The closest passages are listed for you to judge."
ABSTAIN_UNSUPPORTED = (
    "The articles do not clearly answer this: the draft answer was not backed by the passages. "
    "The closest passages are listed for you to judge."
)


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
        self.retriever = HybridRetriever(self.store, self.config.top_k)
        self._model = model
        self._auto_ingest = auto_ingest
        self._synced = False
        self._lock = threading.Lock()

    # Index ----------------------------------------------------------------------------------
    def ingest(self, folder: str | Path | None = None, progress: bool = True) -> IndexReport:
        with self._lock:
            try:
                report = build_index(
                    Path(folder or self.config.corpus_dir), self.store, self.embedder, self.config, progress
                )
            finally:  # even after a failed run, serve only what is committed in the store
                self.retriever.rebuild()
            self._synced = True
            return report

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

    # Evidence -------------------------------------------------------------------------------
    def find_evidence(self, question: str) -> tuple[list[Evidence], float]:
        """The numbered evidence for a question and its relevance (the best sentence's score)."""
        self._ensure_index()
        q_vec = self.embedder.embed_one(question)
        passages = shortlist(self.retriever.retrieve(question, q_vec), self.config.top_k // 2)
        sentences = split_passages(passages)
        if not sentences:
            return [], 0.0
        s_vecs = self.embedder.embed([s.text for s in sentences])
        scores = score_sentences(question, sentences, q_vec, s_vecs)
        evidence = select_evidence(passages, sentences, scores, s_vecs @ q_vec, self.config.evidence_k)
        return evidence, float(scores.max())

    def similarity(self, a: list[str], b: list[str]) -> np.ndarray:
        va, vb = self.embedder.embed(a), self.embedder.embed(b)
        return va @ vb.T

    # Answering ------------------------------------------------------------------------------
    def stream(self, question: str) -> Iterator[Event]:
        """Evidence first (before the model starts), then the reply's tokens, then the checked Answer."""
        t0 = time.perf_counter()
        question = validate_text(question, "question", self.config.max_question_chars)
        claim = claims.as_claim(question)
        if claim:  # "Is it true that ...?" goes to the claim checker
            verdict = self.check(claim)
            yield EvidenceReady((), will_abstain=False)
            yield Done(self._verdict_answer(question, verdict))
            return
        evidence, relevance = self.find_evidence(question)
        t_retrieved = time.perf_counter()
        scope = out_of_scope(question, evidence, relevance, self.config.min_relevance, self.retriever.chunk_share)
        if scope:
            yield EvidenceReady(tuple(evidence), will_abstain=True)
            timings = Timings(retrieve_s=t_retrieved - t0, total_s=time.perf_counter() - t0)
            yield Done(self._abstain(question, evidence, "", scope.message, scope.reason, timings))
            return
        yield EvidenceReady(tuple(evidence), will_abstain=False)

        prompt = generate.answer_prompt(question, evidence)
        raw, first = "", None
        for delta in generate.stream_reply(self.model, prompt):
            first = first or time.perf_counter()
            raw += delta
            yield Token(delta)
        t_generated = time.perf_counter()
        checked = citations.complete_quotations(
            citations.check_reply(raw, evidence, self.similarity, self.config.min_support, question), evidence
        )
        timings = Timings(
            retrieve_s=t_retrieved - t0,
            generate_s=t_generated - t_retrieved,
            first_token_s=(first - t0) if first else None,
            total_s=time.perf_counter() - t0,
        )
        if checked.declined or not checked.citations:
            message, reason = (
                (ABSTAIN_DECLINED, "model_declined") if checked.declined else (ABSTAIN_UNSUPPORTED, "unsupported")
            )
            yield Done(self._abstain(question, evidence, raw, message, reason, timings, checked.dropped))
            return
        yield Done(
            Answer(
                question=question,
                text=checked.text,
                citations=checked.citations,
                abstained=False,
                raw_text=raw,
                evidence=tuple(evidence),
                dropped=checked.dropped,
                timings=timings,
            )
        )

    def answer(self, question: str) -> Answer:
        for event in self.stream(question):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("stream() always ends with Done")

    # Claim checking --------------------------------------------------------------------------
    def check(self, claim: str) -> Verdict:
        """SUPPORTED / REFUTED / NOT_ENOUGH_INFO / CONFLICTING, with verbatim, verified quotes."""
        t0 = time.perf_counter()
        claim = validate_text(claim, "claim", self.config.max_question_chars)
        claim = claims.as_claim(claim) or claim
        if claims.is_question(claim):
            raise BadInput(
                "That is a question, not a claim. Ask it with answer() / factbot ask, "
                'or state the claim, e.g. "Healey called the plans unclear".'
            )
        evidence, relevance = self.find_evidence(claim)
        t_retrieved = time.perf_counter()
        if relevance < self.config.min_relevance or not evidence:
            timings = Timings(retrieve_s=t_retrieved - t0, total_s=time.perf_counter() - t0)
            return Verdict(claim, Label.NOT_ENOUGH_INFO, "Nothing in the articles is about this.", (), 0.8, timings)
        aligned = claims.align(claim, evidence, self.similarity([claim], claims.sentence_texts(evidence))[0])
        label = n = None
        first = None
        if self.config.check_mode != "code":
            raw = generate.complete(self.model, claims.verdict_prompt(claim, evidence))
            first = time.perf_counter()
            label, n = claims.parse_label(raw, {e.n for e in evidence})
        if self.config.check_mode == "model":
            picks = [a for a in aligned if a.evidence.n == n][:1] or aligned[:1]
            label = label or Label.NOT_ENOUGH_INFO
            stance = {Label.SUPPORTED: "supports", Label.REFUTED: "refutes"}.get(label, "related")
            decided = (label, f"The model's verdict: {label}.", [(a, stance) for a in picks], 0.5)
        else:
            decided = claims.decide(aligned, label, n, self.config.min_claim_topic)
        label, explanation, picks, confidence = decided
        evidence_cits = self._verified(claims.to_citations(picks))
        if not evidence_cits and label != Label.NOT_ENOUGH_INFO:
            label, explanation = Label.NOT_ENOUGH_INFO, "No quote could be verified against the articles."
        timings = Timings(
            retrieve_s=t_retrieved - t0,
            generate_s=(first - t_retrieved) if first else 0.0,
            total_s=time.perf_counter() - t0,
        )
        return Verdict(claim, label, explanation, evidence_cits, confidence, timings)

    def check_text(self, text: str) -> list[Verdict]:
        """Split a paragraph into check-worthy claims (statements with a name or a number) and check each."""
        text = validate_text(text, "text", self.config.max_question_chars)
        sentences = [text[a:b] for a, b in sentence_spans(text)]
        worthy = [
            s for s in sentences
            if len(s.split()) >= 5 and not is_heading(s) and not claims.is_question(s) and claims.is_checkworthy(s)
        ]  # fmt: skip
        if not worthy:
            raise BadInput("No check-worthy claim found: give statements that name someone or something, or a number.")
        return [self.check(s) for s in worthy]

    def _verified(self, cits: tuple[Citation, ...]) -> tuple[Citation, ...]:
        """Keep only quotes that are exactly the document's text at their span."""
        kept = []
        for c in cits:
            doc = self.store.document(c.doc_id)
            if doc is not None and doc.text[c.start : c.end] == c.quote:
                kept.append(c)
        return tuple(kept)

    @staticmethod
    def _verdict_answer(question: str, v: Verdict) -> Answer:
        markers = "".join(f"[{c.n}]" for c in v.evidence)
        return Answer(
            question=question,
            text=f"{v.label}: {v.explanation} {markers}".strip(),
            citations=v.evidence,
            abstained=v.label == Label.NOT_ENOUGH_INFO,
            timings=v.timings,
            reason="claim_not_enough_info" if v.label == Label.NOT_ENOUGH_INFO else "",
            verdict=v,
        )

    @staticmethod
    def _abstain(question, evidence, raw, message, reason, timings, dropped=()) -> Answer:
        return Answer(
            question=question,
            text=message,
            citations=(),
            abstained=True,
            raw_text=raw,
            evidence=tuple(evidence),
            dropped=tuple(dropped),
            timings=timings,
            reason=reason,
        )
