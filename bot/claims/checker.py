"""A claim -> a Verdict: find evidence, compare each sentence with the claim in code, ask the model
for its label (per CheckMode), decide, and keep only quotes that are exact spans of the stored text."""

from __future__ import annotations

import time
from dataclasses import replace
from collections.abc import Callable

from factbot.answer import conflicts
from factbot.answer.find import EvidenceFinder
from factbot.claims.attribution import misattributed
from factbot.claims import verdict as claims
from factbot.core.config import CheckMode, Config
from factbot.core.errors import BadInput
from factbot.core.types import AbstainReason, Answer, Citation, Label, Side, Stance, Timings, Verdict
from factbot.index.store import Store
from factbot.model.generate import complete
from factbot.model.llm import ModelHandle
from factbot.text.sentences import is_heading, sentences_in

QUESTION_NOT_CLAIM = (
    "That is a question, not a claim. Ask it with answer() / factbot ask, "
    'or state the claim, e.g. "Healey called the plans unclear".'
)


MISATTRIBUTED = "Refuted: the articles quote these words, but not from whom the claim says; the quote shows who said them."


class ClaimChecker:
    def __init__(self, finder: EvidenceFinder, store: Store, model: Callable[[], ModelHandle], config: Config):
        self.finder = finder
        self.store = store
        self.model = model  # called only when the check mode asks the model
        self.config = config

    def check(self, claim: str) -> Verdict:
        """SUPPORTED / REFUTED / NOT_ENOUGH_INFO / CONFLICTING, with verbatim, verified quotes."""
        t0 = time.perf_counter()
        claim = claims.as_claim(claim) or claim
        if claims.is_question(claim):
            raise BadInput(QUESTION_NOT_CLAIM)
        found = self.finder.find(claim)
        t_retrieved = time.perf_counter()
        if found.relevance < self.config.min_relevance or not found.evidence:
            timings = Timings(retrieve_s=t_retrieved - t0, total_s=time.perf_counter() - t0)
            return Verdict(claim, Label.NOT_ENOUGH_INFO, "Nothing in the articles is about this.", (), 0.8, timings)
        wrong_speaker = None if self.config.ablated("attribution") else misattributed(claim, found.candidates)
        if wrong_speaker:  # the quoted words are in the articles, said by someone else
            timings = Timings(retrieve_s=t_retrieved - t0, total_s=time.perf_counter() - t0)
            return Verdict(claim, Label.REFUTED, MISATTRIBUTED, self._verified((wrong_speaker,)), 0.9, timings)
        if self.config.check_mode == CheckMode.VERIFIER:
            return self._check_verified(claim, found, t0, t_retrieved)
        decision, t_model = self._decide(claim, found.evidence)
        label, explanation = decision.label, decision.explanation
        quotes = self._verified(claims.to_citations(decision.picks))
        sides = conflicts.claim_sides(claim, found.candidates)
        if sides:  # some articles state it, others put another name, number or date in its place
            label, explanation, quotes = Label.CONFLICTING, _disagree(sides), self._verified(_side_quotes(sides))
        if not quotes and label != Label.NOT_ENOUGH_INFO:
            label, explanation = Label.NOT_ENOUGH_INFO, "No quote could be verified against the articles."
        timings = Timings(
            retrieve_s=t_retrieved - t0,
            generate_s=(t_model - t_retrieved) if t_model else 0.0,
            total_s=time.perf_counter() - t0,
        )
        return Verdict(claim, label, explanation, quotes, decision.confidence, timings)

    def _check_verified(self, claim: str, found, t0: float, t_retrieved: float) -> Verdict:
        """The verifier decides (bot/claims/entailed.py); the code checks that the ablation keeps
        may overrule it: a contradiction the code finds in a sentence about the claim (another
        number, person, negation, opposite verb), and articles that put another value in the
        claim's place (conflicts.claim_sides)."""
        from factbot.claims import entailed
        from factbot.verify.verifier import load_verifier

        rows = entailed.sentence_rows(found.evidence)
        v = entailed.decide(entailed.score(claim, rows, load_verifier()), found.relevance, entailed.load_fit())
        label, explanation, quotes, confidence = v.label, v.explanation, entailed.citations(v), v.confidence
        if not self.config.ablated("code") and label in (Label.SUPPORTED, Label.NOT_ENOUGH_INFO):
            sims = self.finder.similarity([claim], [r.text for r in rows])[0]
            code = claims.decide(claims.align(claim, found.evidence, sims), None, None, self.config.min_claim_topic)
            if code.label in (Label.REFUTED, Label.CONFLICTING):
                label, explanation, confidence = code.label, code.explanation, code.confidence
                quotes = claims.to_citations(code.picks)
        sides = None if self.config.ablated("sides") else conflicts.claim_sides(claim, found.candidates)
        if sides:
            label, explanation, quotes = Label.CONFLICTING, _disagree(sides), _side_quotes(sides)
        quotes = self._verified(quotes)
        if not quotes and label != Label.NOT_ENOUGH_INFO:
            label, explanation = Label.NOT_ENOUGH_INFO, "No quote could be verified against the articles."
        timings = Timings(retrieve_s=t_retrieved - t0, total_s=time.perf_counter() - t0)
        return Verdict(claim, label, explanation, quotes, confidence, timings)

    def _decide(self, claim: str, evidence) -> tuple[claims.Decision, float | None]:
        sims = self.finder.similarity([claim], claims.sentence_texts(evidence))[0]
        aligned = claims.align(claim, evidence, sims)
        mode = self.config.check_mode
        label = n = t_model = None
        if mode != CheckMode.CODE:
            raw = complete(self.model(), claims.verdict_prompt(claim, evidence))
            t_model = time.perf_counter()
            label, n = claims.parse_label(raw, {e.n for e in evidence})
        if mode == CheckMode.MODEL:
            return claims.model_decision(aligned, label, n), t_model
        return claims.decide(aligned, label, n, self.config.min_claim_topic), t_model

    def check_text(self, text: str) -> list[Verdict]:
        """Split a paragraph into check-worthy claims (statements with a name or a number) and check each."""
        sentences = [s for _, _, s in sentences_in(text)]
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


def _side_quotes(sides: tuple[Side, ...]) -> tuple[Citation, ...]:
    """One quote per article of each side: those stating the claim support it, the others refute it."""
    out = []
    for side in sides:
        stance = Stance.SUPPORTS if side.drafted else Stance.REFUTES
        out += [replace(c, n=len(out) + 1 + i, stance=stance) for i, c in enumerate(side.citations)]
    return tuple(out)


def _disagree(sides: tuple[Side, ...]) -> str:
    stated = next(s for s in sides if s.drafted)
    others = [s for s in sides if not s.drafted]
    gives = "; ".join(f"{s.sources} give{'s' if s.sources == 1 else ''} {s.value!r} instead" for s in others)
    return f"The articles disagree: {stated.sources} state{'s' if stated.sources == 1 else ''} it; {gives}."


def verdict_answer(question: str, v: Verdict) -> Answer:
    """A claim asked as a question ("Is it true that ...?") answered with its Verdict."""
    markers = "".join(f"[{c.n}]" for c in v.evidence)
    undecided = v.label == Label.NOT_ENOUGH_INFO
    return Answer(
        question=question,
        text=f"{v.label}: {v.explanation} {markers}".strip(),
        citations=v.evidence,
        abstained=undecided,
        timings=v.timings,
        reason=AbstainReason.CLAIM_NOT_ENOUGH_INFO if undecided else None,
        verdict=v,
    )
