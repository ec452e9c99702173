"""Question -> the numbered Evidence shown to the model, and how relevant the best of it is.

Retrieval gives chunks; evidence is chosen at sentence level, so the sentences of the shortlisted
chunks are embedded and scored against the question here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from factbot.answer.evidence import Sentence, question_words, score_sentences, select_evidence, split_passages
from factbot.answer.retrieve import HybridRetriever, shortlist
from factbot.core.config import Config
from factbot.core.types import Evidence, Passage
from factbot.index.embed import Embedder
from factbot.text.questions import question_parts
from factbot.text.sentences import sentence_spans


@dataclass(frozen=True)
class Found:
    evidence: list[Evidence]
    relevance: float  # the best sentence's score; under Config.min_relevance nothing is relevant
    candidates: tuple[Passage, ...] = ()  # every passage the retrievers returned, fused order
    shortlisted: tuple[Passage, ...] = ()  # those whose sentences were scored


class EvidenceFinder:
    def __init__(self, retriever: HybridRetriever, embedder: Embedder, config: Config):
        self.retriever = retriever
        self.embedder = embedder
        self.config = config

    def find(self, question: str, within: Collection[str] | None = None) -> Found:
        """within: doc ids to search (None: the whole library)."""
        q_vec = self.embedder.embed_one(question)
        return self.select(question, q_vec, self.retriever.retrieve(question, q_vec, within))

    def select(self, question: str, q_vec: np.ndarray, candidates: list[Passage]) -> Found:
        """The evidence among retrieved passages (fused order, best first): the top ones up to the
        sentence budget are split into sentences, scored against the question and the best chosen."""
        passages = shortlist(candidates, _within_budget(candidates, self.config.shortlist_sentences))
        sentences = split_passages(passages)
        if not sentences:
            return Found([], 0.0, tuple(candidates), tuple(passages))
        s_vecs = self.embedder.embed([s.text for s in sentences])
        scores = score_sentences(question, sentences, q_vec, s_vecs)
        evidence = select_evidence(
            passages, sentences, scores, s_vecs @ q_vec, self.config.evidence_k, self.config.evidence_words,
            first=self._best_for_parts(question, sentences, s_vecs), asked=question_words(question, sentences),
        )
        return Found(evidence, float(scores.max()), tuple(candidates), tuple(passages))

    def _best_for_parts(self, question: str, sentences: list[Sentence], s_vecs: np.ndarray) -> tuple[int, ...]:
        """For a question that asks two things, the best sentence for each part: the best for the
        whole question may answer only one. No floor: a part leans on the other ("and why was it
        reversed?") and scores low on its own, and every sentence here is from a passage retrieved
        for the whole question."""
        parts = question_parts(question)
        if len(parts) < 2:
            return ()
        vecs = self.embedder.embed(list(parts))
        return tuple(int(score_sentences(p, sentences, v, s_vecs).argmax()) for p, v in zip(parts, vecs))

    def related(self, text: str, within: Collection[str] | None = None) -> list[Passage]:
        """The passages retrieved for a text (a quote): where other articles say the same thing."""
        return self.retriever.retrieve(text, self.embedder.embed_one(text), within)

    def scoped(self, within: Collection[str] | None) -> EvidenceFinder:
        """This finder searching only the documents within (doc ids); itself when within is None."""
        return self if within is None else _ScopedFinder(self, within)

    def similarity(self, a: list[str], b: list[str]) -> np.ndarray:
        """Cosine similarity of every text in a with every text in b."""
        return self.embedder.embed(a) @ self.embedder.embed(b).T


class _ScopedFinder(EvidenceFinder):
    """An EvidenceFinder whose find() searches a fixed set of documents (the claim checker calls find(claim))."""

    def __init__(self, finder: EvidenceFinder, within: Collection[str]):
        super().__init__(finder.retriever, finder.embedder, finder.config)
        self.within = frozenset(within)

    def find(self, question: str, within: Collection[str] | None = None) -> Found:
        return super().find(question, self.within if within is None else self.within & set(within))

    def related(self, text: str, within: Collection[str] | None = None) -> list[Passage]:
        return super().related(text, self.within if within is None else self.within & set(within))


def _within_budget(passages: list[Passage], max_sentences: int) -> int:
    """How many of the top passages fit in max_sentences sentences (at least one)."""
    total = 0
    for n, p in enumerate(passages):
        total += len(sentence_spans(p.chunk.text))
        if total > max_sentences:
            return max(n, 1)
    return len(passages)
