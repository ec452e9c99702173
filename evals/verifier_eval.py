"""Intrinsic figures of the verifier on report pairs: `python -m factbot.evals.verifier_eval PAIRS_DIR`.

Per source and per kind of pair: 3-way accuracy, and ROC AUC of P(entailed) for "entailed vs
not". Pure given the verifier's probabilities; the model is loaded only by main()."""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from factbot.verify.verifier import LABELS


def roc_auc(scores: list[float], positive: list[bool]) -> float | None:
    """Probability that a random positive outscores a random negative (ties count half)."""
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    if not pos or not neg:
        return None
    ranked = sorted((s, i) for i, s in enumerate(pos + neg))
    ranks = [0.0] * len(ranked)
    k = 0
    while k < len(ranked):  # average ranks over ties
        j = k
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[k][0]:
            j += 1
        for m in range(k, j + 1):
            ranks[ranked[m][1]] = (k + j) / 2 + 1
        k = j + 1
    r_pos = sum(ranks[: len(pos)])
    return (r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def figures(rows: list[tuple[int, list[float]]]) -> dict:
    """rows: (gold label, [p_entailed, p_contradicted, p_neutral])."""
    n = len(rows)
    correct = sum(int(max(range(3), key=lambda k: p[k]) == g) for g, p in rows)
    auc = roc_auc([p[0] for _, p in rows], [g == 0 for g, _ in rows])
    return {"n": n, "accuracy": round(correct / n, 3) if n else None, "auc_entailed": None if auc is None else round(auc, 3),
            "by_label": {LABELS[k]: sum(1 for g, _ in rows if g == k) for k in range(3)}}  # fmt: skip


def evaluate(verifier, pairs: list[dict]) -> dict:
    t0 = time.perf_counter()
    probs = verifier.batch([(p["premise"], p["hypothesis"]) for p in pairs])
    seconds = time.perf_counter() - t0
    rows = [(p["label"], [e.entailed, e.contradicted, e.neutral]) for p, e in zip(pairs, probs)]
    groups: dict[str, list] = defaultdict(list)
    for p, r in zip(pairs, rows):
        groups[f"source:{p['source']}"].append(r)
        groups[f"kind:{p['kind']}"].append(r)
        if p["source"] in ("realtimeqa", "rgb"):
            groups["qa (realtimeqa + rgb)"].append(r)
    return {"all": figures(rows), **{k: figures(v) for k, v in sorted(groups.items())},
            "ms_per_pair": round(1000 * seconds / max(1, len(pairs)), 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    from factbot.evals.train_verifier import read_pairs
    from factbot.verify.verifier import load_verifier

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pairs_dir", type=Path)
    ap.add_argument("--part", default="report", choices=("fit", "report"))
    a = ap.parse_args(argv)
    print(json.dumps(evaluate(load_verifier(), read_pairs(a.pairs_dir / f"pairs_{a.part}.jsonl")), indent=2))


if __name__ == "__main__":
    main()
