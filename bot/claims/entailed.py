"""Claim verdicts from the verifier (factbot.verify): every evidence sentence, read with the one
before it, is scored against the claim (entailed / contradicted / neutral); a small logistic
regression over the strongest scores (entailed_verdict.json, fitted by
`python -m factbot.evals.fit_claim_verdict` on the fit part of Climate-FEVER dev) gives calibrated
probabilities of SUPPORTED, REFUTED and NOT_ENOUGH_INFO. CONFLICTING: one article states the claim
and another contradicts it, both above the fitted conflict threshold."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factbot.core.types import Citation, Label, Stance
from factbot.verify.verifier import Entailment

MODEL_FILE = Path(__file__).resolve().parent / "entailed_verdict.json"
LABELS = (Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO)
FEATURES = ("e_max", "c_max", "e_top3", "c_top3", "margin", "relevance", "n_log")
QUOTE_WORDS = 30  # words of a quote repeated in the explanation


@dataclass(frozen=True)
class Linear:
    """A fitted multinomial logistic regression on standardized features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    classes: tuple[str, ...]

    @classmethod
    def from_dict(cls, d: dict) -> "Linear":
        coef = np.asarray(d["coef"], dtype=np.float64)
        out = cls(tuple(d["names"]), np.asarray(d["mean"], dtype=np.float64), np.asarray(d["scale"], dtype=np.float64),
                  coef, np.asarray(d["intercept"], dtype=np.float64), tuple(d["classes"]))  # fmt: skip
        n = len(out.mean)
        if out.scale.shape != (n,) or coef.shape != (len(out.classes), n) or out.intercept.shape != (len(out.classes),):
            raise ValueError(f"inconsistent linear model: {n} features, coef {coef.shape}, {len(out.classes)} classes")
        return out

    def to_dict(self) -> dict:
        r = lambda a: [float(f"{float(x):.6g}") for x in np.ravel(a)]  # noqa: E731  six significant digits
        return {"names": list(self.names), "classes": list(self.classes), "mean": r(self.mean), "scale": r(self.scale),
                "coef": [r(row) for row in self.coef], "intercept": r(self.intercept)}  # fmt: skip

    def proba(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        z = ((X - self.mean) / self.scale) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class SentenceRow:
    evidence: Evidence
    start: int
    end: int
    text: str
    prev: str  # the sentence before it in its passage ("" for the first)


def sentence_rows(evidence: Sequence[Evidence]) -> list[SentenceRow]:
    """Every sentence of the evidence, in the order of verdict.sentence_texts."""
    from factbot.answer.citations import evidence_sentences

    rows = []
    for e in evidence:
        prev = ""
        for s0, s1, text in evidence_sentences(e):
            rows.append(SentenceRow(e, s0, s1, text, prev))
            prev = text
    return rows


@dataclass(frozen=True)
class Scored:
    """One evidence sentence and what the verifier says it does to the claim."""

    row: SentenceRow
    p: Entailment


@dataclass(frozen=True)
class VerdictFit:
    linear: Linear
    conflict: float  # both sides of a disagreement reach this probability
    meta: dict

    @classmethod
    def from_dict(cls, d: dict) -> "VerdictFit":
        lin = Linear.from_dict(d["linear"])
        if lin.names != FEATURES or lin.classes != tuple(str(x) for x in LABELS):
            raise ValueError("entailed_verdict.json was fitted on other features: refit with python -m factbot.evals.fit_claim_verdict")
        return cls(lin, float(d["conflict"]), d.get("meta", {}))

    def to_dict(self) -> dict:
        return {"linear": self.linear.to_dict(), "conflict": self.conflict, "meta": self.meta}


@functools.cache
def load_fit(path: str | None = None) -> VerdictFit:
    return VerdictFit.from_dict(json.loads(Path(path or MODEL_FILE).read_text(encoding="utf-8")))


def premise(row: SentenceRow) -> str:
    """A sentence with the one before it: who "he" is, what "it" refers to."""
    return f"{row.prev} {row.text}".strip()


def score(claim: str, rows: Sequence[SentenceRow], verifier) -> list[Scored]:
    return [Scored(r, p) for r, p in zip(rows, verifier.batch([(premise(r), claim) for r in rows]))]


def features(scored: Sequence[Scored], relevance: float) -> np.ndarray:
    e = sorted((s.p.entailed for s in scored), reverse=True) or [0.0]
    c = sorted((s.p.contradicted for s in scored), reverse=True) or [0.0]
    return np.array([e[0], c[0], float(np.mean(e[:3])), float(np.mean(c[:3])), e[0] - c[0], relevance,
                     math.log1p(len(scored))])  # fmt: skip


@dataclass(frozen=True)
class EntailedVerdict:
    label: Label
    explanation: str
    quotes: tuple[tuple[SentenceRow, Stance, float], ...]  # the deciding sentences, with their probability
    confidence: float
    probs: dict[Label, float]


def decide(scored: Sequence[Scored], relevance: float, fit: VerdictFit) -> EntailedVerdict:
    if not scored:
        return EntailedVerdict(Label.NOT_ENOUGH_INFO, "Nothing in the articles is about this.", (), 0.8, {})
    p = fit.linear.proba(features(scored, relevance))[0]
    probs = {lab: float(x) for lab, x in zip(LABELS, p)}
    best_e = max(scored, key=lambda s: s.p.entailed)
    best_c = max(scored, key=lambda s: s.p.contradicted)
    rival = max((s for s in scored if s.row.evidence.doc_id != best_e.row.evidence.doc_id),
                key=lambda s: s.p.contradicted, default=None)  # fmt: skip
    if rival is not None and min(best_e.p.entailed, rival.p.contradicted) >= fit.conflict:
        conf = round(min(best_e.p.entailed, rival.p.contradicted), 2)
        text = (f"The articles disagree: {_q(best_e)} states it (verifier: entailed {best_e.p.entailed:.2f}); "
                f"{_q(rival)} contradicts it (contradicted {rival.p.contradicted:.2f}).")  # fmt: skip
        quotes = ((best_e.row, Stance.SUPPORTS, best_e.p.entailed), (rival.row, Stance.REFUTES, rival.p.contradicted))
        return EntailedVerdict(Label.CONFLICTING, text, quotes, conf, probs)
    label = LABELS[int(np.argmax(p))]
    conf = round(probs[label], 2)
    if label == Label.SUPPORTED:
        text = f"Supported: {_q(best_e)} states it (verifier: entailed {best_e.p.entailed:.2f})."
        return EntailedVerdict(label, text, ((best_e.row, Stance.SUPPORTS, best_e.p.entailed),), conf, probs)
    if label == Label.REFUTED:
        text = f"Refuted: {_q(best_c)} contradicts it (verifier: contradicted {best_c.p.contradicted:.2f})."
        return EntailedVerdict(label, text, ((best_c.row, Stance.REFUTES, best_c.p.contradicted),), conf, probs)
    text = (f"Not enough information: no passage states this or its opposite; the closest, {_q(best_e)}, "
            f"neither (verifier: entailed {best_e.p.entailed:.2f}, contradicted {best_e.p.contradicted:.2f}).")  # fmt: skip
    return EntailedVerdict(label, text, ((best_e.row, Stance.RELATED, best_e.p.entailed),), conf, probs)


def _q(s: Scored) -> str:
    words = s.row.text.split()
    short = " ".join(words[:QUOTE_WORDS]) + (" ..." if len(words) > QUOTE_WORDS else "")
    return f"“{short}”"


def citations(v: EntailedVerdict) -> tuple[Citation, ...]:
    return tuple(
        Citation(i, r.evidence.doc_id, r.evidence.title, r.evidence.source, r.text, r.start, r.end, round(p, 3), stance)
        for i, (r, stance, p) in enumerate(v.quotes, start=1)
    )
