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
