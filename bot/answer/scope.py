"""Decide, before the model runs, that the articles cannot answer: nothing relevant was found,
the question names someone no relevant passage mentions, or the specific things it asks about
(rare names, numbers) never appear together in one passage ("What did Healey say about the
30-day ceasefire?" where Healey and the 30-day ceasefire are in different passages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from factbot.text.matching import content_stems, name_runs, numbers, stem_in, unmatched_names
from factbot.core.types import AbstainReason, Evidence
from factbot.text.parse import proper_names

RARE_SHARE = 0.2  # a name found in more than this share of chunks is the corpus topic, not an anchor


@dataclass(frozen=True)
class OutOfScope:
    reason: AbstainReason  # NO_RELEVANT_PASSAGES, UNKNOWN_ENTITY or NOT_TOGETHER
    message: str


def anchors_apart(question: str, evidence: list[Evidence], chunk_share: Callable[[str], float],
                  confirm: Callable[[str, list[str]], list[str]] | None = None) -> list[str]:  # fmt: skip
    """The question's rare names and numbers, when no single passage holds them all (else []).
    confirm(question, names): the names to keep as anchors (the parse's proper_names)."""
    rare = [(g, " ".join(kept)) for g, kept in name_runs(question) if min(chunk_share(t) for t in g) <= RARE_SHARE]
    nums = numbers(question)
    apart = _apart(rare, nums, evidence)
    if apart and confirm:  # the parse is asked only when the words would decline
        named = set(confirm(question, [written for _, written in rare]))
        apart = _apart([(g, w) for g, w in rare if w in named], nums, evidence)
    return apart


def _apart(rare: list[tuple[frozenset[str], str]], nums: set[str], evidence: list[Evidence]) -> list[str]:
    if len(rare) + len(nums) < 2:
        return []
    for e in evidence:
        around = f"{e.context} {e.text}"
        stems = content_stems(around) | numbers(around)
        # a name is there when its words are, or when the unknown-name check finds it (initials,
        # "U.S." for "US", spelling variants): both checks read names alike
        if all(any(stem_in(t, stems) for t in g) or not unmatched_names(w, around) for g, w in rare) and nums <= stems:
            return []
    return [" ".join(sorted(g)) for g, _ in rare] + sorted(nums)


def out_of_scope(
    question: str, evidence: list[Evidence], relevance: float, min_relevance: float, chunk_share: Callable[[str], float],
    rules: frozenset[str] = frozenset({"unknown_entity", "parsed_names", "not_together"}),
) -> OutOfScope | None:
    """rules: the name checks applied besides the relevance floor (Config.ablate switches them off)."""
    if relevance < min_relevance or not evidence:
        return OutOfScope(
            AbstainReason.NO_RELEVANT_PASSAGES, "The articles do not say: no passage in them is relevant enough."
        )
    unknown = unmatched_names(question, " ".join(e.text for e in evidence)) if "unknown_entity" in rules else []
    if unknown and "parsed_names" in rules:  # the parse confirms (spaCy loads only when a name is missing)
        unknown = proper_names(question, unknown)
    if unknown:
        return OutOfScope(
            AbstainReason.UNKNOWN_ENTITY,
            f"The articles do not say: no passage relevant to the question mentions {' or '.join(unknown)}.",
        )
    confirm = proper_names if "parsed_names" in rules else None
    if "not_together" in rules and anchors_apart(question, evidence, chunk_share, confirm):
        return OutOfScope(
            AbstainReason.NOT_TOGETHER,
            "The articles do not say: they mention what the question names, but never together in one passage.",
        )
    return None
