"""Scoring, in plain deterministic Python: no model judges any output.

Every system under test (factbot, the llama-index baseline) is first mapped to a `Reply`; the
functions here score Replies against the gold items and aggregate the scores into figures."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from factbot.evals.cases import LABELS, Item
from factbot.text.markers import cited_numbers, strip_markers
from factbot.text import matching
from factbot.text.matching import content_stems, numbers, overlap
from factbot.text.sentences import sentences_in

SUPPORT_SHARE = 0.6  # share of a sentence's content words its cited quote must contain


# Inputs --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    doc: str  # article file name
    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.doc == other.doc and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Cited:
    """One citation as the reader sees it: its number, where it points, what it quotes."""

    n: int
    doc: str  # file name; "" when the citation points at nothing (e.g. [5] of 4 sources)
    start: int  # -1 when the quoted text could not be located in the document
    end: int
    quote: str

    @property
    def span(self) -> Span | None:
        return Span(self.doc, self.start, self.end) if self.doc and self.start >= 0 else None


@dataclass(frozen=True)
class Reply:
    """What a system returned for one question, in system-neutral terms."""

    text: str  # with [n] markers
    abstained: bool
    citations: tuple[Cited, ...] = ()
    latency_s: float = 0.0
    first_token_s: float | None = None
    reason: str = ""
    shown: tuple[Span, ...] = ()  # the passages the model was shown (a retrieval diagnostic)
    raw_text: str = ""  # the model's reply before checks, when the system reports it
    dropped: tuple[str, ...] = ()  # what the system's own checks removed, and why
    conflict: bool = False  # the reply says its sources disagree (factbot: Answer.conflicts)


# Text matching -------------------------------------------------------------------------------
def match_words(text: str) -> str:
    """The form facts are matched in: lowercase words and numbers joined by single spaces.
    Quotes and dashes are straightened (factbot.text.matching.normalize), then every punctuation
    mark becomes a space: "No U.S. troops—at ALL" -> "no u s troops at all"."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", matching.normalize(text).lower()).split())


normalize = match_words  # its older name (matching.normalize is another thing: it only straightens)


def fact_found(variants: tuple[str, ...] | list[str], text: str) -> bool:
    """Any accepted variant occurs in the text as whole words (after match_words on both)."""
    haystack = f" {match_words(strip_markers(text))} "
    return any(f" {match_words(v)} " in haystack for v in variants if match_words(v))


def missing_facts(facts, text: str) -> list[tuple[str, ...]]:
    return [tuple(f) for f in facts if not fact_found(f, text)]


def supports(sentence: str, quote: str) -> bool:
    """The quote contains what the sentence states: >= 60% of its content words, all its numbers."""
    stems = content_stems(sentence)
    if not stems:
        return False  # a sentence that states nothing cannot be backed
    return overlap(stems, content_stems(quote)) >= SUPPORT_SHARE and numbers(sentence) <= numbers(quote)


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Offsets of the quote's first exact occurrence in text."""
    i = text.find(quote) if quote else -1
    return (i, i + len(quote)) if i >= 0 else None


def marked_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The answer's sentences (markers removed) with the [n] numbers each carries.
    A sentence that is only markers ("... troops. [1]") gives them to the sentence before."""
    out: list[tuple[str, tuple[int, ...]]] = []
    for _, _, piece in sentences_in(text):
        ns = cited_numbers(piece)
        plain = strip_markers(piece).strip()
        if not re.search(r"[A-Za-z0-9]", plain):
            if out:
                out[-1] = (out[-1][0], out[-1][1] + ns)
            elif ns:
                out.append(("", ns))
            continue
        out.append((plain, ns))
    return out


# Per-item scores -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CitationUse:
    """One [n] in one sentence, judged."""

    n: int
    sentence: str  # "" for a listed citation that no sentence uses
    cited: Cited | None  # None: the number points at no citation
    on_gold: bool  # its span overlaps a gold evidence span
    supports: bool  # its quote contains what the sentence states

    @property
    def precise(self) -> bool:
        return self.on_gold or self.supports


def citation_uses(reply: Reply, gold: tuple[Span, ...]) -> list[CitationUse]:
    if reply.abstained:
        return []
    by_n = {c.n: c for c in reply.citations}
    uses, used = [], set()
    for sentence, ns in marked_sentences(reply.text):
        for n in dict.fromkeys(ns):
            c = by_n.get(n)
            used.add(n)
            on_gold = bool(c and c.span and any(c.span.overlaps(g) for g in gold))
            uses.append(CitationUse(n, sentence, c, on_gold, bool(c and sentence and supports(sentence, c.quote))))
    for c in reply.citations:  # listed under the answer but never marked in it
        if c.n not in used:
            uses.append(CitationUse(c.n, "", c, bool(c.span and any(c.span.overlaps(g) for g in gold)), False))
    return uses


@dataclass(frozen=True)
class Scored:
    """One question or unanswerable item, scored."""

    id: str
    kind: str
    abstained: bool
    correct: bool | None  # questions: all facts present and not abstained
    missing: tuple[tuple[str, ...], ...]
    uses: tuple[CitationUse, ...]
    cites_gold: bool | None  # answered questions: some citation overlaps gold evidence
    latency_s: float
    first_token_s: float | None
    gold_shown: tuple[int, int] | None = None  # questions: (gold quotes the model was shown, gold quotes)
    conflict: bool = False  # it reported that the sources disagree

    @property
    def passed(self) -> bool:
        if self.kind == "unanswerable":
            return self.abstained
        return bool(self.correct and self.cites_gold and all(u.precise for u in self.uses))


def score_reply(item: Item, reply: Reply, gold: tuple[Span, ...]) -> Scored:
    uses = tuple(citation_uses(reply, gold))
    correct = missing = cites_gold = gold_shown = None
    if item.kind == "question":
        missing = tuple(missing_facts(item.facts, reply.text)) if not reply.abstained else tuple(item.facts)
        correct = not reply.abstained and not missing
        if not reply.abstained:
            cites_gold = any(c.span and any(c.span.overlaps(g) for g in gold) for c in reply.citations)
        gold_shown = (sum(any(g.overlaps(s) for s in reply.shown) for g in gold), len(gold))
    return Scored(item.id, item.kind, reply.abstained, correct, missing or (), uses, cites_gold, reply.latency_s,
                  reply.first_token_s, gold_shown, reply.conflict)  # fmt: skip


@dataclass(frozen=True)
class ScoredClaim:
    id: str
    gold: str
    predicted: str
    evidence_on_gold: tuple[bool, ...]  # per quote shown: overlaps a gold span
    has_gold: bool  # SUPPORTED/REFUTED with gold evidence: what it shows can be judged (a
    # NOT_ENOUGH_INFO item's gold quotes are only the nearest text, not evidence for a verdict)
    latency_s: float

    @property
    def passed(self) -> bool:
        return self.gold == self.predicted


def score_verdict(item: Item, label: str, shown: tuple[Span | None, ...], gold: tuple[Span, ...], latency_s: float):
    on_gold = tuple(bool(s and any(s.overlaps(g) for g in gold)) for s in shown)
    judged = bool(gold) and item.label in ("SUPPORTED", "REFUTED")
    return ScoredClaim(item.id, item.label or "", str(label), on_gold, judged, latency_s)


# Aggregates ----------------------------------------------------------------------------------
def rate(flags) -> float | None:
    flags = list(flags)
    return sum(bool(f) for f in flags) / len(flags) if flags else None


def percentile(values, q: float) -> float | None:
    """The q-th percentile, q in [0, 100], None for no values. Linear interpolation between the
    closest ranks: Hyndman & Fan type 7, numpy.percentile's default method="linear" (the same as
    statistics.quantiles(method="inclusive")). [1, 2, 3, 4] -> 2.5 at q=50. The one percentile of
    the evaluation and the benchmark."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def confusion(pairs) -> dict[str, dict[str, int]]:
    """{gold label: {predicted label: count}} over all four labels."""
    table = {g: {p: 0 for p in LABELS} for g in LABELS}
    for gold, predicted in pairs:
        table.setdefault(gold, {p: 0 for p in LABELS})
        table[gold][predicted] = table[gold].get(predicted, 0) + 1
    return table


def summarize(scored: list[Scored]) -> dict:
    questions = [s for s in scored if s.kind == "question"]
    unanswerable = [s for s in scored if s.kind == "unanswerable"]
    uses = [u for s in scored for u in s.uses]
    firsts = [s.first_token_s for s in scored if s.first_token_s is not None]
    cited_chars = [len(u.cited.quote) for u in uses if u.cited]
    gold_shown = [s.gold_shown for s in questions if s.gold_shown and s.gold_shown[1]]
    return {
        "items": len(scored),
        "questions": len(questions),
        "unanswerable": len(unanswerable),
        "answer_correctness": rate(s.correct for s in questions),
        "citation_precision": rate(u.precise for u in uses),
        "citation_recall": rate(s.cites_gold for s in questions if not s.abstained),
        "citation_on_gold": rate(u.on_gold for s in questions for u in s.uses),
        "abstention_accuracy": rate(s.abstained for s in unanswerable),
        "over_refusal": rate(s.abstained for s in questions),
        "conflicts_reported": rate(s.conflict for s in scored),  # the bundled articles agree: false alarms
        "citations": len(uses),
        "mean_cited_chars": statistics.fmean(cited_chars) if cited_chars else None,
        "latency_median_s": percentile([s.latency_s for s in scored], 50),
        "latency_p95_s": percentile([s.latency_s for s in scored], 95),
        "ttft_median_s": percentile(firsts, 50),
        "ttft_items": len(firsts),
        "retrieval_any": rate(shown > 0 for shown, total in gold_shown),
        "retrieval_all": rate(shown == total for shown, total in gold_shown),
    }


def summarize_claims(scored: list[ScoredClaim]) -> dict:
    shown = [x for s in scored if s.has_gold for x in s.evidence_on_gold]
    return {
        "claims": len(scored),
        "verdict_accuracy": rate(s.passed for s in scored),
        "evidence_precision": rate(shown),
        "confusion": confusion((s.gold, s.predicted) for s in scored),
        "latency_median_s": percentile([s.latency_s for s in scored], 50),
        "latency_p95_s": percentile([s.latency_s for s in scored], 95),
    }
