"""check() on an RGB collection: `factbot eval --suite rgb FILE [--counterfactual] --claims`.

Each item's claim is the first sentence of its positive passages that holds the answer (RGB's
rule) and has five words or more: a sentence one article states. In counterfactual mode a
fact-altered copy of it states another name, number or date, so check() should say CONFLICTING,
with a quote for each side; in noise mode nothing contradicts it, so CONFLICTING is a false
alarm."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from factbot.text.sentences import sentences_in

MIN_CLAIM_WORDS = 5  # shorter lines are list entries and headings ("Apr 20, 2018 ..."), not claims


@dataclass(frozen=True)
class ClaimRow:
    id: int
    claim: str
    label: str
    quotes: tuple[tuple[str, str], ...]  # (stance, quote) of each verified quote
    seconds: float


def claim_of(item, holds_answer) -> str | None:
    for passage in item.positive:
        for _, _, sentence in sentences_in(passage):
            if len(sentence.split()) >= MIN_CLAIM_WORDS and holds_answer(item.answer, sentence):
                return sentence
    return None


def check_all(bot, items, holds_answer, progress: bool) -> list[ClaimRow]:
    from tqdm import tqdm

    rows = []
    for item in tqdm(items, desc="check()", unit="claim", disable=not progress, leave=False):
        claim = claim_of(item, holds_answer)
        if claim is None:
            continue
        v = bot.check(claim)
        rows.append(ClaimRow(item.id, claim, str(v.label), tuple((str(c.stance), c.quote) for c in v.evidence),
                             round(v.timings.total_s, 2)))  # fmt: skip
    return rows


def summarize_claims(rows: list[ClaimRow]) -> dict:
    labels = Counter(r.label for r in rows)
    both = sum(r.label == "CONFLICTING" and {"supports", "refutes"} <= {s for s, _ in r.quotes} for r in rows)
    return {
        "claims": len(rows),
        "labels": dict(labels.most_common()),
        "conflicting": labels["CONFLICTING"] / len(rows) if rows else None,
        "conflicting_with_both_quotes": both / len(rows) if rows else None,
    }
