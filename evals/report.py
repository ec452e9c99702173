"""Per-item results and the renderings of an eval run: console table, JSON and Markdown reports."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from factbot.evals import metrics as m
from factbot.evals.cases import LABELS, Item

# (key, column header, lower is better)
COLUMNS = [
    ("items", "items", None),
    ("answer_correctness", "correct", False),
    ("citation_precision", "cite P", False),
    ("citation_recall", "cite R", False),
    ("abstention_accuracy", "abstain", False),
    ("over_refusal", "over-ref", True),
    ("conflicts_reported", "disagree", True),
    ("citation_on_gold", "cite gold", False),
    ("mean_cited_chars", "cite chars", None),
    ("retrieval_any", "ret any", False),
    ("retrieval_all", "ret all", False),
    ("latency_median_s", "lat med s", True),
    ("latency_p95_s", "lat p95 s", True),
    ("ttft_median_s", "ttft med s", True),
]
COMPARED = [k for k, _, better in COLUMNS if better is not None] + ["mean_cited_chars"]


@dataclass(frozen=True)
class ItemResult:
    system: str
    id: str
    kind: str
    input: str  # the question or claim
    passed: bool | None  # None: not scored (pending)
    problems: tuple[str, ...]
    expected: dict
    got: dict


def _cited_dict(c: m.Cited, use: m.CitationUse | None) -> dict:
    d = {"n": c.n, "doc": c.doc, "start": c.start, "end": c.end, "quote": c.quote}
    if use is not None:
        d |= {"on_gold": use.on_gold, "supports": use.supports}
    return d


def reply_result(system: str, item: Item, reply: m.Reply, s: m.Scored) -> ItemResult:
    problems = []
    if item.kind == "unanswerable" and not s.abstained:
        problems.append("answered a question the articles do not answer")
    if item.kind == "question":
        if s.abstained:
            problems.append(f"abstained ({reply.reason or 'declined'}) on an answerable question")
        elif s.missing:
            problems.append("missing facts: " + "; ".join(" / ".join(f) for f in s.missing))
        if not s.abstained and not s.cites_gold:
            problems.append("no citation overlaps the gold evidence")
        if problems and s.gold_shown:
            problems.append(f"(the model was shown {s.gold_shown[0]} of {s.gold_shown[1]} gold quotes)")
    for u in s.uses:
        if u.cited is None:
            problems.append(f"[{u.n}] points at no citation")
        elif not u.precise:
            what = f"the sentence {u.sentence!r}" if u.sentence else "anything (it is not used in the text)"
            problems.append(f"[{u.n}] neither overlaps gold evidence nor backs {what}")
    first_use = {}
    for u in s.uses:
        first_use.setdefault(u.n, u)
    got = {
        "text": reply.text,
        "abstained": reply.abstained,
        "reason": reply.reason,
        "citations": [_cited_dict(c, first_use.get(c.n)) for c in reply.citations],
        "latency_s": round(reply.latency_s, 3),
        "first_token_s": None if reply.first_token_s is None else round(reply.first_token_s, 3),
        "shown": [[sp.doc, sp.start, sp.end] for sp in reply.shown],  # what the model was shown
        "raw_text": reply.raw_text,
        "dropped": list(reply.dropped),
    }
    return ItemResult(system, item.id, item.kind, item.text, s.passed, tuple(problems), item.expected, got)


def claim_result(item: Item, s: m.ScoredClaim, explanation: str, shown) -> ItemResult:
    problems = [] if s.passed else [f"label {s.predicted}, expected {s.gold}"]
    if s.has_gold and s.evidence_on_gold and not all(s.evidence_on_gold):
        problems.append(f"{s.evidence_on_gold.count(False)} of {len(shown)} evidence quotes are not gold evidence")
    got = {
        "label": s.predicted,
        "explanation": explanation,
        "evidence": [
            {"doc": Path(c.source).name, "start": c.start, "end": c.end, "quote": c.quote, "stance": c.stance,
             "on_gold": g} for c, g in zip(shown, s.evidence_on_gold)
        ],  # fmt: skip
        "latency_s": round(s.latency_s, 3),
    }
    return ItemResult("factbot", item.id, item.kind, item.text, s.passed, tuple(problems), item.expected, got)


# Rendering -----------------------------------------------------------------------------------
def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, int):
        return str(v)
    return f"{v:.3f}" if abs(v) <= 1 else f"{v:.1f}"


def rows(report) -> list[tuple[str, dict]]:
    out = [("factbot", report.factbot)]
    if report.baseline is not None:
        out += [
            ("factbot, baseline's items", report.factbot_same_items),
            ("llama-index baseline", report.baseline),
            ("ratio factbot/baseline", report.ratios),
        ]
    return out


def table(report) -> str:
    header = ["system"] + [h for _, h, _ in COLUMNS]
    body = [[name] + [fmt(figs.get(k)) if k != "items" or "ratio" not in name else "" for k, _, _ in COLUMNS]
            for name, figs in rows(report)]  # fmt: skip
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header] + body]  # fmt: skip
    return "\n".join(lines)


def claims_text(claims: dict) -> str:
    if claims["status"] == "none":
        return "claims: none in this run"
    if claims["status"] == "pending":
        return f"claims: {claims['count']} PENDING (FactBot.check() not available; not scored, not passed)"
    return (
        f"claims: {claims['count']} scored, verdict accuracy {fmt(claims['verdict_accuracy'])}, "
        f"evidence precision {fmt(claims['evidence_precision'])}, latency median "
        f"{fmt(claims['latency_median_s'])} s, p95 {fmt(claims['latency_p95_s'])} s"
    )


def confusion_lines(conf: dict, md: bool = False) -> list[str]:
    """Gold labels down, predicted across; an extra column for any other prediction (e.g. ERROR)."""
    cols = list(LABELS) + sorted({p for g in conf for p in conf[g]} - set(LABELS))
    if md:
        lines = ["| gold \\ predicted | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
        return lines + [f"| {g} | " + " | ".join(str(conf[g].get(p, 0)) for p in cols) + " |" for g in conf]
    lines = ["gold \\ predicted".ljust(17) + "".join(c[:9].rjust(11) for c in cols)]
    return lines + [g.ljust(17) + "".join(str(conf[g].get(p, 0)).rjust(11) for p in cols) for g in conf]


def summary_text(report, max_failures: int = 40) -> str:
    lines = [table(report), "", claims_text(report.claims)]
    if report.claims.get("confusion"):
        lines += confusion_lines(report.claims["confusion"])
    lines.append(f"time: eval {report.eval_time_s:.0f} s, wall {report.wall_time_s:.0f} s, {report.n_items} items")
    lines += [f"warning: {w}" for w in report.warnings]
    fails = report.failures
    if fails:
        lines.append(f"\nfailing items ({len(fails)}):")
        for r in fails[:max_failures]:
            lines.append(f"- {r.system} {r.id} ({r.kind}) {r.input}")
            lines += [textwrap.indent(p, "    ") for p in r.problems]
            got = r.got.get("text") or r.got.get("label") or ""
            lines.append(textwrap.indent(textwrap.shorten(f"got: {got}", 200), "    "))
        if len(fails) > max_failures:
            lines.append(f"... and {len(fails) - max_failures} more in the Markdown report")
    if report.paths:
        lines.append("\nreports: " + ", ".join(report.paths.values()))
    return "\n".join(lines)


def markdown(report) -> str:
    lines = [f"# factbot eval, {report.started_at}", "", f"Items: {report.n_items} from `{report.items_path}`; "
             f"corpus `{report.corpus}`. Eval time {report.eval_time_s:.0f} s, wall time {report.wall_time_s:.0f} s.",
             ""]  # fmt: skip
    lines += ["| system | " + " | ".join(h for _, h, _ in COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(fmt(f.get(k)) for k, _, _ in COLUMNS) + " |" for name, f in rows(report)]
    if report.baseline_ids:
        lines += ["", "Baseline items: " + ", ".join(report.baseline_ids)]
    lines += ["", claims_text(report.claims)]
    if report.claims.get("confusion"):
        lines += [""] + confusion_lines(report.claims["confusion"], md=True)
    lines += ["", "## Gate", ""] + ([f"- FAIL {f}" for f in report.gate_failures] or ["All thresholds hold."])
    lines += [""] + [f"Warning: {w}" for w in report.warnings]
    lines += ["", f"## Failing items ({len(report.failures)})", ""]
    for r in report.failures:
        lines += [f"### {r.system} {r.id} ({r.kind}): {r.input}", ""] + [f"- {p}" for p in r.problems]
        lines += ["", "Expected:", ""] + _expected_md(r.expected) + ["", "Got:", ""] + _got_md(r.got) + [""]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _expected_md(e: dict) -> list[str]:
    out = [f"- fact: {' | '.join(f)}" for f in e.get("facts", [])]
    out += ["- abstain"] if e.get("abstain") else []
    out += [f"- label: {e['label']}"] if e.get("label") else []
    return out + [f"- gold evidence, {g['doc']}: {_one_line(g['quote'])}" for g in e.get("evidence", [])]


def _got_md(g: dict) -> list[str]:
    if "label" in g:
        out = [f"- label: {g['label']}: {_one_line(g['explanation'])}"]
        return out + [f"- evidence ({c['stance']}, gold {'yes' if c['on_gold'] else 'no'}), {c['doc']} "
                      f"{c['start']}-{c['end']}: {_one_line(c['quote'])}" for c in g["evidence"]]  # fmt: skip
    out = [f"- text{' (abstained: ' + g['reason'] + ')' if g['abstained'] else ''}: {_one_line(g['text'])}"]
    for c in g["citations"]:
        judged = f", gold {'yes' if c.get('on_gold') else 'no'}, supports {'yes' if c.get('supports') else 'no'}"
        out.append(f"- [{c['n']}] {c['doc']} {c['start']}-{c['end']}{judged if 'on_gold' in c else ''}: "
                   f"{_one_line(c['quote'])}")  # fmt: skip
    if g.get("raw_text") and g["raw_text"] != g["text"]:
        out.append(f"- raw model reply: {_one_line(g['raw_text'])}")
    out += [f"- dropped: {_one_line(d)}" for d in g.get("dropped", [])]
    return out + [f"- latency {g['latency_s']} s, first token {g['first_token_s']} s"]


def write_reports(report, out_dir: Path) -> dict[str, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "eval-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = {"json": out_dir / f"{stem}.json", "markdown": out_dir / f"{stem}.md"}
    report.paths = {k: str(p) for k, p in paths.items()}
    paths["json"].write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    paths["markdown"].write_text(markdown(report), encoding="utf-8")
    return report.paths


# The RGB suite (evals/rgb.py) ----------------------------------------------------------------
RGB_COLUMNS = {  # (key, column header)
    "noise": [
        ("items", "items"), ("answer_correct", "correct"), ("answer_correct_loose", "correct (loose)"),
        ("cites_gold", "cites gold"), ("cites_answer_loose", "quote states answer (loose)"),
        ("correct_and_cites_gold", "correct+gold"), ("declined", "declined"),
        ("conflict_reported", "disagree (false alarm)"), ("latency_median_s", "lat med s"),
        ("latency_p95_s", "lat p95 s"),
    ],
    "counterfactual": [
        ("items", "items"), ("answer_correct", "correct"), ("states_fake", "states fake"),
        ("fake_unflagged", "fake, no doubt"), ("conflict_reported", "disagree"),
        ("true_among_sides", "true among sides"), ("fake_only", "fake only"), ("declined", "declined"),
        ("cites_gold", "cites gold"), ("latency_median_s", "lat med s"), ("latency_p95_s", "lat p95 s"),
    ],
    "negatives": [
        ("items", "items"), ("declined", "declined"), ("answered", "answered"), ("states_true", "states true"),
        ("states_true_loose", "true (loose)"), ("declined_or_true_loose", "declined or true (loose)"),
        ("latency_median_s", "lat med s"), ("latency_p95_s", "lat p95 s"),
    ],
}  # fmt: skip
RGB_MODE_TITLES = {
    "noise": "noise mode (positive + negative passages)",
    "counterfactual": "counterfactual mode (positive + negative + positive_wrong passages)",
    "negatives": "negatives-only mode (no passage holds an answer: declining is right)",
}


def rgb_rows(report) -> list[tuple[str, dict]]:
    out = [("factbot", report.factbot)]
    if report.baseline is not None:
        if report.factbot_same_items and report.factbot_same_items["items"] != report.factbot["items"]:
            out.append(("factbot, baseline's items", report.factbot_same_items))
        out.append(("llama-index baseline", report.baseline))
    return out


def rgb_table(report) -> str:
    cols = RGB_COLUMNS[report.mode]
    header = ["system"] + [h for _, h in cols]
    body = [[name] + [fmt(figs.get(k)) for k, _ in cols] for name, figs in rgb_rows(report)]
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in [header] + body)  # fmt: skip


def rgb_funnel_lines(report) -> list[str]:
    from factbot.evals.funnel import LOSSES, STAGE_LABELS, STAGES

    f = report.funnel
    if not f or not f.get("items"):
        return ["funnel: not traced (no item has a passage that holds its answer)"]
    held = ", ".join(f"{STAGE_LABELS[s]} {fmt(f['held'][s])}" for s in STAGES)
    lost = ", ".join(f"{LOSSES[s]} {f['lost_at'][s]}" for s in STAGES if f["lost_at"][s])
    return [
        f"funnel, share of the {f['items']} items with a gold passage whose answer is held in: {held}",
        f"answers lost at: {lost or 'nowhere'}; kept to the end: {f['kept']}",
    ]


def rgb_reasons_line(figures: dict) -> str:
    reasons = figures.get("abstention_reasons") or {}
    return "abstention reasons: " + (", ".join(f"{k} {v}" for k, v in reasons.items()) or "none")


def _rgb_expected(answer) -> str:
    if isinstance(answer, str):
        return answer
    return " AND ".join(a if isinstance(a, str) else " OR ".join(a) for a in answer)


def _rgb_outcome(mode: str, row) -> str:
    """declined / correct / wrong; negatives mode: declined / answered (+true: it stated the true
    answer no passage holds); counterfactual: +fake when the answer states fakeanswer. A "~" marks
    an answer right only under the looser reading (evals/answer_match.py)."""
    if row.abstained:
        return "declined"
    loose = getattr(row, "correct_loose", False)
    if mode == "negatives":
        return "answered+true" if row.correct else "answered+true~" if loose else "answered"
    outcome = "correct" if row.correct else "correct~" if loose else "wrong"
    outcome += "+fake" if mode == "counterfactual" and row.states_fake else ""
    return outcome + "+disagree" if getattr(row, "conflict", False) else outcome


def _rgb_marks(row) -> str:
    from factbot.evals.funnel import Funnel

    return Funnel(**row.funnel).marks() if row.funnel else "-"


def rgb_item_lines(report, width: int = 220) -> list[str]:
    """One line per factbot item: id, funnel marks, outcome, first losing stage, reason, latency, answer."""
    legend = ("no passage holds an answer, so there is no funnel" if report.mode == "negatives" else
              "funnel letters: C candidates, S shortlist, E evidence, R raw reply, F final answer, G final cites gold; "
              "'.' = answer not held there")  # fmt: skip
    lines = [f"per item ({legend}):",
             f"  {'id':>4} {'funnel':6} {'outcome':13} {'lost at':16} {'abstention':20} {'lat':>6} query -> answer"]  # fmt: skip
    for r in report.rows:
        if r.system != "factbot":
            continue
        marks = _rgb_marks(r)
        outcome = _rgb_outcome(report.mode, r)
        head = f"  {r.id:>4} {marks:6} {outcome:13} {(r.lost_at or '-'):16} {(r.reason or '-'):20} {r.latency_s:5.1f}s"
        tail = " ".join(f"{r.query} -> {r.text}".split())
        room = max(width - len(head) - 1, 20)
        lines.append(f"{head} {tail if len(tail) <= room else tail[: room - 4] + ' ...'}")
    return lines


def rgb_claim_lines(report) -> list[str]:
    """--claims: check() on each item's claim, the labels and the CONFLICTING share."""
    c = report.claims
    if not c:
        return []
    labels = ", ".join(f"{k} {v}" for k, v in c["labels"].items())
    return [f"check() on {c['claims']} claims (a sentence of a positive passage that holds the answer): {labels}; "
            f"CONFLICTING {fmt(c['conflicting'])}, with a supporting and a refuting quote {fmt(c['conflicting_with_both_quotes'])}"]  # fmt: skip


def rgb_summary_text(report) -> str:
    lines = [f"RGB suite, {RGB_MODE_TITLES[report.mode]}: {report.n_items} of {report.n_suite_items} items from "
             f"{report.suite_path}; {report.n_passages} passages in {report.collection_dir}", "",
             rgb_table(report), ""]  # fmt: skip
    if report.baseline is not None and report.baseline.get("cites_gold_marked") is not None:
        lines.append(f"baseline 'cites gold' counts its retrieved source nodes; counting only those its [n] "
                     f"markers cite: {fmt(report.baseline['cites_gold_marked'])}")  # fmt: skip
    if report.mode != "negatives":
        lines += rgb_funnel_lines(report)
    lines.append(rgb_reasons_line(report.factbot))
    lines += rgb_claim_lines(report)
    lines += [""] + rgb_item_lines(report)
    base = [r for r in report.rows if r.system == "baseline"]
    if base:
        lines += ["", "baseline per item (gold: a retrieved source node holds the answer; [n]: one its markers cite does):"]
        for r in base:
            head = (f"  {r.id:>4} {_rgb_outcome(report.mode, r):13} gold {'yes' if r.cites_gold else 'no ':3} "
                    f"[n] {'yes' if r.cites_gold_marked else 'no ':3} {r.latency_s:5.1f}s")  # fmt: skip
            tail = " ".join(r.text.split())
            lines.append(f"{head} {tail if len(tail) <= 140 else tail[:136] + ' ...'}")
    if report.answers_given:
        lines += ["", f"answers given ({len(report.answers_given)}), with their quotes:"]
        for a in report.answers_given:
            lines.append(f"- {a['system']} {a['id']} {a['query']}")
            lines.append(textwrap.indent(textwrap.shorten(f"answer: {a['answer']}", 300), "    "))
            lines += [textwrap.indent(textwrap.shorten(f"[{q['n']}] {q['file']}: {q['quote']}", 300), "    ")
                      for q in a["quotes"]]  # fmt: skip
    lines.append(f"time: eval {report.eval_time_s:.0f} s, wall {report.wall_time_s:.0f} s")
    lines += [f"warning: {w}" for w in report.warnings]
    if report.paths:
        lines.append("\nreports: " + ", ".join(report.paths.values()))
    return "\n".join(lines)


def _md_cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def rgb_markdown(report) -> str:
    cols = RGB_COLUMNS[report.mode]
    lines = [f"# factbot RGB suite, {report.started_at}", "",
             f"{RGB_MODE_TITLES[report.mode]}: {report.n_items} of {report.n_suite_items} items from "
             f"`{report.suite_path}` (selection {report.selection}); {report.n_passages} passages, one file each, "
             f"in `{report.collection_dir}`. Eval time {report.eval_time_s:.0f} s, wall time {report.wall_time_s:.0f} s.",
             ""]  # fmt: skip
    lines += ["| system | " + " | ".join(h for _, h in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(fmt(f.get(k)) for k, _ in cols) + " |" for name, f in rgb_rows(report)]
    if report.baseline is not None:
        lines += ["", "Baseline items: " + ", ".join(map(str, report.baseline_ids)) + ". Its *cites gold* counts its "
                  "retrieved source nodes; counting only those its [n] markers cite: "
                  f"{fmt(report.baseline.get('cites_gold_marked'))}."]  # fmt: skip
    if report.mode != "negatives":
        lines += [""] + rgb_funnel_lines(report)
    lines += ["", rgb_reasons_line(report.factbot)] + rgb_claim_lines(report)
    lines += ["", "## Gate", ""] + ([f"- FAIL {f}" for f in report.gate_failures] or
                                    ["All thresholds hold." if report.thresholds else "Not gated."])  # fmt: skip
    lines += [""] + [f"Warning: {w}" for w in report.warnings]
    lines += ["", "## Items", "", "Funnel letters: C candidates, S shortlist, E evidence shown, R raw reply, "
              "F final answer, G final answer cites a gold passage; `.` where the answer is not held.", "",
              "| system | id | query | expected | answer | cited files | funnel | lost at | reason | latency s |",
              "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in report.rows:
        marks = _rgb_marks(r)
        outcome = _rgb_outcome(report.mode, r)
        cited = ", ".join(f"[{c.n}] {c.file}{' (gold)' if c.gold else ''}" for c in r.cited) or "-"
        lines.append(f"| {r.system} | {r.id} | {_md_cell(r.query)} | {_md_cell(_rgb_expected(r.expected))} | "
                     f"{outcome}: {_md_cell(r.text)} | {_md_cell(cited)} | `{marks}` | {r.lost_at or '-'} | "
                     f"{r.reason or '-'} | {r.latency_s:.1f} |")  # fmt: skip
    if report.answers_given:
        lines += ["", f"## Answers given ({len(report.answers_given)})", "",
                  "No passage holds any answer here; check that no answer states a relation its quote does not state.",
                  ""]  # fmt: skip
        for a in report.answers_given:
            lines += [f"### {a['system']} {a['id']}: {_md_cell(a['query'])}", "", f"Answer: {_md_cell(a['answer'])}", ""]
            lines += [f"- [{q['n']}] {q['file']}: {_md_cell(q['quote'])}" for q in a["quotes"]] + [""]
    return "\n".join(lines)


def write_rgb_reports(report, out_dir: Path) -> dict[str, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"rgb-{report.mode}-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = {"json": out_dir / f"{stem}.json", "markdown": out_dir / f"{stem}.md"}
    report.paths = {k: str(p) for k, p in paths.items()}
    paths["json"].write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    paths["markdown"].write_text(rgb_markdown(report), encoding="utf-8")
    return report.paths
