"""Five questions at once through gradio_client, as five browser tabs would ask them.

    python tests/load_ui.py                  # starts the app in-process (real model, fresh temp index)
    python tests/load_ui.py --url http://127.0.0.1:7860/   # against a running `factbot serve`

Prints, per question: when its evidence showed, its first words, its total time, and whether the
answer is to its own question with sources from its own article; then the wall time. Exits 1 if
any answer was lost or crossed with another's."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_harness import answered_question, card_sources, last_html, make_config, running_app  # noqa: E402

QUESTIONS = {  # question -> the article that answers it (evals/cases.jsonl q02, q22, q34, q42, q53)
    "How long was Steve Witkoff's meeting with Putin in St. Petersburg?": "004_71cfdc51eac5ef26.txt",
    "Which nuclear power plant did Witkoff and Karoline Leavitt say the talks had touched on?": "003_8114263770172673.txt",
    "How many working groups has Moscow proposed, and on which issues?": "002_a866e3e8c53c6af1.txt",
    "What deadline did Trump announce in July 2025 for Russia to engage in peace talks?": "001_93b11b6d99d7b0f3.txt",
    "How quickly has Trump claimed he could resolve the Ukraine war?": "000_ea43c841d0afd95c.txt",
}  # fmt: skip


def ask(client, question: str, start: threading.Barrier) -> dict:
    start.wait()
    t0 = time.perf_counter()
    seen = {"evidence": None, "first_words": None}
    job = client.submit(question, [], api_name="/ask")
    for history, _, _ in job:  # every streamed update, as it arrives
        body = last_html(history) if history else ""
        if seen["evidence"] is None and "fb-card" in body:
            seen["evidence"] = time.perf_counter() - t0
        if seen["first_words"] is None and 'class="fb-text"' in body:
            seen["first_words"] = time.perf_counter() - t0
    body = last_html(job.result()[0])
    return {"question": question, "body": body, "total": time.perf_counter() - t0, **seen}


def check(r: dict) -> tuple[bool, bool, str]:
    own = answered_question(r["body"]) == question_key(r["question"])
    kind = "answered" if "fb-answered" in r["body"] else "abstained" if "fb-abstained" in r["body"] else "error"
    return own, QUESTIONS[r["question"]] in card_sources(r["body"]), kind


def question_key(q: str) -> str:
    return " ".join(q.split())


def run(url: str) -> int:
    from gradio_client import Client

    client = Client(url, verbose=False)
    start = threading.Barrier(len(QUESTIONS))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        results = list(pool.map(lambda q: ask(client, q, start), QUESTIONS))
    wall = time.perf_counter() - t0

    fmt = lambda s: f"{s:6.1f}" if s is not None else "     -"  # noqa: E731
    print(f"{'evidence':>8} {'words':>6} {'total':>6}  {'result':9} own-q own-src  question")
    failures = 0
    for r in results:
        own, src, kind = check(r)
        failures += not own or kind == "error"
        print(f"{fmt(r['evidence'])}   {fmt(r['first_words'])} {fmt(r['total'])}  {kind:9} {'yes' if own else 'NO':5} "
              f"{'yes' if src else 'no':7}  {r['question']}")  # fmt: skip
    matched = sum(check(r)[0] for r in results)
    print(f"wall {wall:.1f} s for {len(results)} concurrent questions; {matched}/{len(results)} answers to their own "
          f"question, {sum(check(r)[1] for r in results)}/{len(results)} with a card from their own article")
    return 1 if failures else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="a running factbot UI (default: start one in-process on a free port)")
    p.add_argument("--data-dir", type=Path, help="index folder for the in-process app (default: a fresh temp dir)")
    args = p.parse_args()
    if args.url:
        return run(args.url)
    with tempfile.TemporaryDirectory(prefix="factbot-load-") as tmp:
        config = make_config(args.data_dir or Path(tmp), all_env=True)
        print(f"starting the app over {config.corpus_dir} (index in {config.data_dir}) ...", file=sys.stderr)
        with running_app(config) as url:
            return run(url)


if __name__ == "__main__":
    sys.exit(main())
