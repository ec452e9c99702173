"""Fit the verifier-based claim verdict (bot/claims/entailed_verdict.json) on the fit part of the
Climate-FEVER dev split: `python -m factbot.evals.fit_claim_verdict [--dev PATH]`.

Every fit claim goes through the real evidence finder over the suite's collection (as
`factbot eval --suite fever` builds it); each evidence sentence, read with the one before it, is
scored by the shipped verifier against the claim; a multinomial logistic regression over
entailed.FEATURES (balanced classes, C chosen by 5-fold cross-validation over claims) maps them to
SUPPORTED / REFUTED / NOT_ENOUGH_INFO. The conflict threshold: see conflict_threshold. The
report part is never read here."""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

import numpy as np

from factbot.claims import entailed as E
from factbot.evals import fever as FV

DEFAULT_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "dev" / "climate_fever_dev.jsonl"
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5
TARGET = {"SUPPORTS": 0, "REFUTES": 1, "NOT_ENOUGH_INFO": 2}


def collect(dev: Path, config, progress: bool = True) -> list[tuple[FV.FeverClaim, list[E.Scored], float]]:
    from tqdm import tqdm

    from factbot.verify.verifier import load_verifier

    claims = FV.load_fever(dev)
    bot, _, _ = FV.suite_bot(config, dev, claims, progress)
    verifier = load_verifier()
    out = []
    for c in tqdm(FV.select_part(claims, "fit"), desc="claims", unit="claim", disable=not progress):
        found = bot.finder.find(c.claim)
        rows = E.sentence_rows(found.evidence) if found.relevance >= config.min_relevance else []
        out.append((c, E.score(c.claim, rows, verifier), found.relevance))
    return out


def fit_linear(X: np.ndarray, y: np.ndarray, C: float) -> E.Linear:
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit((X - mean) / scale, y)
    return E.Linear(E.FEATURES, mean, scale, lr.coef_, lr.intercept_, tuple(str(x) for x in E.LABELS))


def balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean([np.mean(pred[y == k] == k) for k in np.unique(y)]))


def cross_validate(X: np.ndarray, y: np.ndarray, C: float) -> float:
    fold = np.random.default_rng(0).permutation(len(y)) % FOLDS
    pred = np.empty_like(y)
    for f in range(FOLDS):
        lin = fit_linear(X[fold != f], y[fold != f], C)
        pred[fold == f] = lin.proba(X[fold == f]).argmax(axis=1)
    return balanced_accuracy(y, pred)


def conflict_threshold(data, lin: E.Linear) -> tuple[float, float, float]:
    """The lowest t (from 0.5) for "one article entails it and another contradicts it, both at
    least t" with the best balanced accuracy over SUPPORTS, REFUTES and NOT_ENOUGH_INFO on the fit
    part, ties going to the better recall of DISPUTED claims. Returns (t, that accuracy, recall)."""
    gold = np.array([{**TARGET, "DISPUTED": 3}[c.label] for c, _, _ in data])
    base = np.array([lin.proba(E.features(s, r)).argmax() for _, s, r in data])
    main, best = gold < 3, (-1.0, -1.0, 1.01)
    for t in [*np.arange(0.5, 1.0, 0.05), 1.01]:
        pred = base.copy()
        for k, (_, scored, _) in enumerate(data):
            docs_e = {s.row.evidence.doc_id for s in scored if s.p.entailed >= t}
            docs_c = {s.row.evidence.doc_id for s in scored if s.p.contradicted >= t}
            if any(a != b for a in docs_e for b in docs_c):
                pred[k] = 3
        score = (balanced_accuracy(gold[main], pred[main]), float(np.mean(pred[~main] == 3)) if (~main).any() else 0.0)
        if score > best[:2]:
            best = (*score, round(float(t), 2))
    return best[2], round(best[0], 3), round(best[1], 3)


def main(argv: list[str] | None = None) -> None:
    from factbot.core.config import Config

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    ap.add_argument("--out", type=Path, default=E.MODEL_FILE)
    ap.add_argument("--cache", type=Path, help="keep the scored evidence here and reuse it (refits without the finder)")
    a = ap.parse_args(argv)
    if a.cache and a.cache.exists():
        data = pickle.loads(a.cache.read_bytes())
    else:
        data = collect(a.dev, Config.from_env())
        if a.cache:
            a.cache.write_bytes(pickle.dumps(data))
    main_rows = [(c, s, r) for c, s, r in data if c.label in TARGET]
    X = np.vstack([E.features(s, r) for _, s, r in main_rows])
    y = np.array([TARGET[c.label] for c, _, _ in main_rows])
    cv = {C: round(cross_validate(X, y, C), 3) for C in C_GRID}
    C = max(cv, key=cv.get)
    lin = fit_linear(X, y, C)
    threshold, bal3, disputed = conflict_threshold(data, lin)
    meta = {"fitted_on": "Climate-FEVER dev, fit part (fever.part_of)", "claims": len(main_rows),
            "disputed": len(data) - len(main_rows), "C": C, "cv_balanced_accuracy": cv,
            "balanced_accuracy_fit_in_sample": bal3, "disputed_conflicting_fit": disputed}  # fmt: skip
    fit = E.VerdictFit(lin, threshold, meta)
    a.out.write_text(json.dumps(fit.to_dict(), indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=2), "\nconflict threshold", threshold)


if __name__ == "__main__":
    main()
