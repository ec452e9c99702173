"""Speed and memory on the bundled corpus: ingest chunks/s, retrieval latency, answer latency
(time to first token and total), abstention latency, claim-check latency, peak memory.

    python -m factbot.evals.benchmark [--questions N] [--threads T]

Prints medians (and p95 where there are enough samples). Figures, not assertions: these machines
are noisy, so compare ratios between runs on the same machine."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from factbot.core.types import AbstainReason
from factbot.evals.metrics import percentile

ANSWERABLE = [
    "What did Kellogg clarify?",
    "How much territory did Russia gain per day on average in May 2025?",
    "Where did Witkoff meet Putin?",
    "What did John Healey say about the coalition's plans?",
    "What deadline did Trump announce in July 2025?",
    "Who mediated the direct talks between Russia and Ukraine?",
    "What did Karoline Leavitt say about peace?",
    "What did Peskov tell Russian state media?",
]
OFF_TOPIC = ["What is the capital of Australia?", "How do I bake sourdough bread?", "What is the GDP of Brazil?"]
CLAIMS = ["John Healey called the coalition's plans unclear.", "Peskov said the summit would happen right away."]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_verifier(threads: int | None) -> dict:
    """The verifier alone, on the bundled corpus's chunks (seconds, no model): --verifier-only."""
    from factbot.core.config import Config
    from factbot.pipeline.factbot import FactBot

    config = Config.from_env()
    if threads:
        config = config.with_(threads=threads)
    with tempfile.TemporaryDirectory() as tmp:
        bot = FactBot(config, data_dir=Path(tmp) / "index", auto_ingest=False)
        bot.ingest(progress=False)
        return {"threads": config.threads, **_verifier(bot)}


def run(questions: int, threads: int | None) -> dict:
    from factbot.core.config import Config
    from factbot.pipeline.factbot import FactBot

    config = Config.from_env()
    if threads:
        config = config.with_(threads=threads)
    out: dict = {"threads": config.threads}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        bot = FactBot(config, data_dir=Path(tmp) / "index", auto_ingest=False)
        out["embedder_load_s"] = time.perf_counter() - t0
        out |= _ingest(bot) | _retrieval(bot) | _verifier(bot) | _abstention(bot) | _answers(bot, questions)
    out["peak_rss_mb"] = _peak_rss_mb()  # this process: embedder, Chroma and the in-process model
    return out


def _ingest(bot) -> dict:
    report = bot.ingest(progress=False)
    return {
        "ingest_s": report.seconds,
        "ingest_chunks": report.chunks_written,
        "ingest_chunks_per_s": report.chunks_written / report.seconds,
        "reingest_unchanged_s": bot.ingest(progress=False).seconds,
    }


def _retrieval(bot) -> dict:
    bot.retriever.retrieve(ANSWERABLE[0], bot.embedder.embed_one(ANSWERABLE[0]))  # warm BM25 and Chroma
    retrieval, evidence = [], []
    for _ in range(5):
        for q in ANSWERABLE:
            t = time.perf_counter()
            bot.retriever.retrieve(q, bot.embedder.embed_one(q))
            retrieval.append(time.perf_counter() - t)
            t = time.perf_counter()
            bot.find_evidence(q)
            evidence.append(time.perf_counter() - t)
    return {
        "retrieval_ms_median": 1000 * statistics.median(retrieval),
        "retrieval_ms_p95": 1000 * percentile(retrieval, 95),
        "evidence_ms_median": 1000 * statistics.median(evidence),
    }


def _verifier(bot) -> dict:
    """The verifier on real sentence pairs of the bundled corpus: load time, then milliseconds per
    pair in batches of 64 (a claim's evidence sentences) and for a batch of 8 (a reply's sentences)."""
    from factbot.verify.verifier import load_verifier

    t = time.perf_counter()
    v = load_verifier()
    load_s = time.perf_counter() - t
    texts = [c.text for c in bot.store.all_chunks()]
    pairs = [(texts[i % len(texts)], CLAIMS[i % len(CLAIMS)]) for i in range(64)]
    v.batch(pairs[:8])  # warm
    per64, per8 = [], []
    for _ in range(3):
        t = time.perf_counter()
        v.batch(pairs)
        per64.append((time.perf_counter() - t) / len(pairs))
        t = time.perf_counter()
        v.batch(pairs[:8])
        per8.append(time.perf_counter() - t)
    return {"verifier_load_s": load_s, "verifier_ms_per_pair_batch64": 1000 * statistics.median(per64),
            "verifier_ms_batch8": 1000 * statistics.median(per8)}  # fmt: skip


def _abstention(bot) -> dict:
    abstain = []
    for q in OFF_TOPIC * 3:
        a = bot.answer(q)
        assert a.abstained and a.reason == AbstainReason.NO_RELEVANT_PASSAGES, (q, a.reason)
        abstain.append(a.timings.total_s)
    return {"abstain_s_median": statistics.median(abstain)}


def _answers(bot, questions: int) -> dict:
    t = time.perf_counter()
    cold = bot.answer(ANSWERABLE[0])  # starts the model, fills the prompt cache with the system prompt
    out = {"first_answer_s_including_model_start": time.perf_counter() - t, "cold_answer_abstained": cold.abstained}
    totals, firsts, answered = [], [], 0
    for q in (ANSWERABLE * 3)[:questions]:
        a = bot.answer(q)
        totals.append(a.timings.total_s)
        answered += not a.abstained
        if a.timings.first_token_s:
            firsts.append(a.timings.first_token_s)
    return out | {
        "answer_s_median": statistics.median(totals),
        "answer_s_p95": percentile(totals, 95),
        "first_token_s_median": statistics.median(firsts) if firsts else None,
        "answered": f"{answered}/{len(totals)}",
        "claim_s_median": statistics.median([bot.check(c).timings.total_s for c in CLAIMS * 2]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=8, help="answered questions to time (default 8)")
    parser.add_argument("--threads", type=int, help="model and torch threads (default: FACTBOT_THREADS or 2)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verifier-only", action="store_true", help="time the verifier alone (about 20 s; CI runs it)")
    args = parser.parse_args()
    figures = run_verifier(args.threads) if args.verifier_only else run(args.questions, args.threads)
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    for k, v in figures.items():
        print(f"{k:40s} {v:.3f}" if isinstance(v, float) else f"{k:40s} {v}")


if __name__ == "__main__":
    main()
