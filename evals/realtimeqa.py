"""The RealTimeQA suite: `factbot eval --suite realtimeqa PATH [--sample N] [--part fit|report] [--baseline]`.

RealTimeQA (Kasai et al., NeurIPS 2023 Datasets and Benchmarks) asks weekly news-quiz questions;
each item carries the articles a web search returned for it. The collection is every distinct
article (by url) of the chosen questions, one file per article (title, then text), all in one
index, as a real newsroom collection is. Each question is asked with no choices shown, as of its
quiz date. A question is answerable when its right choice appears in the collection (the loose
reading of evals/answer_match.py); correct when the answer states it and cited when a cited quote
does. Wrong answers stated count over all questions; an unanswerable question should be declined.

Parts are by week: fit up to FIT_LAST_WEEK, report after (evals/verifier_data.py splits the same
way); --sample N spreads N questions over the part's weeks (fixed seed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from factbot.core.errors import BadInput
from factbot.evals.answer_match import holds_answer_loosely
from factbot.evals.metrics import percentile
from factbot.evals.suite_files import sync_folder

FIT_LAST_WEEK = "20250627"
PARTS = ("fit", "report", "all")
SEED = 11


@dataclass(frozen=True)
class RtqaItem:
    id: str
    week: str
    date: dt.date | None
    question: str
    answer: str
    articles: tuple[tuple[str, str, str], ...]  # (url, title, text)

    @property
    def part(self) -> str:
        return "fit" if self.week <= FIT_LAST_WEEK else "report"


def _date(raw: str) -> dt.date | None:
    digits = re.sub(r"\D", "", raw or "")[:8]
    try:
        return dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def load(path: str | Path) -> list[RtqaItem]:
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"No RealTimeQA file at {path}: give the path of a RealTimeQA-format .jsonl file.")
    items = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
                arts = tuple((a["url"], a.get("title") or "", a["text"]) for a in o.get("articles", []))
                items.append(RtqaItem(str(o["id"]), str(o["id"]).split("_")[0], _date(o.get("date", "")),
                                      o["question"], o["answer"], arts))  # fmt: skip
            except (KeyError, TypeError, json.JSONDecodeError) as e:
                raise BadInput(f"{path}, line {n}: not a RealTimeQA item (id, question, answer, articles): {e}") from None
    return items


def select(items: list[RtqaItem], part: str, sample: int | None, seed: int = SEED) -> list[RtqaItem]:
    """The part's items; with sample, N of them taken round-robin over its weeks (seeded)."""
    if part not in PARTS:
        raise BadInput(f"--part must be one of {', '.join(PARTS)}, not {part!r}.")
    chosen = [i for i in items if part == "all" or i.part == part]
    if sample:
        rng = random.Random(seed)
        weeks: dict[str, list[RtqaItem]] = defaultdict(list)
        for i in chosen:
            weeks[i.week].append(i)
        for w in weeks.values():
            rng.shuffle(w)
        order, k = [], 0
        while len(order) < min(sample, len(chosen)):
            for w in sorted(weeks):
                if k < len(weeks[w]) and len(order) < sample:
                    order.append(weeks[w][k])
            k += 1
        chosen = order
    if not chosen:
        raise BadInput("No RealTimeQA items selected: check --part and --sample.")
    return chosen


def collection(items: list[RtqaItem]) -> dict[str, str]:
    """file name -> title and text, one file per distinct url."""
    files = {}
    for i in items:
        for url, title, text in i.articles:
            name = hashlib.sha256(url.encode()).hexdigest()[:16] + ".txt"
            files.setdefault(name, f"{title.strip()}\n\n{text.strip()}\n" if title.strip() else f"{text.strip()}\n")
    return files


@dataclass
class Row:
    system: str
    id: str
    answerable: bool
    abstained: bool
    correct: bool
    cited: bool
    seconds: float
    text: str = ""
    reason: str = ""  # why it declined (an AbstainReason's value); "" when it answered



def score(item: RtqaItem, answerable: bool, text: str, abstained: bool, quotes: list[str], seconds: float, system: str,
          reason: str = "") -> Row:  # fmt: skip
    correct = not abstained and holds_answer_loosely(item.answer, text)
    cited = correct and any(holds_answer_loosely(item.answer, q) for q in quotes)
    return Row(system, item.id, answerable, abstained, correct, cited, round(seconds, 2), text[:300], reason)


def summarize(rows: list[Row]) -> dict:
    ans = [r for r in rows if r.answerable]
    un = [r for r in rows if not r.answerable]
    secs = [r.seconds for r in rows]
    share = lambda xs, f: round(sum(map(f, xs)) / len(xs), 3) if xs else None  # noqa: E731
    return {
        "questions": len(rows), "answerable": len(ans),
        "answerable_correct": share(ans, lambda r: r.correct), "answerable_cited": share(ans, lambda r: r.cited),
        "wrong_stated": share(rows, lambda r: not r.abstained and not r.correct),
        "unanswerable_declined": share(un, lambda r: r.abstained),
        # totals only: where answerable questions were lost (the reason they were declined)
        "answerable_declined_by": dict(Counter(r.reason or "unknown" for r in ans if r.abstained).most_common()),
        "seconds_median": round(statistics.median(secs), 2) if secs else None,
        "seconds_p95": round(percentile(secs, 95), 2) if secs else None,
    }  # fmt: skip


@dataclass
class RtqaReport:
    part: str
    n_items: int
    n_articles: int
    factbot: dict
    baseline: dict | None = None
    ingest_s: float = 0.0
    wall_s: float = 0.0
    rows: list[Row] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def run(path: str | Path, part: str = "report", sample: int | None = 60, baseline: bool = False, config=None,
        progress: bool = True) -> RtqaReport:  # fmt: skip
    from tqdm import tqdm

    from factbot.core.config import Config
    from factbot.pipeline.factbot import FactBot

    t0 = time.perf_counter()
    config = config or Config.from_env()
    items = select(load(path), part, sample)
    files = collection(items)
    root = config.suites_dir / f"realtimeqa-{part}-{len(items)}"
    folder = root / "articles"
    sync_folder(files, folder)
    bot = FactBot(config.with_(collection=f"{config.collection}-rtqa-{part}-{len(items)}"), corpus=folder,
                  data_dir=root / "index", auto_ingest=False)  # fmt: skip
    ingest_s = bot.ingest(folder, progress=progress).seconds
    pooled = "\n".join(files.values())
    answerable = {i.id: holds_answer_loosely(i.answer, pooled) for i in items}
    rows = []
    for i in tqdm(items, desc="realtimeqa", unit="q", disable=not progress):
        t = time.perf_counter()
        a = bot.answer(i.question, as_of=i.date) if i.date else bot.answer(i.question)
        rows.append(score(i, answerable[i.id], a.text, a.abstained, [c.quote for c in a.citations],
                          time.perf_counter() - t, "factbot", a.reason.value if a.reason else ""))  # fmt: skip
    report = RtqaReport(part, len(items), len(files), summarize(rows), ingest_s=round(ingest_s, 1), rows=rows)
    if baseline:
        from factbot.evals.baseline import Baseline

        engine = Baseline(bot.config, folder)
        base = []
        for i in tqdm(items, desc="baseline", unit="q", disable=not progress):
            r = engine.reply(i.question)
            base.append(score(i, answerable[i.id], r.text, r.abstained, [c.quote for c in r.citations], r.latency_s,
                              "baseline"))  # fmt: skip
        report.baseline = summarize(base)
        report.rows += base
    report.wall_s = round(time.perf_counter() - t0, 1)
    return report


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--part", default="report", choices=PARTS)
    ap.add_argument("--sample", type=int, default=60)
    ap.add_argument("--baseline", action="store_true")
    ap.add_argument("--out", type=Path, help="write the whole report (rows included) as JSON here")
    a = ap.parse_args(argv)
    report = run(a.path, a.part, a.sample, a.baseline)
    if a.out:
        a.out.write_text(json.dumps(report.to_dict(), indent=1, default=str))
    print(json.dumps({k: v for k, v in report.to_dict().items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    main()
