"""The FEVER / Climate-FEVER suite: `factbot eval --suite fever PATH [--sample N] [--part fit|report|all]`.

Climate-FEVER (Diggelmann et al., "CLIMATE-FEVER: A Dataset for Verification of Real-World
Climate Claims", 2020) pairs real-world claims with Wikipedia evidence sentences. This module
reads that format, writes one collection of every evidence sentence (one file per `article`,
all claims in one index, as a real collection would be), checks every claim with factbot and
scores the verdicts: accuracy, balanced accuracy, recall per label, the confusion matrix and the
median seconds per verdict. DISPUTED claims map to CONFLICTING and are reported apart.

The file format, one JSON object a line (other keys are ignored):

    {"claim_id": "1607", "claim": "CO2 limits won't cool the planet.",
     "claim_label": "NOT_ENOUGH_INFO",
     "evidences": [{"article": "Carbon dioxide", "evidence_id": "Carbon dioxide:191",
                    "evidence": "Less energy reaches the upper atmosphere, ...",
                    "evidence_label": "NOT_ENOUGH_INFO"}, ...]}

- claim_label: SUPPORTS, REFUTES, NOT_ENOUGH_INFO or DISPUTED;
- evidence_label: SUPPORTS, REFUTES or NOT_ENOUGH_INFO (each sentence against this claim);
- evidence_id "Article:k" orders an article's sentences (k) in its file.

Fit and report parts: every claim falls in one part by a hash of its claim_id (part_of), so the
verdict (evals/fit_claim_verdict.py) is fitted on the fit part only and reported on the other."""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from factbot.core.errors import BadInput
from factbot.evals.jsonl import unique_records
from factbot.evals.suite_files import sync_folder
from factbot.core.types import Label

CLAIM_LABELS = ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO", "DISPUTED")
EVIDENCE_LABELS = ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO")
EXPECTED = {
    "SUPPORTS": Label.SUPPORTED,
    "REFUTES": Label.REFUTED,
    "NOT_ENOUGH_INFO": Label.NOT_ENOUGH_INFO,
    "DISPUTED": Label.CONFLICTING,
}
MAIN_LABELS = (Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO)  # scored; CONFLICTING apart
ALL_LABELS = MAIN_LABELS + (Label.CONFLICTING,)
PARTS = ("fit", "report", "all")
SPLIT_SALT = "climate-fever:"  # part_of hashes SPLIT_SALT + claim_id
DEFAULT_SEED = 13
DEFAULT_FEVER_THRESHOLDS = Path(__file__).resolve().parent / "thresholds_fever.json"
SUFFIX = ".txt"


# The format ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeverEvidence:
    article: str
    text: str
    label: str  # SUPPORTS | REFUTES | NOT_ENOUGH_INFO, this sentence against its claim
    evidence_id: str = ""

    @property
    def position(self) -> int:
        """k of "Article:k" (the sentence's place in its article), else a large number."""
        m = re.search(r":(\d+)$", self.evidence_id)
        return int(m.group(1)) if m else 10**9


@dataclass(frozen=True)
class FeverClaim:
    claim_id: str
    claim: str
    label: str  # SUPPORTS | REFUTES | NOT_ENOUGH_INFO | DISPUTED
    evidences: tuple[FeverEvidence, ...] = ()

    @property
    def expected(self) -> Label:
        return EXPECTED[self.label]

    @property
    def part(self) -> str:
        return part_of(self.claim_id)


def part_of(claim_id: str) -> str:
    """"fit" or "report", fixed by a hash of the claim id (about half each)."""
    digest = hashlib.sha256((SPLIT_SALT + str(claim_id)).encode("utf-8")).hexdigest()
    return "report" if int(digest, 16) % 2 else "fit"


def parse_claim(obj, where: str) -> FeverClaim:
    if not isinstance(obj, dict):
        raise BadInput(f"{where}: each line must be a JSON object with claim_id, claim, claim_label, evidences.")
    cid = obj.get("claim_id")
    if isinstance(cid, bool) or not isinstance(cid, (str, int)) or not str(cid).strip():
        raise BadInput(f"{where}: claim_id must be a non-empty string or number, not {cid!r}.")
    claim = obj.get("claim")
    if not isinstance(claim, str) or not claim.strip():
        raise BadInput(f"{where}: claim must be a non-empty string.")
    label = obj.get("claim_label")
    if label not in CLAIM_LABELS:
        raise BadInput(f"{where}: claim_label must be one of {', '.join(CLAIM_LABELS)}, not {label!r}.")
    raw = obj.get("evidences", [])
    if not isinstance(raw, list):
        raise BadInput(f"{where}: evidences must be a list.")
    evidences = []
    for k, e in enumerate(raw):
        if not isinstance(e, dict):
            raise BadInput(f"{where}: evidence {k} must be an object with article, evidence, evidence_label.")
        article, text, elabel = e.get("article"), e.get("evidence"), e.get("evidence_label")
        if not isinstance(article, str) or not article.strip() or not isinstance(text, str) or not text.strip():
            raise BadInput(f"{where}: evidence {k} needs a non-empty article and evidence text.")
        if elabel not in EVIDENCE_LABELS:
            raise BadInput(f"{where}: evidence {k} has evidence_label {elabel!r}; use one of {', '.join(EVIDENCE_LABELS)}.")
        evidences.append(FeverEvidence(article.strip(), " ".join(text.split()), elabel, str(e.get("evidence_id") or "")))
    return FeverClaim(str(cid).strip(), " ".join(claim.split()), label, tuple(evidences))


def load_fever(path: str | Path) -> list[FeverClaim]:
    """Every claim of a FEVER-format file; BadInput naming the file and line of the first bad one."""
    option = "PATH to a Climate-FEVER-format file, i.e."
    return unique_records(path, option, parse_claim, lambda c: c.claim_id, "claim_id", "claims")


# Selection -----------------------------------------------------------------------------------
def select_part(claims: list[FeverClaim], part: str) -> list[FeverClaim]:
    if part not in PARTS:
        raise BadInput(f"--part must be one of {', '.join(PARTS)}, not {part!r}.")
    return list(claims) if part == "all" else [c for c in claims if c.part == part]


def balanced_sample(claims: list[FeverClaim], n: int, seed: int = DEFAULT_SEED, disputed: bool = False) -> list[FeverClaim]:
    """n claims, n // 3 of each of SUPPORTED, REFUTED and NOT_ENOUGH_INFO (the remainder to the
    first labels), drawn with a fixed seed, in file order. A label with too few claims gives all
    it has. disputed: also n // 3 DISPUTED claims, scored apart."""
    if n < 3:
        raise BadInput(f"--sample must be at least 3 (one claim per label), not {n}.")
    by_label: dict[str, list[FeverClaim]] = {}
    for c in claims:
        by_label.setdefault(c.label, []).append(c)
    main = ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO")
    quota = {lab: n // 3 + (1 if k < n % 3 else 0) for k, lab in enumerate(main)}
    if disputed:
        quota["DISPUTED"] = n // 3
    rng = random.Random(seed)
    chosen: set[str] = set()
    for lab, q in quota.items():
        pool = sorted(by_label.get(lab, []), key=lambda c: c.claim_id)
        chosen |= {c.claim_id for c in (rng.sample(pool, q) if q < len(pool) else pool)}
    return [c for c in claims if c.claim_id in chosen]


# The collection ------------------------------------------------------------------------------
def article_file(article: str) -> str:
    """A file name for an article: its title made safe, plus a short hash (titles differing only
    in punctuation stay apart)."""
    safe = re.sub(r"[^A-Za-z0-9]+", "_", article).strip("_")[:60] or "article"
    return f"{safe}_{hashlib.sha256(article.encode('utf-8')).hexdigest()[:8]}{SUFFIX}"


def collection(claims: list[FeverClaim]) -> dict[str, str]:
    """{file name: text}: one file per article, its title on the first line, then each of its
    evidence sentences once, in article order, one paragraph each."""
    sentences: dict[str, dict[str, int]] = {}
    for c in claims:
        for e in c.evidences:
            pos = sentences.setdefault(e.article, {})
            pos[e.text] = min(pos.get(e.text, e.position), e.position)
    out = {}
    for article, pos in sentences.items():
        body = "\n\n".join(t for t, _ in sorted(pos.items(), key=lambda kv: (kv[1], kv[0])))
        out[article_file(article)] = f"{article}\n\n{body}\n"
    return out


def write_collection(files: dict[str, str], folder: Path) -> dict[str, int]:
    """Make `folder` hold exactly these files (the next ingest drops the others from the index)."""
    return sync_folder(files, folder)


def suite_name(suite_path: str | Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_]+", "-", Path(suite_path).stem).strip("-_")[:24] or "suite"
    return f"fever-{stem}"


def suite_bot(config, suite_path: str | Path, claims: list[FeverClaim] | None = None, progress: bool = False):
    """A FactBot over the suite's collection, with its own data dir under config.suites_dir,
    synced with the collection (written and ingested incrementally). Returns (bot, folder, ingest)."""
    from factbot.pipeline.factbot import FactBot

    claims = claims if claims is not None else load_fever(suite_path)
    root = config.suites_dir / suite_name(suite_path)
    folder = root / "articles"
    written = write_collection(collection(claims), folder)
    bot = FactBot(config.with_(collection=f"{config.collection}-{suite_name(suite_path)}"), corpus=folder,
                  data_dir=root / "index", auto_ingest=False)  # fmt: skip
    report = bot.ingest(folder, progress=progress)
    return bot, folder, {**written, "chunks": report.chunk_count, "seconds": round(report.seconds, 1),
                         "skipped": [f"{p}: {why}" for p, why in report.skipped]}  # fmt: skip


# Scoring -------------------------------------------------------------------------------------
def confusion(gold: list[Label], pred: list[Label], labels=ALL_LABELS) -> dict[str, dict[str, int]]:
    """{gold label: {predicted label: count}} over every label given (zeros included)."""
    out = {str(g): {str(p): 0 for p in labels} for g in labels}
    for g, p in zip(gold, pred, strict=True):
        out.setdefault(str(g), {str(x): 0 for x in labels})
        out[str(g)][str(p)] = out[str(g)].get(str(p), 0) + 1
    return out


def recall_per_label(gold: list[Label], pred: list[Label]) -> dict[str, float]:
    """Share of each gold label's claims given that label (only labels present in gold)."""
    totals = Counter(gold)
    hits = Counter(g for g, p in zip(gold, pred, strict=True) if g == p)
    return {str(lab): hits[lab] / totals[lab] for lab in ALL_LABELS if totals[lab]}


def balanced_accuracy(gold: list[Label], pred: list[Label]) -> float | None:
    """Mean of the per-label recalls (labels present in gold)."""
    r = recall_per_label(gold, pred)
    return sum(r.values()) / len(r) if r else None


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class FeverRow:
    claim_id: str
    claim: str
    expected: str
    predicted: str
    correct: bool
    confidence: float
    explanation: str
    latency_s: float
    quotes: tuple[dict, ...] = ()  # {"file", "quote", "stance", "gold": its label for this claim or ""}
    gold_found: bool = False  # a quote is one of this claim's labelled evidence sentences
    error: str = ""


def score(rows: list[FeverRow]) -> dict:
    """The main figures over SUPPORTED/REFUTED/NOT_ENOUGH_INFO rows; DISPUTED apart."""
    main = [r for r in rows if r.expected != str(Label.CONFLICTING)]
    disputed = [r for r in rows if r.expected == str(Label.CONFLICTING)]
    gold = [Label(r.expected) for r in main]
    pred = [Label(r.predicted) for r in main]
    lat = [r.latency_s for r in rows if not r.error]
    out = {
        "claims": len(main),
        "accuracy": sum(r.correct for r in main) / len(main) if main else None,
        "balanced_accuracy": balanced_accuracy(gold, pred),
        "recall": recall_per_label(gold, pred),
        "confusion": confusion(gold, pred),
        "median_s": median(lat),
        "p95_s": sorted(lat)[max(0, int(round(0.95 * len(lat))) - 1)] if lat else None,
        "errors": sum(bool(r.error) for r in rows),
    }
    for lab in MAIN_LABELS:
        out[f"recall_{lab}"] = out["recall"].get(str(lab))
    present = [out["recall"][str(lab)] for lab in MAIN_LABELS if str(lab) in out["recall"]]
    out["min_recall"] = min(present) if present else None
    if disputed:
        out["disputed"] = {
            "claims": len(disputed),
            "conflicting": sum(r.predicted == str(Label.CONFLICTING) for r in disputed) / len(disputed),
            "predicted": dict(Counter(r.predicted for r in disputed).most_common()),
        }
    return out


# The run -------------------------------------------------------------------------------------
@dataclass
class FeverReport:
    started_at: str
    suite_path: str
    selection: dict  # part, sample, seed, limit, ids
    n_suite_claims: int
    n_claims: int
    n_files: int
    collection_dir: str
    check_mode: str
    factbot: dict
    eval_time_s: float
    ingest: dict = field(default_factory=dict)
    rows: list[FeverRow] = field(default_factory=list)
    gate_failures: list[str] = field(default_factory=list)
    thresholds: str = ""
    paths: dict[str, str] = field(default_factory=dict)

    def figures(self) -> dict:
        return {k: v for k, v in self.factbot.items() if not isinstance(v, dict)}

    def to_dict(self) -> dict:
        return asdict(self)


def _gold_labels(c: FeverClaim) -> dict[str, str]:
    return {e.text: e.label for e in c.evidences}


def check_row(bot, c: FeverClaim) -> FeverRow:
    from factbot.evals.funnel import file_name

    gold = _gold_labels(c)
    t = time.perf_counter()
    try:
        v = bot.check(c.claim)
    except BadInput as e:
        return FeverRow(c.claim_id, c.claim, str(c.expected), str(Label.NOT_ENOUGH_INFO), False, 0.0, "", 0.0, error=str(e))
    latency = time.perf_counter() - t
    quotes = tuple({"file": file_name(q.source), "quote": q.quote, "stance": str(q.stance or ""),
                    "gold": next((lab for s, lab in gold.items() if s in q.quote or q.quote in s), "")}
                   for q in v.evidence)  # fmt: skip
    return FeverRow(
        c.claim_id, c.claim, str(c.expected), str(v.label), v.label == c.expected, float(v.confidence), v.explanation,
        latency, quotes, any(q["gold"] for q in quotes),
    )  # fmt: skip


def run_fever(
    suite_path: str | Path,
    *,
    part: str = "report",
    sample: int | None = None,
    seed: int = DEFAULT_SEED,
    disputed: bool = True,
    limit: int | None = None,
    ids: list[str] | None = None,
    config=None,
    bot=None,
    progress: bool = True,
    out_dir: str | Path | None = None,
    thresholds: str | Path | dict | None = None,
) -> FeverReport:
    """Check the selected claims over the whole suite's collection and score the verdicts.
    part: fit / report / all (see part_of); sample: n claims balanced by label (plus n // 3
    DISPUTED when disputed); limit: the first n selected; ids: these claim ids only."""
    from factbot.core.config import CheckMode, Config

    t0 = time.perf_counter()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    claims = load_fever(suite_path)
    chosen = _select_claims(claims, part, ids, sample, seed, disputed, limit)
    config = config or Config.from_env()
    ingest = {}
    if bot is None:
        bot, folder, ingest = suite_bot(config, suite_path, claims, progress)
    else:
        folder = Path(bot.config.corpus_dir)
    if bot.config.check_mode in (CheckMode.CODE_AND_MODEL, CheckMode.MODEL):
        _ = bot.model  # start the model before timing the first claim
    rows = _check_all(bot, chosen, progress)
    report = FeverReport(
        started_at=started, suite_path=str(suite_path),
        selection={"part": part, "sample": sample, "seed": seed, "limit": limit, "ids": ids, "disputed": disputed},
        n_suite_claims=len(claims), n_claims=len(chosen), n_files=len(list(Path(folder).glob(f"*{SUFFIX}"))),
        collection_dir=str(folder), check_mode=str(bot.config.check_mode), factbot=score(rows),
        eval_time_s=time.perf_counter() - t0, ingest=ingest, rows=rows,
    )  # fmt: skip
    _gate_and_write(report, thresholds, out_dir)
    return report


def _select_claims(claims: list, part: str, ids, sample, seed: int, disputed: bool, limit) -> list:
    """The claims of `part`, then only `ids`, then a balanced sample, then the first `limit`."""
    chosen = select_part(claims, part)
    if ids:
        unknown = sorted(set(ids) - {c.claim_id for c in claims})
        if unknown:
            raise BadInput(f"Unknown claim ids: {', '.join(unknown[:10])}.")
        chosen = [c for c in chosen if c.claim_id in set(ids)]
    if sample is not None:
        chosen = balanced_sample(chosen, sample, seed, disputed=disputed)
    if limit is not None:
        if limit < 1:
            raise BadInput(f"--limit must be at least 1, not {limit}.")
        chosen = chosen[:limit]
    if not chosen:
        raise BadInput("No claims selected: check --part, --ids, --sample and --limit.")
    return chosen


def _check_all(bot, chosen: list, progress: bool) -> list:
    from tqdm import tqdm

    rows = []
    bar = tqdm(chosen, desc="fever", unit="claim", disable=not progress, leave=False)
    for c in bar:
        rows.append(check_row(bot, c))
        bar.set_postfix(correct=sum(r.correct for r in rows))
    return rows


def _gate_and_write(report: FeverReport, thresholds, out_dir) -> None:
    """Gate the report (unless thresholds is None) and write its files (unless out_dir is None)."""
    from factbot.evals.gate import gate, load_thresholds

    if thresholds is not None:
        limits = load_thresholds(thresholds) if isinstance(thresholds, (str, Path)) else thresholds
        report.thresholds = str(thresholds) if isinstance(thresholds, (str, Path)) else "given"
        report.gate_failures = gate(report.figures(), limits)
    if out_dir is not None:
        report.paths = write_reports(report, Path(out_dir))

# Reports -------------------------------------------------------------------------------------
def _f(x) -> str:
    return "-" if x is None else f"{x:.2f}" if isinstance(x, float) else str(x)


def summary_text(report: FeverReport) -> str:
    f = report.factbot
    sel = report.selection
    lines = [
        f"FEVER suite {report.suite_path}: {report.n_claims} of {report.n_suite_claims} claims "
        f"(part {sel['part']}" + (f", balanced sample {sel['sample']}, seed {sel['seed']}" if sel["sample"] else "")
        + f"), {report.n_files} article files, check mode {report.check_mode}",
        f"  accuracy {_f(f['accuracy'])} over {f['claims']} claims; balanced accuracy {_f(f['balanced_accuracy'])}",
        "  recall: " + ", ".join(f"{k} {_f(v)}" for k, v in f["recall"].items() if k != str(Label.CONFLICTING)),
        f"  median {_f(f['median_s'])} s per verdict (p95 {_f(f['p95_s'])} s); errors {f['errors']}",
        "  confusion (rows gold, columns predicted):",
        "    " + " ".join(f"{str(lab)[:10]:>10}" for lab in ALL_LABELS),
    ]
    for g in MAIN_LABELS:
        row = f["confusion"].get(str(g), {})
        lines.append(f"    {str(g)[:16]:<16} " + " ".join(f"{row.get(str(p), 0):>10}" for p in ALL_LABELS))
    if "disputed" in f:
        d = f["disputed"]
        lines.append(f"  DISPUTED (apart): {d['claims']} claims, CONFLICTING given {_f(d['conflicting'])}; "
                     f"predicted {d['predicted']}")  # fmt: skip
    if report.paths:
        lines.append(f"  report: {report.paths.get('json')}")
    return "\n".join(lines)


def write_reports(report: FeverReport, out_dir: Path) -> dict[str, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "fever-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = {"json": out_dir / f"{stem}.json", "text": out_dir / f"{stem}.txt"}
    report.paths = {k: str(p) for k, p in paths.items()}
    paths["json"].write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    paths["text"].write_text(summary_text(report) + "\n", encoding="utf-8")
    return report.paths
