"""The answer funnel: at which stage of the pipeline a question's answer is still held, and the
first stage that loses it. Pure functions over a Found (factbot.answer.find) and an Answer
(factbot.core.types); no model, no index.

Stages, in pipeline order:
- candidates: the passages the retrievers returned;
- shortlist: the candidates whose sentences were scored;
- evidence: the numbered evidence shown to the model (Answer.evidence);
- raw_reply: the model's reply before any check (Answer.raw_text);
- final: the checked answer text (Answer.text), not an abstention;
- final_cites_gold: the final answer holds it and cites a gold passage.

A retrieval stage holds gold when the texts it kept from gold files (the files of passages that
hold the answer), taken together, hold the answer: a gold file's chunk or evidence sentences that
leave the answer out do not count. The reply stages are judged on their text alone. `matches` is
the item's answer rule (for RGB: evals.rgb.holds_answer bound to the item's answer)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from factbot.text.markers import strip_markers

STAGES = ("candidates", "shortlist", "evidence", "raw_reply", "final", "final_cites_gold")
STAGE_LABELS = {
    "candidates": "retrieved candidates",
    "shortlist": "shortlist",
    "evidence": "evidence shown",
    "raw_reply": "raw reply",
    "final": "final answer",
    "final_cites_gold": "final answer citing gold",
}
# What losing the answer at a stage means: the stage before it held the answer, this one did not.
LOSSES = {
    "candidates": "retrieval",
    "shortlist": "shortlisting",
    "evidence": "evidence selection",
    "raw_reply": "the model (or an early abstention before it)",
    "final": "the checks (or an abstention)",
    "final_cites_gold": "citation (answer cites no gold passage)",
}

Matches = Callable[[str], bool]


@dataclass(frozen=True)
class Funnel:
    candidates: bool
    shortlist: bool
    evidence: bool
    raw_reply: bool
    final: bool
    final_cites_gold: bool

    def flags(self) -> dict[str, bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def lost_at(self) -> str | None:
        """The first stage that does not hold the answer; None when every stage holds it."""
        return next((s for s in STAGES if not getattr(self, s)), None)

    def marks(self) -> str:
        """One letter a stage, in STAGES order, '.' where the answer is not held: "CSERFG" held
        throughout, "CS...." lost at evidence selection."""
        return "".join(c if getattr(self, s) else "." for c, s in zip("CSERFG", STAGES))


def file_name(source: str) -> str:
    return Path(source).name if source else ""


def stage_holds(pieces: Iterable[tuple[str, str]], gold_files: frozenset[str] | set[str], matches: Matches) -> bool:
    """pieces: (source path or file name, text). True when the text of the pieces from gold files,
    joined, holds the answer."""
    text = " ".join(t for source, t in pieces if file_name(source) in gold_files)
    return bool(text.strip()) and matches(text)


def reply_holds(text: str, matches: Matches) -> bool:
    """The answer rule on a reply, its [n] markers removed ("Mara [1] Lindqvist" is not split)."""
    return bool(text) and matches(strip_markers(text))


def cites_gold(cited_sources: Iterable[str], gold_files: frozenset[str] | set[str]) -> bool:
    return any(file_name(s) in gold_files for s in cited_sources)


def funnel(gold_files: frozenset[str] | set[str], matches: Matches, found, answer) -> Funnel:
    """Which stages hold the answer for one question: found is what bot.find_evidence returned,
    answer what bot.answer returned for the same question."""
    final = not answer.abstained and reply_holds(answer.text, matches)
    return Funnel(
        candidates=stage_holds(((p.source, p.chunk.text) for p in found.candidates), gold_files, matches),
        shortlist=stage_holds(((p.source, p.chunk.text) for p in found.shortlisted), gold_files, matches),
        evidence=stage_holds(((e.source, e.text) for e in answer.evidence), gold_files, matches),
        raw_reply=reply_holds(answer.raw_text, matches),
        final=final,
        final_cites_gold=final and cites_gold((c.source for c in answer.citations), gold_files),
    )


def totals(funnels: Iterable[Funnel | None]) -> dict:
    """Share of items holding the answer at each stage, and how many were lost at each stage."""
    fs = [f for f in funnels if f is not None]
    lost = Counter(f.lost_at for f in fs if f.lost_at)
    return {
        "items": len(fs),
        "held": {s: (sum(getattr(f, s) for f in fs) / len(fs) if fs else None) for s in STAGES},
        "lost_at": {s: lost.get(s, 0) for s in STAGES},
        "kept": sum(f.lost_at is None for f in fs),
    }
