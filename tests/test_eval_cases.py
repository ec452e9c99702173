"""Validate the hand-written evaluation set evals/cases.jsonl.

Plain pytest + stdlib only; deliberately imports nothing from the project so it
keeps working while bot/ and index/ change.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
CASES_PATH = ROOT / "evals" / "cases.jsonl"
CORPUS_DIR = ROOT / "corpus"

CORPUS_FILES = [
    "000_ea43c841d0afd95c.txt",
    "001_93b11b6d99d7b0f3.txt",
    "002_a866e3e8c53c6af1.txt",
    "003_8114263770172673.txt",
    "004_71cfdc51eac5ef26.txt",
]

KEY_ORDER = {
    "question": ["id", "kind", "question", "facts", "evidence", "tags"],
    "unanswerable": ["id", "kind", "question", "tags"],
    "claim": ["id", "kind", "claim", "label", "evidence", "tags"],
}
LABELS = {"SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"}
ID_PREFIX = {"question": "q", "unanswerable": "u", "claim": "c"}

MIN_QUESTIONS = 34
MIN_QUESTIONS_PER_DOC = 5
MIN_UNANSWERABLE = 14
MIN_NEAR_MISS = 6
MIN_CLAIMS = 24
MIN_PER_LABEL = {"SUPPORTED": 8, "REFUTED": 8, "NOT_ENOUGH_INFO": 5}

# Site furniture that must never serve as evidence.
FURNITURE = [
    "Skip to content",
    "Home Latest",
    "Exit mobile version",
    "Read also:",
    "Written by Published",
    "Photo AI Imegen",
]

QUOTE_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
})


def norm(text: str) -> str:
    """Lower-case, straighten curly quotes/apostrophes, collapse whitespace."""
    return re.sub(r"\s+", " ", text.translate(QUOTE_MAP)).strip().lower()


def load_cases():
    assert CASES_PATH.exists(), f"missing {CASES_PATH}"
    cases = []
    with CASES_PATH.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.strip(), f"blank line {lineno} in cases.jsonl"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - message only
                pytest.fail(f"line {lineno}: invalid JSON: {exc}")
            assert isinstance(obj, dict), f"line {lineno}: not an object"
            cases.append(obj)
    return cases


CASES = load_cases()
CORPUS = {name: (CORPUS_DIR / name).read_text(encoding="utf-8") for name in CORPUS_FILES}
BY_KIND = {kind: [c for c in CASES if c.get("kind") == kind] for kind in KEY_ORDER}


def case_id(case):
    return case.get("id", "?")


def test_corpus_files_present():
    assert sorted(p.name for p in CORPUS_DIR.glob("*.txt")) == sorted(CORPUS_FILES)


def test_ids_unique():
    counts = Counter(c.get("id") for c in CASES)
    dupes = [i for i, n in counts.items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_questions_and_claims_unique():
    texts = [norm(c.get("question") or c.get("claim") or "") for c in CASES]
    dupes = [t for t, n in Counter(texts).items() if n > 1]
    assert not dupes, f"duplicate question/claim texts: {dupes}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_schema(case):
    kind = case.get("kind")
    assert kind in KEY_ORDER, f"invalid kind {kind!r}"
    assert list(case.keys()) == KEY_ORDER[kind], f"keys/order {list(case.keys())} != {KEY_ORDER[kind]}"
    assert isinstance(case["id"], str) and re.fullmatch(ID_PREFIX[kind] + r"\d{2,}", case["id"])
    text_key = "claim" if kind == "claim" else "question"
    assert isinstance(case[text_key], str) and case[text_key].strip()
    tags = case["tags"]
    assert isinstance(tags, list) and tags, "tags must be a non-empty list"
    assert all(isinstance(t, str) and t.strip() for t in tags)
    if kind == "claim":
        assert case["label"] in LABELS, f"invalid label {case['label']!r}"


@pytest.mark.parametrize("case", BY_KIND["question"], ids=case_id)
def test_question_facts(case):
    facts = case["facts"]
    assert isinstance(facts, list) and 1 <= len(facts) <= 3, "need 1-3 facts"
    for fact in facts:
        assert isinstance(fact, list) and fact, f"fact must be a non-empty list: {fact!r}"
        for variant in fact:
            assert isinstance(variant, str) and variant.strip(), f"empty variant in {fact!r}"
        assert len(set(map(norm, fact))) == len(fact), f"duplicate variants in {fact!r}"


def _check_evidence(evidence):
    assert isinstance(evidence, list)
    for ev in evidence:
        assert isinstance(ev, dict) and list(ev.keys()) == ["doc", "quote"], ev
        assert ev["doc"] in CORPUS, f"unknown doc {ev['doc']!r}"
        quote = ev["quote"]
        assert isinstance(quote, str) and len(quote.strip()) >= 20, f"quote too short: {quote!r}"
        assert quote == quote.strip(), f"quote has surrounding whitespace: {quote!r}"
        assert quote in CORPUS[ev["doc"]], f"quote not an exact substring of {ev['doc']}: {quote!r}"
        for junk in FURNITURE:
            assert junk.lower() not in quote.lower(), f"site furniture used as evidence: {quote!r}"
    pairs = [(ev["doc"], ev["quote"]) for ev in evidence]
    assert len(set(pairs)) == len(pairs), "duplicate evidence entries"


@pytest.mark.parametrize("case", BY_KIND["question"] + BY_KIND["claim"], ids=case_id)
def test_evidence_is_exact(case):
    evidence = case["evidence"]
    _check_evidence(evidence)
    if case["kind"] == "question" or case["label"] in {"SUPPORTED", "REFUTED"}:
        assert evidence, "gold evidence required"


@pytest.mark.parametrize("case", BY_KIND["question"], ids=case_id)
def test_facts_present_in_evidence(case):
    gold = norm(" ".join(ev["quote"] for ev in case["evidence"]))
    for fact in case["facts"]:
        assert any(norm(v) in gold for v in fact), f"no variant of {fact!r} occurs in the gold evidence"


def test_minimum_counts():
    counts = Counter(c["kind"] for c in CASES)
    assert counts["question"] >= MIN_QUESTIONS, counts
    assert counts["unanswerable"] >= MIN_UNANSWERABLE, counts
    assert counts["claim"] >= MIN_CLAIMS, counts
    near_miss = sum("near-miss" in c["tags"] for c in BY_KIND["unanswerable"])
    assert near_miss >= MIN_NEAR_MISS, f"only {near_miss} near-miss unanswerable questions"
    unknown = sum("unknown-entity" in c["tags"] for c in BY_KIND["unanswerable"])
    assert unknown >= 1, "need unanswerable questions about unknown entities too"
    labels = Counter(c["label"] for c in BY_KIND["claim"])
    for label, minimum in MIN_PER_LABEL.items():
        assert labels[label] >= minimum, f"{label}: {labels[label]} < {minimum}"


def test_questions_cover_every_article():
    per_doc = Counter()
    for case in BY_KIND["question"]:
        for doc in {ev["doc"] for ev in case["evidence"]}:
            per_doc[doc] += 1
    for doc in CORPUS_FILES:
        assert per_doc[doc] >= MIN_QUESTIONS_PER_DOC, f"{doc}: only {per_doc[doc]} questions"


def test_first_item_is_kellogg_question():
    first = CASES[0]
    assert first["id"] == "q01" and first["kind"] == "question"
    assert first["question"] == "What did Kellogg clarify?"
    flat = {norm(v) for fact in first["facts"] for v in fact}
    for needed in ("resiliency force", "zones of responsibility", "no u.s. troops"):
        assert needed in flat
    assert {ev["doc"] for ev in first["evidence"]} == {"004_71cfdc51eac5ef26.txt"}
    assert len(first["evidence"]) == 2


def test_product_brief_claims():
    claims = {norm(c["claim"]): c["label"] for c in BY_KIND["claim"]}
    assert claims.get(norm("John Healey called the coalition's plans unclear.")) == "REFUTED"
    assert claims.get(norm("Peskov said the summit would happen right away.")) == "REFUTED"
    assert claims.get(norm("The Times reported a partition plan attributed to Kellogg.")) == "SUPPORTED"
