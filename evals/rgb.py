"""The external RGB suite: `factbot eval --suite rgb --suite-file PATH [--counterfactual | --negatives-only]`.

RGB (Chen et al., "Benchmarking Large Language Models in Retrieval-Augmented Generation", AAAI
2024) asks news questions over passages, some of which hold the answer. This module reads RGB's
file format, writes one collection of every item's passages (one file per passage, one index for
the whole suite, as a real collection would be), asks every query with factbot (and optionally
the stock llama-index CitationQueryEngine of evals/baseline.py) and scores the replies with RGB's
own rule, plus "a cited quote comes from a passage that holds the answer".

The file format (the same as RGB's own en.json / en_fact.json, so any RGB-style file works):
one JSON object a line (blank lines are skipped, other keys are ignored):

    {"id": 7, "query": "Who was awarded the 2018 Vesper Prize for poetry?",
     "answer": "Mara Lindqvist", "fakeanswer": "Tomas Brekke",
     "positive": ["... awarded to Mara Lindqvist ...", ...],
     "negative": ["The Vesper Prize has been awarded 40 times ...", ...],
     "positive_wrong": ["... awarded to Tomas Brekke ...", ...]}

- id: a whole number >= 0, unique in the file (it names the passage files and picks --half);
- query: the question, a non-empty string;
- answer: a string, or a list whose items must ALL appear in a reply; an item that is itself a
  list is a set of alternatives, any one of which suffices: [["April 20, 2018", "20 April 2018"]]
  (RGB's rule: case-insensitive substring, see holds_answer);
- positive: passages that hold the answer; negative: unrelated or noise passages (lists of
  strings, may be empty);
- positive_wrong and fakeanswer (same form as answer): fact-altered copies of the positive
  passages and the false answer they state; needed only for --counterfactual.

Modes: noise (positive + negative passages), counterfactual (+ positive_wrong), negatives
(negative passages only, leaving out any passage that holds any item's answer: a good system
declines every question). A passage is gold for an item when RGB's rule finds the item's answer
in its text, whichever item it came with; positive_wrong passages are never gold."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Union

from factbot.core.errors import BadInput
from factbot.evals.jsonl import unique_records
from factbot.evals.suite_files import sync_folder
from factbot.evals import funnel as fn
from factbot.evals.answer_match import holds_answer_loosely
from factbot.evals.gate import gate, load_thresholds
from factbot.evals.metrics import percentile

DEFAULT_RGB_THRESHOLDS = Path(__file__).resolve().parent / "thresholds_rgb.json"
MODES = ("noise", "counterfactual", "negatives")
PASSAGE_KINDS = {
    "noise": ("positive", "negative"),
    "counterfactual": ("positive", "negative", "positive_wrong"),
    "negatives": ("negative",),
}
SUFFIX = ".txt"

# A string, or a tuple of (string | tuple of alternative strings)
AnswerSpec = Union[str, tuple[Union[str, tuple[str, ...]], ...]]


# The format ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RgbItem:
    id: int
    query: str
    answer: AnswerSpec
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    positive_wrong: tuple[str, ...] = ()
    fakeanswer: AnswerSpec | None = None


def _answer_spec(value, key: str, where: str) -> AnswerSpec:
    bad = BadInput(
        f"{where}: {key} must be a non-empty string or a non-empty list of strings and lists of "
        f"alternative strings (RGB's format), not {json.dumps(value, ensure_ascii=False)[:80]}."
    )
    if isinstance(value, str):
        if not value.strip():
            raise bad
        return value
    if not isinstance(value, list) or not value:
        raise bad
    out: list[str | tuple[str, ...]] = []
    for part in value:
        if isinstance(part, str) and part.strip():
            out.append(part)
        elif isinstance(part, list) and part and all(isinstance(a, str) and a.strip() for a in part):
            out.append(tuple(part))
        else:
            raise bad
    return tuple(out)


def _passages(obj: dict, key: str, where: str, required: bool) -> tuple[str, ...]:
    if key not in obj:
        if required:
            raise BadInput(f"{where}: the item has no {key!r} list (RGB's format needs positive and negative).")
        return ()
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise BadInput(f"{where}: {key} must be a list of strings (passages).")
    return tuple(value)


def parse_item(obj, where: str) -> RgbItem:
    if not isinstance(obj, dict):
        raise BadInput(f"{where}: each line must be a JSON object with id, query, answer, positive, negative.")
    item_id = obj.get("id")
    if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id < 0:
        raise BadInput(f"{where}: id must be a whole number >= 0, not {item_id!r}.")
    query = obj.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadInput(f"{where}: query must be a non-empty string.")
    if "answer" not in obj:
        raise BadInput(f"{where}: the item has no answer.")
    answer = _answer_spec(obj["answer"], "answer", where)
    fake = _answer_spec(obj["fakeanswer"], "fakeanswer", where) if obj.get("fakeanswer") is not None else None
    return RgbItem(
        id=item_id,
        query=query,
        answer=answer,
        positive=_passages(obj, "positive", where, True),
        negative=_passages(obj, "negative", where, True),
        positive_wrong=_passages(obj, "positive_wrong", where, False),
        fakeanswer=fake,
    )


def load_suite(path: str | Path) -> list[RgbItem]:
    """Every item of an RGB-format file; BadInput naming the file and line of the first bad one."""
    return unique_records(path, "--suite-file", parse_item, lambda item: item.id, "id", "items")


def holds_answer(answer: AnswerSpec, text: str) -> bool:
    """RGB's rule (checkanswer in its evalue.py): every item of the answer occurs in the text as a
    case-insensitive substring; an item that is a list of alternatives needs any one of them."""
    haystack = text.lower()
    parts = (answer,) if isinstance(answer, str) else answer
    if not parts:
        return False
    for part in parts:
        alternatives = (part,) if isinstance(part, str) else part
        if not any(a.lower() in haystack for a in alternatives):
            return False
    return True


def select_items(
    items: list[RgbItem], ids: list[str] | None = None, half: str | None = None, limit: int | None = None
) -> list[RgbItem]:
    """A slice of the suite, in file order: the given ids, then one half (a: even ids, b: odd
    ids), then the first `limit`."""
    if ids:
        try:
            wanted = [int(i) for i in ids]
        except ValueError:
            raise BadInput(f"RGB ids are whole numbers, e.g. --ids 50,51; got {','.join(ids)}.") from None
        known = {i.id for i in items}
        unknown = [str(i) for i in wanted if i not in known]
        if unknown:
            raise BadInput(f"Unknown item ids: {', '.join(unknown)}.")
        items = [i for i in items if i.id in set(wanted)]
    if half is not None:
        if half not in ("a", "b"):
            raise BadInput(f"--half must be a (even ids) or b (odd ids), not {half!r}.")
        items = [i for i in items if i.id % 2 == (0 if half == "a" else 1)]
    if limit is not None:
        if limit < 1:
            raise BadInput(f"--limit must be at least 1, not {limit}.")
        items = items[:limit]
    if not items:
        raise BadInput("No items selected: check --ids, --half and --limit.")
    return items


# The collection ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PassageFile:
    name: str  # f"{id:03d}_{kind}_{k}.txt" of its first occurrence in the file
    text: str
    kinds: tuple[str, ...]  # every kind it was listed as (identical texts are written once)
    items: tuple[int, ...]  # every item it was listed for

    @property
    def can_be_gold(self) -> bool:
        return any(k != "positive_wrong" for k in self.kinds)


def collection(items: list[RgbItem], mode: str) -> tuple[PassageFile, ...]:
    """The passages of every item for this mode, identical texts once. Negatives mode leaves out
    every passage that holds the answer of any item."""
    if mode not in MODES:
        raise BadInput(f"Unknown RGB mode {mode!r}; use one of {', '.join(MODES)}.")
    found: dict[str, dict] = {}
    for item in items:
        for kind in PASSAGE_KINDS[mode]:
            for k, raw in enumerate(getattr(item, kind)):
                text = raw.strip()
                if not text:
                    continue
                if mode == "negatives" and any(holds_answer(i.answer, text) for i in items):
                    continue
                entry = found.setdefault(text, {"name": f"{item.id:03d}_{kind}_{k}{SUFFIX}", "kinds": [], "items": []})
                if kind not in entry["kinds"]:
                    entry["kinds"].append(kind)
                if item.id not in entry["items"]:
                    entry["items"].append(item.id)
    return tuple(PassageFile(e["name"], t, tuple(e["kinds"]), tuple(e["items"])) for t, e in found.items())


def gold_files(answer: AnswerSpec, passages: tuple[PassageFile, ...]) -> frozenset[str]:
    """Files of the passages that hold this answer by RGB's rule (never a positive_wrong one)."""
    return frozenset(p.name for p in passages if p.can_be_gold and holds_answer(answer, p.text))


def write_collection(passages: tuple[PassageFile, ...], folder: Path) -> dict[str, int]:
    """Make `folder` hold exactly these passage files: write new and changed ones, remove other
    .txt files (the next ingest then drops them from the index)."""
    return sync_folder({p.name: p.text + "\n" for p in passages}, folder)


def suite_name(suite_path: str | Path, mode: str) -> str:
    """rgb-<mode>-<file stem>: one folder and index per suite file and mode."""
    stem = re.sub(r"[^A-Za-z0-9_]+", "-", Path(suite_path).stem).strip("-_")[:24] or "suite"
    return f"rgb-{mode}-{stem}"


# Scoring -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CitedQuote:
    n: int
    file: str  # passage file name; "" when the citation points at nothing
    quote: str
    gold: bool  # the file is a gold passage for this item


@dataclass(frozen=True)
class RgbRow:
    """One system's reply to one item, scored."""

    system: str  # "factbot" | "baseline"
    id: int
    query: str
    expected: AnswerSpec
    text: str  # the final answer (with [n] markers), or the abstention message
    abstained: bool
    reason: str  # why it abstained ("" when it answered)
    cited: tuple[CitedQuote, ...]
    correct: bool  # answered, and RGB's rule finds the answer in the text
    cites_gold: bool  # answered, and a citation (baseline: a retrieved source node) is a gold passage
    latency_s: float
    gold_files: tuple[str, ...] = ()
    fakeanswer: AnswerSpec | None = None
    states_fake: bool | None = None  # counterfactual: answered, and the text holds fakeanswer
    funnel: dict[str, bool] | None = None  # factbot: which stages hold the answer
    lost_at: str | None = None  # factbot: the first stage that does not
    raw_text: str = ""
    dropped: tuple[str, ...] = ()
    retrieved: tuple[str, ...] = ()  # baseline: the files of its retrieved source nodes
    cites_gold_marked: bool | None = None  # baseline: a [n]-cited source node is a gold passage
    error: str = ""
    conflict: bool = False  # reported that the sources disagree (factbot: Answer.conflicts; baseline: its words)
    sides: tuple[str, ...] = ()  # factbot: the answer each side gives
    true_side: bool = False  # a conflict was reported and one of its sides holds the true answer
    correct_loose: bool = False  # answered, and the answer is in the text under evals/answer_match's looser reading
    # answered, and a cited quote states the answer under that reading: RGB's rule reads a passage
    # giving "10/27/2017" or "Mortimer “Tim” Buckley" as no gold
    cites_answer_loose: bool = False


def _reason(abstained: bool, reason) -> str:
    if not abstained:
        return ""
    return str(reason) if reason else "declined"


# How a reply without typed sides (the baseline's) says its sources disagree.
_DISAGREES = re.compile(r"\b(?:disagree|conflict|contradict|inconsisten|differ(?:ent|ing)? (?:answer|account|report)s?)", re.I)


def _states_fake(item: RgbItem, text: str, abstained: bool) -> bool | None:
    if item.fakeanswer is None:
        return None
    return not abstained and fn.reply_holds(text, lambda t: holds_answer(item.fakeanswer, t))


def factbot_row(item: RgbItem, gold: frozenset[str], found, answer, latency_s: float) -> RgbRow:
    """Score factbot's Answer (and the Found of the same question) for one item."""
    matches = lambda t: holds_answer(item.answer, t)  # noqa: E731
    f = fn.funnel(gold, matches, found, answer) if found is not None and gold else None  # no gold: nothing to trace
    cited = tuple(CitedQuote(c.n, fn.file_name(c.source), c.quote, fn.file_name(c.source) in gold)
                  for c in answer.citations)  # fmt: skip
    correct = not answer.abstained and fn.reply_holds(answer.text, matches)
    sides = tuple(getattr(answer, "conflicts", ()))
    true_side = any(matches(" ".join([s.value, *(c.quote for c in s.citations)])) for s in sides)
    return RgbRow(
        system="factbot", id=item.id, query=item.query, expected=item.answer, text=answer.text,
        abstained=answer.abstained, reason=_reason(answer.abstained, answer.reason), cited=cited,
        correct=correct, cites_gold=not answer.abstained and any(c.gold for c in cited), latency_s=latency_s,
        gold_files=tuple(sorted(gold)), fakeanswer=item.fakeanswer,
        states_fake=_states_fake(item, answer.text, answer.abstained),
        funnel=f.flags() if f else None, lost_at=f.lost_at if f else None,
        raw_text=answer.raw_text, dropped=tuple(answer.dropped),
        conflict=bool(sides), sides=tuple(s.value for s in sides), true_side=true_side,
        correct_loose=not answer.abstained and fn.reply_holds(answer.text, _loosely(item)),
        cites_answer_loose=not answer.abstained and any(_loosely(item)(c.quote) for c in cited),
    )  # fmt: skip


def _loosely(item: RgbItem):
    return lambda text: holds_answer_loosely(item.answer, text)


def baseline_row(item: RgbItem, gold: frozenset[str], reply) -> RgbRow:
    """Score the baseline's metrics.Reply: its [n] citations and its retrieved source nodes."""
    matches = lambda t: holds_answer(item.answer, t)  # noqa: E731
    cited = tuple(CitedQuote(c.n, c.doc, c.quote, c.doc in gold) for c in reply.citations)
    retrieved = tuple(dict.fromkeys(s.doc for s in reply.shown))
    answered = not reply.abstained
    return RgbRow(
        system="baseline", id=item.id, query=item.query, expected=item.answer, text=reply.text,
        abstained=reply.abstained, reason=_reason(reply.abstained, reply.reason), cited=cited,
        correct=answered and fn.reply_holds(reply.text, matches),
        cites_gold=answered and any(d in gold for d in retrieved), latency_s=reply.latency_s,
        gold_files=tuple(sorted(gold)), fakeanswer=item.fakeanswer,
        states_fake=_states_fake(item, reply.text, reply.abstained), raw_text=reply.raw_text,
        retrieved=retrieved, cites_gold_marked=answered and any(c.gold for c in cited),
        conflict=answered and bool(_DISAGREES.search(reply.text)),
        true_side=answered and bool(_DISAGREES.search(reply.text)) and fn.reply_holds(reply.text, matches),
        correct_loose=answered and fn.reply_holds(reply.text, _loosely(item)),
        cites_answer_loose=answered and any(_loosely(item)(c.quote) for c in cited),
    )  # fmt: skip


def error_row(system: str, item: RgbItem, gold: frozenset[str], message: str) -> RgbRow:
    """The item itself was refused (BadInput): a failure of this item, not of the run."""
    return RgbRow(system, item.id, item.query, item.answer, f"ERROR: {message}", True, "error", (), False, False, 0.0,
                  tuple(sorted(gold)), item.fakeanswer, None if item.fakeanswer is None else False, error=message)  # fmt: skip


def _share(flags) -> float | None:
    flags = list(flags)
    return sum(bool(f) for f in flags) / len(flags) if flags else None


def summarize(rows: list[RgbRow], mode: str) -> dict:
    """The figures of one system's rows in one mode."""
    latencies = [r.latency_s for r in rows if not r.error]
    out = {
        "items": len(rows),
        "declined": _share(r.abstained for r in rows),
        "latency_median_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "abstention_reasons": dict(Counter(r.reason for r in rows if r.abstained).most_common()),
    }
    if mode == "negatives":
        out["answered"] = sum(not r.abstained for r in rows)
        out["states_true"] = _share(r.correct for r in rows)  # the answer though no passage holds it
        # The passages left may still state the answer in a spelling RGB's rule misses ("Nov. 15").
        out["states_true_loose"] = _share(r.correct_loose for r in rows)
        out["declined_or_true_loose"] = _share(r.abstained or r.correct_loose for r in rows)
        return out
    out["answer_correct"] = _share(r.correct for r in rows)
    out["answer_correct_loose"] = _share(r.correct_loose for r in rows)  # beside RGB's rule, never instead
    out["cites_gold"] = _share(r.cites_gold for r in rows)
    out["cites_answer_loose"] = _share(r.cites_answer_loose for r in rows)  # beside cites_gold, never instead
    out["correct_and_cites_gold"] = _share(r.correct and r.cites_gold for r in rows)
    if any(r.cites_gold_marked is not None for r in rows):
        out["cites_gold_marked"] = _share(r.cites_gold_marked for r in rows)
    out["conflict_reported"] = _share(r.conflict for r in rows)  # outside counterfactual mode: false alarms
    if mode == "counterfactual":
        out["states_fake"] = _share(r.states_fake for r in rows)
        out["both"] = _share(r.correct and r.states_fake for r in rows)
        out["fake_only"] = _share(r.states_fake and not r.correct for r in rows)
        out["fake_unflagged"] = _share(r.states_fake and not r.conflict for r in rows)
        out["true_among_sides"] = _share(r.true_side for r in rows)
    return out


def funnel_totals(rows: list[RgbRow]) -> dict:
    """The funnel over the rows whose item has a gold passage (the others cannot be traced)."""
    funnels = [fn.Funnel(**r.funnel) for r in rows if r.funnel is not None and r.gold_files]
    return fn.totals(funnels)


def answers_given(rows: list[RgbRow]) -> list[dict]:
    """Negatives mode: every answer given, with its quotes, for a reader to check that no answer
    states a relation its quote does not state."""
    return [{"system": r.system, "id": r.id, "query": r.query, "answer": r.text,
             "quotes": [{"n": c.n, "file": c.file, "quote": c.quote} for c in r.cited]}
            for r in rows if not r.abstained]  # fmt: skip


# The run -------------------------------------------------------------------------------------
@dataclass
class RgbReport:
    started_at: str
    suite_path: str
    mode: str
    selection: dict  # ids / half / limit as given
    n_suite_items: int
    n_items: int
    n_passages: int
    collection_dir: str
    index_dir: str
    factbot: dict
    funnel: dict
    eval_time_s: float  # factbot part: collection, ingest sync, model start, every item
    wall_time_s: float = 0.0
    ingest: dict = field(default_factory=dict)
    baseline: dict | None = None
    factbot_same_items: dict | None = None  # factbot's figures on the baseline's items
    baseline_ids: list[int] = field(default_factory=list)
    claims: dict | None = None  # --claims: check() on each item's claim (evals/rgb_claims.py)
    claim_rows: list = field(default_factory=list)
    rows: list[RgbRow] = field(default_factory=list)
    answers_given: list[dict] = field(default_factory=list)
    thresholds: str = ""
    gate_failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)

    def figures(self) -> dict:
        """The flat dict the gate reads."""
        return dict(self.factbot, eval_time_s=self.eval_time_s)

    def to_dict(self) -> dict:
        return asdict(self)


def mode_thresholds(path: str | Path, mode: str) -> dict[str, dict[str, float]]:
    """The thresholds of one mode: keys "<mode>.<figure>" of the threshold file, prefix removed."""
    prefix = f"{mode}."
    return {k[len(prefix):]: v for k, v in load_thresholds(path).items() if k.startswith(prefix)}


def _suite_bot(config, suite_path: Path, mode: str):
    from factbot.pipeline.factbot import FactBot

    root = config.suites_dir / suite_name(suite_path, mode)
    folder = root / "passages"
    bot = FactBot(config.with_(collection=f"{config.collection}-{suite_name(suite_path, mode)}"), corpus=folder,
                  data_dir=root / "index", auto_ingest=False)  # fmt: skip
    return bot, folder


def run_rgb(
    suite_path: str | Path,
    mode: str = "noise",
    *,
    ids: list[str] | None = None,
    half: str | None = None,
    limit: int | None = None,
    baseline: bool = False,
    baseline_subset: int | None = None,
    claims: bool = False,
    config=None,
    bot=None,
    folder: Path | None = None,
    progress: bool = True,
    out_dir: str | Path | None = None,
    thresholds: str | Path | dict | None = DEFAULT_RGB_THRESHOLDS,
) -> RgbReport:
    """Run the RGB suite. bot and folder: an existing bot over `folder` (tests); by default a
    FactBot with its own data dir under Config.data_dir/suites/. out_dir=None writes no files;
    thresholds=None skips the gate."""
    t0 = time.perf_counter()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    suite_path, items, chosen, limits, passages = _rgb_prepare(suite_path, mode, ids, half, limit, thresholds)
    bot, folder, written, ingested, warnings = _rgb_ingest(bot, folder, config, suite_path, mode, passages, progress)
    golds = {i.id: gold_files(i.answer, passages) for i in chosen}
    if mode != "negatives":
        warnings += [f"item {i}: no passage holds its answer; its funnel is not traced" for i, g in golds.items() if not g]
    rows = _rgb_ask_all(bot, chosen, golds, mode, progress)
    report = RgbReport(
        started_at=started, suite_path=str(suite_path), mode=mode,
        selection={"ids": ids, "half": half, "limit": limit}, n_suite_items=len(items), n_items=len(chosen),
        n_passages=len(passages), collection_dir=str(folder), index_dir=str(getattr(bot.store, "location", "")),
        factbot=summarize(rows, mode), funnel=funnel_totals(rows), eval_time_s=time.perf_counter() - t0,
        ingest={**written, "added": len(ingested.added), "updated": len(ingested.updated),
                "unchanged": len(ingested.unchanged), "removed": len(ingested.removed),
                "chunks": ingested.chunk_count, "seconds": round(ingested.seconds, 1)},
        rows=rows, warnings=warnings,
    )  # fmt: skip
    if claims:
        from factbot.evals.rgb_claims import check_all, summarize_claims

        report.claim_rows = check_all(bot, chosen, holds_answer, progress)
        report.claims = summarize_claims(report.claim_rows)
    if baseline:
        _run_baseline(report, bot, folder, chosen, golds, baseline_subset, progress)
    if mode == "negatives":
        report.answers_given = answers_given(report.rows)
    report.wall_time_s = time.perf_counter() - t0
    _rgb_finish(report, mode, limits, thresholds, out_dir)
    return report


def _rgb_prepare(suite_path: str | Path, mode: str, ids, half, limit, thresholds):
    """Check the mode, load and select the items, resolve the limits and build the collection."""
    if mode not in MODES:
        raise BadInput(f"Unknown RGB mode {mode!r}; use one of {', '.join(MODES)}.")
    suite_path = Path(suite_path)
    items = load_suite(suite_path)
    chosen = select_items(items, ids, half, limit)
    if mode == "counterfactual":
        lacking = [str(i.id) for i in chosen if i.fakeanswer is None or not i.positive_wrong]
        if lacking:
            raise BadInput(f"--counterfactual needs fakeanswer and positive_wrong on every item; "
                           f"{suite_path} lacks them on ids {', '.join(lacking[:10])}.")  # fmt: skip
    limits = mode_thresholds(thresholds, mode) if isinstance(thresholds, (str, Path)) else thresholds
    passages = collection(items, mode)
    if not passages:
        raise BadInput(f"{suite_path}: no passages to index in {mode} mode.")
    return suite_path, items, chosen, limits, passages


def _rgb_ingest(bot, folder, config, suite_path: Path, mode: str, passages, progress: bool):
    """Write the passages into the bot's folder (a suite bot by default) and index them."""
    from factbot.core.config import Config

    if bot is None:
        bot, folder = _suite_bot(config or Config.from_env(), suite_path, mode)
    elif folder is None:
        raise ValueError("run_rgb(bot=...) needs the folder that bot indexes")
    written = write_collection(passages, folder)
    ingested = bot.ingest(folder, progress=progress)
    warnings = [f"skipped passage file {p}: {why}" for p, why in ingested.skipped]
    _ = bot.model  # start the model before timing the first item
    return bot, folder, written, ingested, warnings


def _rgb_ask_all(bot, chosen, golds, mode: str, progress: bool) -> list[RgbRow]:
    from tqdm import tqdm

    rows = []
    bar = tqdm(chosen, desc=f"rgb {mode}", unit="item", disable=not progress, leave=False)
    for item in bar:
        rows.append(_ask(bot, item, golds[item.id]))
        bar.set_postfix(correct=sum(r.correct for r in rows), declined=sum(r.abstained for r in rows))
    return rows


def _rgb_finish(report: RgbReport, mode: str, limits, thresholds, out_dir) -> None:
    """Gate the report against limits (unless None) and write its files (unless out_dir is None)."""
    if limits is not None:
        report.thresholds = str(thresholds) if isinstance(thresholds, (str, Path)) else "given"
        report.gate_failures = gate(report.figures(), limits) if limits else [
            f"no thresholds for {mode} mode in {report.thresholds}: not gated"]  # fmt: skip
    if out_dir is not None:
        from factbot.evals.report import write_rgb_reports

        report.paths = write_rgb_reports(report, Path(out_dir))

def _ask(bot, item: RgbItem, gold: frozenset[str]) -> RgbRow:
    try:
        found = bot.find_evidence(item.query)
        t = time.perf_counter()
        answer = bot.answer(item.query)
        latency = time.perf_counter() - t
    except BadInput as e:
        return error_row("factbot", item, gold, str(e))
    return factbot_row(item, gold, found, answer, latency)


def _run_baseline(report: RgbReport, bot, folder: Path, chosen, golds, subset: int | None, progress: bool) -> None:
    from tqdm import tqdm

    from factbot.evals.baseline import Baseline

    items = chosen[:subset] if subset else chosen
    engine = Baseline(bot.config, folder)
    rows = []
    for item in tqdm(items, desc="baseline", unit="item", disable=not progress, leave=False):
        try:
            rows.append(baseline_row(item, golds[item.id], engine.reply(item.query)))
        except BadInput as e:
            rows.append(error_row("baseline", item, golds[item.id], str(e)))
    ids = {i.id for i in items}
    report.baseline_ids = [i.id for i in items]
    report.baseline = summarize(rows, report.mode)
    report.factbot_same_items = summarize([r for r in report.rows if r.id in ids], report.mode)
    report.rows += rows

