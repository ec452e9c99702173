"""bot/verify/support.py: answers backed by passages. A scripted verifier (a stand-in, named so)
for the control flow; the shipped verifier for what it reads."""

from __future__ import annotations

from factbot.core.types import Evidence
from factbot.verify.support import answer_backing, entailing_quote
from factbot.verify.verifier import Entailment

SENTENCES = ["The jury met in Bergen.", "Mara Lindqvist won the 2018 Vesper Prize for poetry.", "Tomas Brekke won in 2019."]
DOC = " ".join(SENTENCES)


def passage(n: int, start: int, end: int) -> Evidence:
    cuts = [(DOC.index(s), DOC.index(s) + len(s)) for s in SENTENCES]
    inside = tuple((s, t) for s, t in cuts if start <= s and t <= end)
    return Evidence(n=n, doc_id="vesper", title="Vesper", source="vesper.txt", text=DOC[start:end], start=start, end=end,
                    relevance=0.7, sentences=inside)  # fmt: skip


class ScriptedVerifier:
    """Entailed when the premise holds the word the script names (a stand-in for the model)."""

    def __init__(self, word: str, contradicted: float = 0.0):
        self.word, self.contradicted, self.calls = word, contradicted, 0

    def batch(self, pairs):
        self.calls += 1
        return [Entailment(0.9 if self.word in p else 0.05, self.contradicted, 0.05) for p, _ in pairs]


def test_the_quote_is_the_most_entailing_sentence_of_the_best_passage():
    second_end = DOC.index(SENTENCES[2]) - 1
    evidence = [passage(1, DOC.index(SENTENCES[2]), len(DOC)), passage(2, 0, second_end)]
    got = entailing_quote("Who won the 2018 Vesper Prize for poetry?", "Mara Lindqvist won it.", evidence,
                          ScriptedVerifier("Lindqvist"), 0.5)  # fmt: skip
    assert got is not None and got.evidence.n == 2
    assert DOC[got.start : got.end] == "Mara Lindqvist won the 2018 Vesper Prize for poetry."
    assert got.backing.statement == "Who won the 2018 Vesper Prize for poetry? Mara Lindqvist won it"


def test_no_quote_below_the_threshold_or_when_contradiction_wins():
    evidence = [passage(1, 0, DOC.index(SENTENCES[2]) - 1)]
    assert entailing_quote("Who won?", "Brekke.", evidence, ScriptedVerifier("nobody"), 0.5) is None
    assert entailing_quote("Who won?", "Brekke.", evidence, ScriptedVerifier("Lindqvist", contradicted=0.95), 0.5) is None
    assert entailing_quote("Who won?", "Brekke.", [], ScriptedVerifier("Lindqvist"), 0.5) is None


def test_answer_backing_reads_every_premise_in_one_batch():
    v = ScriptedVerifier("Lindqvist")
    b = answer_backing("Who won the 2018 prize?", "Mara Lindqvist", ["Brekke won in 2019.", DOC], v, 0.5)
    assert b.backed and b.entailed == 0.9 and v.calls == 1
    assert not answer_backing("Who won?", "Mara Lindqvist", [], v, 0.5).backed


def test_the_shipped_verifier_finds_the_sentence_that_answers():
    from factbot.verify.verifier import load_verifier

    evidence = [passage(1, 0, len(DOC))]
    q = "Who won the 2018 Vesper Prize for poetry?"
    got = entailing_quote(q, "Mara Lindqvist won the 2018 Vesper Prize for poetry.", evidence, load_verifier(), 0.5)
    assert got is not None and "Lindqvist" in DOC[got.start : got.end]
    assert entailing_quote(q, "Anna Berg won the 2018 Vesper Prize for poetry.", evidence, load_verifier(), 0.5) is None
