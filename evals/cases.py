"""The eval items (evals/cases.jsonl) as frozen dataclasses, validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from factbot.core.errors import BadInput
from factbot.evals.jsonl import json_lines

DEFAULT_ITEMS = Path(__file__).resolve().parent / "cases.jsonl"
KINDS = ("question", "unanswerable", "claim")
LABELS = ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING")


@dataclass(frozen=True)
class GoldEvidence:
    doc: str  # file name of the article, e.g. "004_71cfdc51eac5ef26.txt"
    quote: str  # an exact substring of that article's text


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # "question" | "unanswerable" | "claim"
    text: str  # the question, or the claim
    facts: tuple[tuple[str, ...], ...] = ()  # each fact: its accepted variants
    evidence: tuple[GoldEvidence, ...] = ()
    label: str | None = None  # claims only
    tags: tuple[str, ...] = ()

    @property
    def expected(self) -> dict:
        """What a correct result looks like, for failure listings."""
        out: dict = {}
        if self.kind == "question":
            out["facts"] = [list(f) for f in self.facts]
        if self.kind == "unanswerable":
            out["abstain"] = True
        if self.kind == "claim":
            out["label"] = self.label
        if self.evidence:
            out["evidence"] = [{"doc": e.doc, "quote": e.quote} for e in self.evidence]
        return out


def _item(obj: dict, where: str) -> Item:
    kind = obj.get("kind")
    if kind not in KINDS:
        raise BadInput(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}.")
    key = "claim" if kind == "claim" else "question"
    text = obj.get(key)
    if not isinstance(obj.get("id"), str) or not isinstance(text, str) or not text.strip():
        raise BadInput(f"{where}: an item needs a string id and a non-empty {key}.")
    facts = tuple(tuple(v for v in fact) for fact in obj.get("facts", ()))
    if kind == "question" and (not facts or not all(facts) or not obj.get("evidence")):
        raise BadInput(f"{where}: a question needs facts (lists of accepted variants) and gold evidence.")
    label = obj.get("label")
    if kind == "claim" and label not in LABELS:
        raise BadInput(f"{where}: label {label!r} is not one of {', '.join(LABELS)}.")
    try:
        evidence = tuple(GoldEvidence(e["doc"], e["quote"]) for e in obj.get("evidence", ()))
    except (KeyError, TypeError) as e:
        raise BadInput(f"{where}: each evidence entry needs a doc and a quote.") from e
    return Item(obj["id"], kind, text, facts, evidence, label, tuple(obj.get("tags", ())))


def load_items(path: str | Path = DEFAULT_ITEMS) -> list[Item]:
    items, seen = [], set()
    for where, obj in json_lines(path, "Item file", "--items"):
        item = _item(obj, where)
        if item.id in seen:
            raise BadInput(f"{where}: duplicate id {item.id}.")
        seen.add(item.id)
        items.append(item)
    return items


def spread(items: list, n: int) -> list:
    """n items evenly spaced over the list (deterministic), keeping their order."""
    if n >= len(items):
        return list(items)
    return [items[(i * len(items)) // n] for i in range(n)]


def select(
    items: list[Item], ids: list[str] | None = None, kinds: list[str] | None = None, subset: int | None = None
) -> list[Item]:
    """Filter by ids and kinds, then take `subset` items spread over each kind in proportion."""
    if ids:
        known = {i.id for i in items}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise BadInput(f"Unknown item ids: {', '.join(unknown)}.")
        items = [i for i in items if i.id in set(ids)]
    if kinds:
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise BadInput(f"Unknown kinds: {', '.join(bad)}; use {', '.join(KINDS)}.")
        items = [i for i in items if i.kind in kinds]
    if subset is None or subset >= len(items):
        return items
    if subset < 1:
        raise BadInput(f"--subset must be at least 1, not {subset}.")
    by_kind = {k: [i for i in items if i.kind == k] for k in KINDS}
    present = [k for k in KINDS if by_kind[k]]
    quota = {k: max(1, round(subset * len(by_kind[k]) / len(items))) for k in present}
    while sum(quota.values()) > subset:  # rounding up for small kinds can overshoot
        quota[max(quota, key=quota.get)] -= 1
    chosen = {i.id for k in present for i in spread(by_kind[k], quota[k])}
    return [i for i in items if i.id in chosen]
