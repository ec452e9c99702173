"""Is an answer backed by what it cites? The verifier reads each cited passage as the premise and
the answer statement (the question and the answer, as the verifier was trained) as the
hypothesis; the answer stands when some cited passage entails it above the threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from factbot.core.types import Citation, Evidence
from factbot.verify.statements import answer_statement


@dataclass(frozen=True)
class Backing:
    backed: bool
    entailed: float  # the best cited passage's P(entailed)
    contradicted: float  # ... and its P(contradicted)
    statement: str


def cited_passages(citations: Sequence[Citation], evidence: Sequence[Evidence]) -> list[str]:
    """The passage shown to the model around each quote (the quote alone when it lies outside them)."""
    out = []
    for c in citations:
        e = next((e for e in evidence if e.doc_id == c.doc_id and e.start <= c.start < e.end), None)
        text = e.text if e is not None and c.end <= e.end else c.quote
        if text not in out:
            out.append(text)
    return out


def answer_backing(question: str, answer: str, premises: Sequence[str], verifier, threshold: float) -> Backing:
    statement = answer_statement(question, answer)
    if not premises:
        return Backing(False, 0.0, 0.0, statement)
    probs = verifier.batch([(p, statement) for p in premises])
    best = max(probs, key=lambda p: p.entailed)
    return Backing(best.entailed >= threshold, best.entailed, best.contradicted, statement)


@dataclass(frozen=True)
class EntailingQuote:
    evidence: Evidence
    start: int  # document offsets of the quote: the passage's sentence that entails the statement most
    end: int
    backing: Backing


def entailing_quote(question: str, answer: str, evidence: Sequence[Evidence], verifier, threshold: float) -> EntailingQuote | None:
    """The passage (of those shown) whose text entails the answer statement most, when it does at
    threshold or above and entails more than it contradicts; its quote is its sentence that
    entails the statement most (the whole passage when it has one sentence). Else None."""
    if not evidence:
        return None
    statement = answer_statement(question, answer)
    probs = verifier.batch([(e.text, statement) for e in evidence])
    i = max(range(len(evidence)), key=lambda k: probs[k].entailed)
    best, e = probs[i], evidence[i]
    if best.entailed < threshold or best.contradicted >= best.entailed:
        return None
    spans = [s for s in e.sentences if e.start <= s[0] < s[1] <= e.end] or [(e.start, e.end)]
    if len(spans) > 1:
        scores = verifier.batch([(e.text[s - e.start : t - e.start], statement) for s, t in spans])
        spans = [spans[max(range(len(spans)), key=lambda k: scores[k].entailed)]]
    return EntailingQuote(e, spans[0][0], spans[0][1], Backing(True, best.entailed, best.contradicted, statement))
