"""The verifier beside the code checks and the local model as a judge, on the same report pairs:
`python -m factbot.evals.verifier_compare PAIRS_DIR [--per-source 60] [--model-pairs 60]`.

A sample of the report pairs, the same number from each source (seeded). Each judge gives a
label (entailed / contradicted / neutral) and a score for "entailed vs not":
- verifier: its argmax, P(entailed);
- code: the claim checker's comparison (text/signals.compare: another number, person, negation,
  opposite verb) says contradicted; else the citation check's support (answer/citations.support,
  MiniLM similarity included) at Config.min_support says entailed; else neutral;
- model: the claim prompt (prompts/check_*.md) with the premise as its one source; SUPPORTED,
  REFUTED, NOT_ENOUGH_INFO map to the three labels (run on the first --model-pairs of the sample:
  2-4 s a pair on 2 cores)."""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

from factbot.evals.verifier_eval import figures

LABEL_OF = {"SUPPORTED": 0, "REFUTED": 1, "NOT_ENOUGH_INFO": 2, "CONFLICTING": 1}


def sample(pairs: list[dict], per_source: int, seed: int = 5) -> list[dict]:
    by: dict[str, list[dict]] = defaultdict(list)
    for p in pairs:
        by[p["source"]].append(p)
    rng = random.Random(seed)
    out = []
    for src in sorted(by):
        out += rng.sample(by[src], min(per_source, len(by[src])))
    return out


def code_judge(pairs: list[dict], config) -> list[list[float]]:
    from factbot.answer.citations import support
    from factbot.index.embed import Embedder
    from factbot.text.signals import compare

    emb = Embedder(config.threads)
    out = []
    for p in pairs:
        sim = float((emb.embed([p["hypothesis"]]) @ emb.embed([p["premise"]]).T)[0, 0])
        if compare(p["hypothesis"], p["premise"], "").contradiction:
            out.append([0.0, 1.0, 0.0])
            continue
        s = support(p["hypothesis"], p["premise"], sim)  # entailed at min_support; the score stays monotone in s
        out.append([0.5 + s / 2, 0.0, 0.5 - s / 2] if s >= config.min_support else [s / 2, 0.0, 1 - s / 2])
    return out


def model_judge(pairs: list[dict], config) -> list[list[float]]:
    from factbot.claims.verdict import parse_label, verdict_prompt
    from factbot.core.types import Evidence
    from factbot.model.generate import complete
    from factbot.model.llm import get_model

    model = get_model(config)
    out = []
    for p in pairs:
        e = Evidence(n=1, doc_id="d", title="", source="d.txt", text=p["premise"], start=0, end=len(p["premise"]), relevance=1.0)
        label, _ = parse_label(complete(model, verdict_prompt(p["hypothesis"], [e])), {1})
        k = LABEL_OF.get(str(label), 2) if label else 2
        out.append([1.0 if i == k else 0.0 for i in range(3)])
    return out


def score(pairs: list[dict], probs: list[list[float]]) -> dict:
    rows = [(p["label"], pr) for p, pr in zip(pairs, probs)]
    groups: dict[str, list] = defaultdict(list)
    for p, r in zip(pairs, rows):
        groups[p["source"]].append(r)
    return {"all": figures(rows), **{k: figures(v) for k, v in sorted(groups.items())}}


def main(argv: list[str] | None = None) -> None:
    from factbot.core.config import Config
    from factbot.evals.train_verifier import read_pairs
    from factbot.verify.verifier import load_verifier

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pairs_dir", type=Path)
    ap.add_argument("--per-source", type=int, default=60)
    ap.add_argument("--model-pairs", type=int, default=60)
    a = ap.parse_args(argv)
    config = Config.from_env()
    pairs = sample(read_pairs(a.pairs_dir / "pairs_report.jsonl"), a.per_source)
    ver = [[e.entailed, e.contradicted, e.neutral] for e in load_verifier().batch([(p["premise"], p["hypothesis"]) for p in pairs])]
    out = {"pairs": len(pairs), "verifier": score(pairs, ver), "code": score(pairs, code_judge(pairs, config))}
    if a.model_pairs:
        few = sample(pairs, max(1, a.model_pairs // 4))
        idx = {id(p): i for i, p in enumerate(pairs)}
        out["model_pairs"] = len(few)
        out["model"] = score(few, model_judge(few, config))
        out["verifier_same_pairs"] = score(few, [ver[idx[id(p)]] for p in few])
        out["code_same_pairs"] = score(few, code_judge(few, config))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
