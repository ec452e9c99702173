"""The learned verdict: two small logistic regressions read from verdict_model.json (fitted by
`python -m factbot.evals.fit_verdict` on the fit part of the Climate-FEVER dev split).

1. The pair model gives, for the claim and each sentence found, P(SUPPORTS), P(REFUTES) and
   P(NOT_ENOUGH_INFO) from features.PAIR_FEATURES (code signals, spaCy lemmas, entities, numbers
   and negation, MiniLM similarity) and, when the file says so, the MiniLM interaction features.
2. The claim model reads features.CLAIM_FEATURES (the best sentences' probabilities, similarity,
   relevance) and gives the verdict's probabilities over SUPPORTED, REFUTED, NOT_ENOUGH_INFO.

Pure numpy at run time: standardize, linear map, softmax."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factbot.claims import features as F
from factbot.core.types import Evidence, Label

MODEL_FILE = Path(__file__).resolve().parent / "verdict_model.json"
CLAIM_LABELS = (Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO)


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
class VerdictModel:
    pair: Linear
    claim: Linear
    embedding: bool  # the pair model also reads features.embedding_features
    meta: dict

    @classmethod
    def from_dict(cls, d: dict) -> "VerdictModel":
        pair, claim = Linear.from_dict(d["pair"]), Linear.from_dict(d["claim"])
        if tuple(pair.classes) != F.PAIR_CLASSES:
            raise ValueError(f"pair model classes {pair.classes} are not {F.PAIR_CLASSES}")
        if tuple(claim.classes) != tuple(str(lab) for lab in CLAIM_LABELS):
            raise ValueError(f"claim model classes {claim.classes} are not {[str(x) for x in CLAIM_LABELS]}")
        if claim.names != F.CLAIM_FEATURES or pair.names[: len(F.PAIR_FEATURES)] != F.PAIR_FEATURES:
            raise ValueError("the model file was fitted on other features: refit with python -m factbot.evals.fit_verdict")
        return cls(pair, claim, bool(d.get("embedding", False)), d.get("meta", {}))

    def to_dict(self) -> dict:
        return {"pair": self.pair.to_dict(), "claim": self.claim.to_dict(), "embedding": self.embedding, "meta": self.meta}


@functools.cache
def load_model(path: str | None = None) -> VerdictModel:
    """The shipped verdict_model.json (or another file written by fit_verdict), read once."""
    p = Path(path) if path else MODEL_FILE
    return VerdictModel.from_dict(json.loads(p.read_text(encoding="utf-8")))


# One claim against the sentences found ---------------------------------------------------------
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
class PairView:
    """A claim against its sentences: pair features (rows follow `order`, best first)."""

    order: np.ndarray  # indices into the sentence rows, most similar first
    X: np.ndarray  # pair features (+ embedding features) in that order
    sims: np.ndarray
    cover: np.ndarray  # lemma cover of the claim, per sentence
    neg_claim: float


def pair_view(claim: str, texts: Sequence[str], prevs: Sequence[str], u: np.ndarray, V: np.ndarray,
              embedding: bool, parsed: Sequence[F.Parsed] | None = None) -> PairView:  # fmt: skip
    """Features of the claim (vector u) against each sentence (vectors V). parsed: spaCy parses
    of [claim, *texts] when already made."""
    parsed = list(parsed) if parsed is not None else F.parse_all([claim, *texts])
    pc, ps = parsed[0], parsed[1:]
    sims = (V @ u) if len(texts) else np.zeros(0)
    order = np.argsort(-sims, kind="stable")
    rows = [F.pair_features(claim, texts[i], float(sims[i]), pc, ps[i], prevs[i]) for i in order]
    X = np.vstack(rows) if rows else np.zeros((0, len(F.PAIR_FEATURES)))
    if embedding and len(texts):
        X = np.hstack([X, F.embedding_features(u, V[order])])
    cover = X[:, F.PAIR_FEATURES.index("lemma_cover")] if len(texts) else np.zeros(0)
    return PairView(order, X, sims[order], cover, float(pc.n_neg > 0))


@dataclass(frozen=True)
class LearnedVerdict:
    label: Label
    probs: dict[Label, float]
    pair_probs: np.ndarray  # rows follow view.order
    view: PairView


def predict(model: VerdictModel, view: PairView, relevance: float) -> LearnedVerdict:
    """The verdict's probabilities from the claim's sentences (view) and the finder's relevance."""
    pair = model.pair.proba(view.X) if len(view.X) else np.zeros((0, 3))
    f = F.claim_features(pair, view.sims, view.cover, relevance, view.neg_claim)
    p = model.claim.proba(f)[0]
    label = CLAIM_LABELS[int(np.argmax(p))]
    return LearnedVerdict(label, {lab: float(x) for lab, x in zip(CLAIM_LABELS, p)}, pair, view)
