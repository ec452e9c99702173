"""bot/claims/entailed.py without the verifier: given the verifier's probabilities for each
evidence sentence (written by hand here: a FAKE verifier), the verdict's control flow: the label
the fitted regression gives, CONFLICTING across articles, explanations that quote and give the
probability, citations at the sentence's span."""

import numpy as np
import pytest

from factbot.claims import entailed as E
from factbot.claims.entailed import Linear, SentenceRow
from factbot.core.types import Evidence, Label, Stance
from factbot.verify.verifier import Entailment


def row(doc: str, text: str, start: int = 0) -> SentenceRow:
    e = Evidence(n=1, doc_id=doc, title=f"Title {doc}", source=f"{doc}.txt", text=text, start=start,
                 end=start + len(text), relevance=0.7)  # fmt: skip
    return SentenceRow(e, start, start + len(text), text, "")


def scored(doc: str, text: str, e: float, c: float) -> E.Scored:
    return E.Scored(row(doc, text), Entailment(e, c, round(1 - e - c, 6)))


# A hand-set regression: SUPPORTED follows e_max, REFUTED c_max, NOT_ENOUGH_INFO neither.
COEF = np.zeros((3, len(E.FEATURES)))
COEF[0, 0], COEF[1, 1], COEF[2, 0], COEF[2, 1] = 8.0, 8.0, -4.0, -4.0
FIT = E.VerdictFit(Linear(E.FEATURES, np.zeros(7), np.ones(7), COEF, np.array([-4.0, -4.0, 2.0]),
                          tuple(str(x) for x in E.LABELS)), conflict=0.8, meta={})  # fmt: skip


def test_a_sentence_that_entails_the_claim_supports_it():
    v = E.decide([scored("a", "The council approved the budget.", 0.95, 0.02),
                  scored("a", "It rained.", 0.05, 0.05)], 0.8, FIT)  # fmt: skip
    assert v.label == Label.SUPPORTED
    assert "“The council approved the budget.”" in v.explanation and "entailed 0.95" in v.explanation
    (r, stance, p), = v.quotes
    assert (r.text, stance, p) == ("The council approved the budget.", Stance.SUPPORTS, 0.95)
    assert 0.5 < v.confidence <= 1.0 and abs(sum(v.probs.values()) - 1) < 1e-9


def test_a_contradicting_sentence_refutes_it_and_is_quoted():
    v = E.decide([scored("a", "The council rejected the budget.", 0.03, 0.93)], 0.8, FIT)
    assert v.label == Label.REFUTED and "contradicted 0.93" in v.explanation
    assert E.citations(v)[0].stance == Stance.REFUTES and E.citations(v)[0].quote == "The council rejected the budget."


def test_neither_is_not_enough_info_quoting_the_closest():
    v = E.decide([scored("a", "The mayor spoke on Monday.", 0.2, 0.1)], 0.8, FIT)
    assert v.label == Label.NOT_ENOUGH_INFO and v.quotes[0][1] == Stance.RELATED


def test_one_article_states_it_and_another_contradicts_it_strongly_conflicting():
    v = E.decide([scored("a", "The council approved the budget.", 0.9, 0.05),
                  scored("b", "The council rejected the budget.", 0.05, 0.85)], 0.8, FIT)  # fmt: skip
    assert v.label == Label.CONFLICTING
    assert [s for _, s, _ in v.quotes] == [Stance.SUPPORTS, Stance.REFUTES]


@pytest.mark.parametrize("other_doc, c", [("a", 0.85), ("b", 0.6)])
def test_no_conflict_within_one_article_or_below_the_threshold(other_doc, c):
    v = E.decide([scored("a", "The council approved the budget.", 0.9, 0.05),
                  scored(other_doc, "The council rejected the budget.", 0.05, c)], 0.8, FIT)  # fmt: skip
    assert v.label != Label.CONFLICTING


def test_nothing_found_is_not_enough_info():
    assert E.decide([], 0.2, FIT).label == Label.NOT_ENOUGH_INFO


def test_the_shipped_fit_reads_and_matches_the_features():
    fit = E.load_fit()
    assert fit.linear.names == E.FEATURES and 0.5 <= fit.conflict <= 1.0
