"""run_eval: answer every item with factbot (and optionally the llama-index baseline), score the
results with evals.metrics, gate them against evals/thresholds.json and write the reports."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from factbot.core.errors import BadInput
from factbot.evals import metrics as m
from factbot.evals.cases import DEFAULT_ITEMS, Item, load_items, select
from factbot.evals.gate import DEFAULT_THRESHOLDS, gate, load_thresholds
from factbot.evals.report import COMPARED, ItemResult, claim_result, reply_result, write_reports



@dataclass
class EvalReport:
    started_at: str
    items_path: str
    corpus: str
    n_items: int
    factbot: dict  # figures for questions + unanswerable items
    claims: dict  # {"status": "scored" | "pending" | "none", "count": n, figures...}
    eval_time_s: float  # factbot part: ingest sync, model start, every item
    wall_time_s: float  # everything, baseline included
    baseline: dict | None = None  # figures of the baseline on its items
    factbot_same_items: dict | None = None  # factbot's figures on the baseline's items
    ratios: dict | None = None  # factbot / baseline on those items
    baseline_ids: list[str] = field(default_factory=list)
    results: list[ItemResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    gate_failures: list[str] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[ItemResult]:
        return [r for r in self.results if r.passed is False]

    def figures(self) -> dict:
        """The flat dict the gate reads."""
        out = dict(self.factbot, eval_time_s=self.eval_time_s)
        for k, v in self.claims.items():
            if k in ("verdict_accuracy", "evidence_precision"):
                out[k] = v
        return out

    def to_dict(self) -> dict:
        return asdict(self)


class GoldSpans:
    """Gold quotes located in the indexed documents, by exact substring search."""

    def __init__(self, bot, corpus_dir: Path):
        self.bot = bot
        self.corpus_dir = corpus_dir
        self._docs: dict[str, str] | None = None
        self.warnings: list[str] = []

    def docs(self) -> dict[str, str]:
        if self._docs is None:
            root = str(self.corpus_dir.resolve()) + "/"
            records = sorted(self.bot.store.documents().values(), key=lambda r: not r.source.startswith(root))
            self._docs = {}
            for rec in records:  # documents under the configured corpus win a file-name tie
                doc = self.bot.store.document(rec.id)
                if doc is not None:
                    self._docs.setdefault(Path(rec.source).name, doc.text)
        return self._docs

    def spans(self, item: Item) -> tuple[m.Span, ...]:
        out = []
        for ev in item.evidence:
            found = m.locate(ev.quote, self.docs().get(ev.doc, ""))
            if found is None:
                note = f"{item.id}: gold quote not found in the indexed {ev.doc}: {ev.quote[:60]!r}"
                if note not in self.warnings:
                    self.warnings.append(note)
                continue
            out.append(m.Span(ev.doc, *found))
        return tuple(out)


def factbot_reply(bot, question: str) -> m.Reply:
    t0 = time.perf_counter()
    a = bot.answer(question)
    latency = time.perf_counter() - t0
    cited = tuple(m.Cited(c.n, Path(c.source).name, c.start, c.end, c.quote) for c in a.citations)
    shown = tuple(m.Span(Path(e.source).name, e.start, e.end) for e in a.evidence)
    return m.Reply(a.text, a.abstained, cited, latency, a.timings.first_token_s, a.reason, shown, a.raw_text,
                   tuple(a.dropped), bool(a.conflicts))  # fmt: skip


def _answer_all(name, reply_fn, items, gold: GoldSpans, progress) -> tuple[list[m.Scored], list[ItemResult]]:
    scored, results = [], []
    bar = tqdm(items, desc=name, unit="item", disable=not progress, leave=False)
    for item in bar:
        try:
            reply = reply_fn(item.text)
        except BadInput as e:  # the item itself is refused: a failure of this item, not of the run
            reply = m.Reply(text=f"ERROR: {e}", abstained=True, reason="error")
        spans = gold.spans(item)
        s = m.score_reply(item, reply, spans)
        scored.append(s)
        results.append(reply_result(name, item, reply, s))
        bar.set_postfix(failed=sum(not r.passed for r in results))
    return scored, results


def _check_all(bot, items, gold: GoldSpans, progress) -> tuple[list[m.ScoredClaim], list[ItemResult]]:
    scored, results = [], []
    for item in tqdm(items, desc="claims", unit="claim", disable=not progress, leave=False):
        t0 = time.perf_counter()
        try:
            v = bot.check(item.text)
            label, shown, explanation = str(v.label), v.evidence, v.explanation
        except BadInput as e:
            label, shown, explanation = "ERROR", (), str(e)
        latency = time.perf_counter() - t0
        spans = tuple(m.Span(Path(c.source).name, c.start, c.end) for c in shown)
        s = m.score_verdict(item, label, spans, gold.spans(item), latency)
        scored.append(s)
        results.append(claim_result(item, s, explanation, shown))
    return scored, results


def _claims(bot, items: list[Item], gold: GoldSpans, progress) -> tuple[dict, list[ItemResult]]:
    """Claims are scored once FactBot.check() exists; until then they are counted as pending."""
    if not items:
        return {"status": "none", "count": 0}, []
    if not hasattr(bot, "check"):
        note = ("pending: FactBot.check() not available",)
        return {"status": "pending", "count": len(items)}, [
            ItemResult("factbot", i.id, i.kind, i.text, None, note, i.expected, {}) for i in items
        ]
    scored, results = _check_all(bot, items, gold, progress)
    return {"status": "scored", "count": len(items), **m.summarize_claims(scored)}, results


def _ratios(ours: dict, theirs: dict) -> dict:
    return {k: (ours[k] / theirs[k] if ours.get(k) is not None and theirs.get(k) else None) for k in COMPARED}


def _make_bot(bot, corpus: Path | None):
    from factbot.core.config import Config
    from factbot.pipeline.factbot import FactBot

    created = bot is None
    if created:
        bot = FactBot(Config.from_env(), corpus=corpus)
    if created or corpus is not None:
        bot.ingest(corpus or bot.config.corpus_dir, progress=False)
    return bot


def run_eval(
    items_path: str | Path = DEFAULT_ITEMS,
    subset: int | None = None,
    corpus: str | Path | None = None,
    bot=None,
    baseline: bool = False,
    progress: bool = True,
    *,
    ids: list[str] | None = None,
    kinds: list[str] | None = None,
    baseline_subset: int | None = None,
    out_dir: str | Path | None = None,
    thresholds: str | Path | dict | None = DEFAULT_THRESHOLDS,
) -> EvalReport:
    """Run the eval. out_dir=None writes no files; thresholds=None skips the gate."""
    t0 = time.perf_counter()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = select(load_items(items_path), ids, kinds, subset)
    if not items:
        raise BadInput("No items selected: check --ids, --kinds and --subset.")
    limits = load_thresholds(thresholds) if isinstance(thresholds, (str, Path)) else thresholds
    bot = _make_bot(bot, Path(corpus) if corpus else None)
    corpus_dir = Path(corpus) if corpus else Path(bot.config.corpus_dir)
    gold = GoldSpans(bot, corpus_dir)
    grounded = [i for i in items if i.kind != "claim"]
    claim_items = [i for i in items if i.kind == "claim"]
    if grounded or (claim_items and hasattr(bot, "check")):
        _ = bot.model  # start the model before timing the first item

    scored, results = _answer_all("factbot", lambda q: factbot_reply(bot, q), grounded, gold, progress)
    claims, claim_results = _claims(bot, claim_items, gold, progress)
    report = EvalReport(started, str(items_path), str(corpus_dir), len(items), m.summarize(scored),
                        claims, time.perf_counter() - t0, 0.0, results=results + claim_results)  # fmt: skip

    if baseline and grounded:
        _run_baseline(report, bot, corpus_dir, grounded, scored, gold, baseline_subset, progress)
    report.warnings = list(gold.warnings)
    report.wall_time_s = time.perf_counter() - t0
    if limits is not None:
        report.gate_failures = gate(report.figures(), limits)
    if out_dir is not None:
        report.paths = write_reports(report, Path(out_dir))
    return report


def _run_baseline(report, bot, corpus_dir, grounded, scored, gold, baseline_subset, progress) -> None:
    from factbot.evals.baseline import Baseline

    chosen = select(grounded, subset=baseline_subset)
    engine = Baseline(bot.config, corpus_dir)
    b_scored, b_results = _answer_all("baseline", engine.reply, chosen, gold, progress)
    ids = {i.id for i in chosen}
    report.baseline_ids = [i.id for i in chosen]
    report.baseline = m.summarize(b_scored)
    report.factbot_same_items = m.summarize([s for s in scored if s.id in ids])
    report.ratios = _ratios(report.factbot_same_items, report.baseline)
    report.results += b_results
