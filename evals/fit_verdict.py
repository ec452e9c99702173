"""Fit the learned claim verdict (bot/claims/verdict_model.json) on the fit part of the
Climate-FEVER dev split: `python -m factbot.evals.fit_verdict [--dev PATH] [--out PATH]`.

Only claims whose part_of(claim_id) is "fit" are read for fitting; the report part is never
seen here (measure it with `factbot eval --suite fever PATH --part report --sample 150`).

1. The collection of every evidence sentence is indexed as the suite does (evals/fever.py), and
   every fit claim goes through the real evidence finder: the sentences the checker would see,
   their MiniLM vectors and the finder's relevance, as at run time.
2. Pair model: a multinomial logistic regression over features.PAIR_FEATURES (+ the MiniLM
   interaction features when they help) fitted on labelled (claim, sentence) pairs: each
   claim's own evidence sentences with their evidence_label.
3. Claim model: a multinomial logistic regression over features.CLAIM_FEATURES computed from the
   pair model's out-of-fold probabilities on the sentences the finder returned, labels balanced.
Every constant (regularization, feature sets) is chosen by 5-fold cross-validation grouped by
claim, inside the fit part. The figures printed are cross-validated ones."""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factbot.claims import features as F
from factbot.claims import learned as L
from factbot.evals import fever as FV

DEFAULT_DEV = Path("../shared/dev/climate_fever_dev.jsonl")
FOLDS = 5
SEED = 0
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


@dataclass
class ClaimData:
    claim_id: str
    claim: str
    label: str  # SUPPORTS | REFUTES | NOT_ENOUGH_INFO | DISPUTED
    u: np.ndarray  # claim vector
    relevance: float
    texts: list[str]  # sentences the finder returned (sentence_rows order)
    prevs: list[str]
    V: np.ndarray  # their vectors
    gold_texts: list[str]  # the claim's own evidence sentences
    gold_labels: list[str]
    G: np.ndarray  # their vectors
    code_label: str  # the code-only decision (CheckMode.CODE) on the same evidence
    model_label: str | None = None  # the local model's label on the same evidence (--with-model)


def collect(dev: Path, config, claims: list[FV.FeverClaim], progress: bool = True) -> list[ClaimData]:
    """Run the evidence finder for every claim given (fit part only) over the suite collection."""
    from tqdm import tqdm

    from factbot.claims import verdict as V

    bot, _, _ = FV.suite_bot(config, dev, FV.load_fever(dev), progress)
    out = []
    for c in tqdm(claims, desc="collect", unit="claim", disable=not progress):
        found = bot.finder.find(c.claim)
        rows = L.sentence_rows(found.evidence)
        texts = [r.text for r in rows]
        gold_texts = [e.text for e in c.evidences]
        vecs = bot.embedder.embed([c.claim, *texts, *gold_texts])
        u, Vs, G = vecs[0], vecs[1 : 1 + len(texts)], vecs[1 + len(texts) :]
        code = "NOT_ENOUGH_INFO"
        if found.evidence and found.relevance >= config.min_relevance:
            aligned = V.align(c.claim, found.evidence, Vs @ u)
            code = str(V.decide(aligned, None, None, config.min_claim_topic).label)
        out.append(ClaimData(c.claim_id, c.claim, c.label, u, found.relevance, texts, [r.prev for r in rows], Vs,
                             gold_texts, [e.label for e in c.evidences], G, code))  # fmt: skip
    return out


def add_model_labels(data: list[ClaimData], dev: Path, config, progress: bool = True) -> None:
    """The local model's label (the code+model prompt, prompts/check_*.md) for every claim whose
    label is not known yet: one model call per claim, about 2-4 s each on 2 cores."""
    from tqdm import tqdm

    from factbot.claims import verdict as V
    from factbot.model.generate import complete

    todo = [d for d in data if d.model_label is None]
    if not todo:
        return
    bot, _, _ = FV.suite_bot(config, dev, FV.load_fever(dev), progress)
    for d in tqdm(todo, desc="model labels", unit="claim", disable=not progress):
        found = bot.finder.find(d.claim)
        label = None
        if found.evidence:
            label, _ = V.parse_label(complete(bot.model, V.verdict_prompt(d.claim, found.evidence)),
                                     {e.n for e in found.evidence})  # fmt: skip
        d.model_label = str(label or "NONE")


def parses(data: list[ClaimData]) -> dict[str, F.Parsed]:
    texts = sorted({t for d in data for t in [d.claim, *d.texts, *d.gold_texts]})
    return dict(zip(texts, F.parse_all(texts)))


# Pair model ----------------------------------------------------------------------------------
def gold_pair_matrix(data: list[ClaimData], P: dict[str, F.Parsed], embedding: bool):
    """X, y (PAIR_CLASSES index), groups (claim index) over every labelled (claim, sentence) pair."""
    X, y, g = [], [], []
    for k, d in enumerate(data):
        if not d.gold_texts:
            continue
        view = L.pair_view(d.claim, d.gold_texts, [""] * len(d.gold_texts), d.u, d.G, embedding,
                           [P[d.claim], *(P[t] for t in d.gold_texts)])  # fmt: skip
        X.append(view.X)
        y += [F.PAIR_CLASSES.index(d.gold_labels[i]) for i in view.order]
        g += [k] * len(view.order)
    return np.vstack(X), np.array(y), np.array(g)


def fit_linear(X: np.ndarray, y: np.ndarray, C: float, classes: tuple[str, ...], names: tuple[str, ...],
               balanced: bool = True) -> L.Linear:  # fmt: skip
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced" if balanced else None)
    lr.fit((X - mean) / scale, y)
    coef = np.zeros((len(classes), X.shape[1]))
    intercept = np.full(len(classes), -30.0)
    for row, cls in enumerate(lr.classes_):  # a class absent from a fold keeps probability ~0
        coef[cls], intercept[cls] = lr.coef_[row], lr.intercept_[row]
    return L.Linear(names, mean, scale, coef, intercept, classes)


def folds_of(groups: np.ndarray, n_groups: int, folds: int = FOLDS) -> np.ndarray:
    """Fold of each row, from a fixed permutation of the groups (claims)."""
    perm = np.random.default_rng(SEED).permutation(n_groups)
    fold_of_group = np.empty(n_groups, dtype=int)
    fold_of_group[perm] = np.arange(n_groups) % folds
    return fold_of_group[groups]


def balanced_acc(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)]))


def recalls(y: np.ndarray, pred: np.ndarray, classes) -> dict[str, float]:
    return {classes[c]: round(float(np.mean(pred[y == c] == c)), 3) for c in np.unique(y)}


# Claim model ---------------------------------------------------------------------------------
def claim_views(data: list[ClaimData], P: dict[str, F.Parsed], embedding: bool) -> list[L.PairView]:
    """Each claim against the sentences the finder returned, as learned.pair_view sees them at run time."""
    return [L.pair_view(d.claim, d.texts, d.prevs, d.u, d.V, embedding, [P[d.claim], *(P[t] for t in d.texts)])
            for d in data]  # fmt: skip


def claim_matrix(data: list[ClaimData], views: list[L.PairView], pair_for) -> np.ndarray:
    """CLAIM_FEATURES of each claim, the pair model for claim k given by pair_for(k)."""
    rows = []
    for k, (d, view) in enumerate(zip(data, views, strict=True)):
        probs = pair_for(k).proba(view.X) if len(view.X) else np.zeros((0, 3))
        rows.append(F.claim_features(probs, view.sims, view.cover, d.relevance, view.neg_claim))
    return np.vstack(rows)


CLAIM_Y = {"SUPPORTS": 0, "REFUTES": 1, "NOT_ENOUGH_INFO": 2}
CLAIM_CLASSES = tuple(str(lab) for lab in L.CLAIM_LABELS)


def pair_names(embedding: bool, X: np.ndarray) -> tuple[str, ...]:
    extra = X.shape[1] - len(F.PAIR_FEATURES)
    return F.PAIR_FEATURES + (tuple(f"emb{i}" for i in range(extra)) if embedding else ())


def cv_pair(Xp, yp, gp, n_claims, C, names):
    """Out-of-fold pair models (one per fold) and the pair-level balanced accuracy."""
    fold = folds_of(gp, n_claims)
    models, pred = {}, np.empty_like(yp)
    for f in range(FOLDS):
        m = fit_linear(Xp[fold != f], yp[fold != f], C, F.PAIR_CLASSES, names)
        models[f] = m
        pred[fold == f] = m.proba(Xp[fold == f]).argmax(axis=1)
    return models, balanced_acc(yp, pred), recalls(yp, pred, F.PAIR_CLASSES)


def cv_claim(Xc, yc, C):
    fold = folds_of(np.arange(len(yc)), len(yc))
    pred = np.empty_like(yc)
    for f in range(FOLDS):
        m = fit_linear(Xc[fold != f], yc[fold != f], C, CLAIM_CLASSES, F.CLAIM_FEATURES)
        pred[fold == f] = m.proba(Xc[fold == f]).argmax(axis=1)
    return pred


def load_data(dev: Path, cache: Path | None, config, with_model: int | None, progress: bool) -> list[ClaimData]:
    """The fit part's claims through the real finder (and the local model's labels for the first
    `with_model` of them, in file order, when asked), from the cache when it holds them."""
    data = pickle.loads(cache.read_bytes()) if cache is not None and cache.is_file() else None
    if data is None:
        data = collect(dev, config, [c for c in FV.load_fever(dev) if c.part == "fit"], progress)
    for d in data:  # caches written before model labels existed
        d.model_label = getattr(d, "model_label", None)
    if with_model:
        add_model_labels(data[:with_model], dev, config, progress)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(data))
    return data


# The local model's label as three one-hot features (--with-model: measured, not shipped)
MODEL_LABEL_FEATURES = ("model_SUPPORTED", "model_REFUTED", "model_NOT_ENOUGH_INFO")


def model_label_features(label: str | None) -> np.ndarray:
    return np.array([float(label == name.split("_", 1)[1]) for name in MODEL_LABEL_FEATURES])


def cv_predict(X: np.ndarray, y: np.ndarray, C: float, names) -> np.ndarray:
    """Out-of-fold class probabilities of a claim model (5 folds over claims)."""
    fold = folds_of(np.arange(len(y)), len(y))
    prob = np.zeros((len(y), len(CLAIM_CLASSES)))
    for f in range(FOLDS):
        m = fit_linear(X[fold != f], y[fold != f], C, CLAIM_CLASSES, names)
        prob[fold == f] = m.proba(X[fold == f])
    return prob


def figures(y: np.ndarray, pred: np.ndarray) -> dict:
    return {"acc": round(float(np.mean(pred == y)), 3), "bacc": round(balanced_acc(y, pred), 3),
            "recall": recalls(y, pred, CLAIM_CLASSES)}  # fmt: skip


def code_first(main: list[ClaimData], pred: np.ndarray) -> np.ndarray:
    """verdict.learned_decision's rule: a code decision other than NOT_ENOUGH_INFO stands
    (CONFLICTING counts as wrong here: these claims are not DISPUTED)."""
    code = {"SUPPORTED": 0, "REFUTED": 1, "CONFLICTING": -1}
    return np.array([code.get(d.code_label, p) for d, p in zip(main, pred, strict=True)])


def run(dev: Path, out: Path, cache: Path | None, config, embedding_choices=(False, True), with_model: int | None = None,
        progress=True) -> dict:  # fmt: skip
    t0 = time.perf_counter()
    data = load_data(dev, cache, config, with_model, progress)
    P = parses(data)
    n_claims = len(data)
    claim_fold = folds_of(np.arange(n_claims), n_claims)  # a claim's pairs are held out with it
    main_idx = [k for k, d in enumerate(data) if d.label != "DISPUTED"]
    main_data = [data[k] for k in main_idx]
    yc = np.array([CLAIM_Y[d.label] for d in main_data])

    # 1. pair model and claim model, every constant by CV on the fit part
    results = _search(data, P, main_data, main_idx, yc, claim_fold, n_claims, embedding_choices, progress)
    best = max(results, key=lambda r: (r["claim_bacc"], -r["C_pair"]))
    emb = best["embedding"]
    Xp, yp, gp = gold_pair_matrix(data, P, emb)
    names = pair_names(emb, Xp)
    models, _, _ = cv_pair(Xp, yp, gp, n_claims, best["C_pair"], names)
    Xc = claim_matrix(main_data, claim_views(main_data, P, emb), lambda j: models[claim_fold[main_idx[j]]])
    learned_pred = cv_predict(Xc, yc, best["C_claim"], F.CLAIM_FEATURES).argmax(axis=1)
    report = {
        "claims": {lab: int(np.sum(yc == k)) for lab, k in CLAIM_Y.items()},
        "pairs": {lab: int(np.sum(yp == k)) for k, lab in enumerate(F.PAIR_CLASSES)},
        "best": best,
        "cv": {"code only (CheckMode.CODE)": figures(yc, code_first(main_data, np.full(len(yc), 2))),
               "learned": figures(yc, learned_pred), "code first, then learned (CheckMode.LEARNED)":
               figures(yc, code_first(main_data, learned_pred))},  # fmt: skip
    }
    pair = fit_linear(Xp, yp, best["C_pair"], F.PAIR_CLASSES, names)
    claim = fit_linear(Xc, yc, best["C_claim"], CLAIM_CLASSES, F.CLAIM_FEATURES)

    # 2. measured only: would the local model's label help the claim model? (one-hot features)
    cv_model = _cv_model(main_data, Xc, yc, learned_pred)
    if cv_model is not None:
        report["cv_model"] = cv_model
    meta = {
        "fitted_on": f"{dev.name}, fit part (part_of(claim_id) == 'fit'): {len(main_data)} claims "
                     f"+ {n_claims - len(main_data)} DISPUTED (pairs only), {len(yp)} labelled pairs",
        "split": f"sha256({FV.SPLIT_SALT!r} + claim_id) odd -> report, even -> fit",
        "folds": FOLDS, "seconds": round(time.perf_counter() - t0, 1),
        **{k: v for k, v in report.items() if k != "best"}, "chosen": best,
    }  # fmt: skip
    model = L.VerdictModel(pair, claim, emb, meta)
    out.write_text(json.dumps(model.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")
    return {"report": report, "results": results}


def _search(data, P, main_data, main_idx, yc, claim_fold, n_claims, embedding_choices, progress) -> list[dict]:
    """Cross-validate every (embedding, C_pair, C_claim); one result dict each, in grid order."""
    results = []
    for emb in embedding_choices:
        Xp, yp, gp = gold_pair_matrix(data, P, emb)
        views = claim_views(main_data, P, emb)
        for Cp in C_GRID:
            models, pair_bacc, pair_rec = cv_pair(Xp, yp, gp, n_claims, Cp, pair_names(emb, Xp))
            Xc = claim_matrix(main_data, views, lambda j: models[claim_fold[main_idx[j]]])
            for Cc in C_GRID:
                pred = cv_predict(Xc, yc, Cc, F.CLAIM_FEATURES).argmax(axis=1)
                r = {"embedding": emb, "C_pair": Cp, "C_claim": Cc, "pair_bacc": round(pair_bacc, 3),
                     "pair_recall": pair_rec, **{f"claim_{k}": v for k, v in figures(yc, pred).items()}}  # fmt: skip
                results.append(r)
                if progress:
                    print(json.dumps(r), file=sys.stderr)
    return results


def _cv_model(main_data, Xc, yc, learned_pred) -> dict | None:
    """CV figures with the local model's label as extra features, on the claims that have one
    (None when none has)."""
    labelled = [j for j, d in enumerate(main_data) if d.model_label is not None]
    if not labelled:
        return None
    sel = np.array(labelled)
    M = np.vstack([model_label_features(main_data[j].model_label) for j in labelled])
    Xm, ym, sub = np.hstack([Xc[sel], M]), yc[sel], [main_data[j] for j in labelled]
    mnames = F.CLAIM_FEATURES + MODEL_LABEL_FEATURES
    scores = {C: balanced_acc(ym, cv_predict(Xm, ym, C, mnames).argmax(axis=1)) for C in C_GRID}
    Cm = max(scores, key=lambda C: (scores[C], -C))
    pred_m = cv_predict(Xm, ym, Cm, mnames).argmax(axis=1)
    model_only = np.array([CLAIM_Y.get({"SUPPORTED": "SUPPORTS", "REFUTED": "REFUTES"}.get(d.model_label, ""), 2)
                           for d in sub])  # fmt: skip
    return {
        "claims": len(labelled), "C_claim": Cm,
        "model label alone": figures(ym, model_only),
        "learned (same claims)": figures(ym, learned_pred[sel]),
        "learned + model label": figures(ym, pred_m),
        "code first, then learned + model label": figures(ym, code_first(sub, pred_m)),
    }

def main(argv: list[str] | None = None) -> int:
    from factbot.core.config import Config, library_env

    p = argparse.ArgumentParser(prog="python -m factbot.evals.fit_verdict", description=__doc__.split("\n\n")[0])
    p.add_argument("--dev", type=Path, default=DEFAULT_DEV, help=f"the Climate-FEVER dev file (default {DEFAULT_DEV})")
    p.add_argument("--out", type=Path, default=L.MODEL_FILE, help="where to write the model (default: the shipped file)")
    p.add_argument("--cache", type=Path, help="keep the collected evidence here and reuse it (pickle)")
    p.add_argument("--no-embedding", action="store_true", help="do not try the MiniLM interaction features")
    p.add_argument("--with-model", type=int, metavar="N",
                   help="also measure (5-fold CV) whether the local model's label helps the claim model, on the "
                   "first N fit claims (one model call each, 3-10 s on 2 cores; labels kept in --cache)")  # fmt: skip
    args = p.parse_args(argv)
    library_env()
    summary = run(args.dev, args.out, args.cache, Config.from_env(),
                  (False,) if args.no_embedding else (False, True), args.with_model)  # fmt: skip
    print(json.dumps(summary["report"], indent=1))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
