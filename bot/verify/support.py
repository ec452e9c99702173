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
