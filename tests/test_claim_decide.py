"""bot.claims without the model: code signals (signals.compare), sentences aligned with a claim
(verdict.align over hand-built Evidence, numpy similarities in place of the embedder), and the
decision from signals plus a given model label (verdict.decide, verdict.model_decision)."""

from __future__ import annotations

import numpy as np
import pytest

from factbot.text.signals import compare
from factbot.claims.verdict import (
    Aligned,
    Decision,
    align,
    as_claim,
    decide,
    is_question,
    model_decision,
    parse_label,
    sentence_texts,
)
from factbot.core.types import Evidence, Label, Stance

MIN_TOPIC = 0.5  # Config.min_claim_topic


def ev(n: int, doc: str, *sentences: str) -> Evidence:
    """Evidence n of document doc: the sentences joined by spaces, with their document spans."""
    text = " ".join(sentences)
    start = 1000 * n
    spans, pos = [], start
    for s in sentences:
        spans.append((pos, pos + len(s)))
        pos += len(s) + 1
    return Evidence(n=n, doc_id=doc, title=f"Title of {doc}", source=f"{doc}.txt", text=text, start=start,
                    end=start + len(text), relevance=0.7, sentences=tuple(spans))  # fmt: skip


def aligned(claim: str, evidence: list[Evidence], sims: list[float] | None = None) -> list[Aligned]:
    n = len(sentence_texts(evidence))
    return align(claim, evidence, np.array(sims if sims is not None else [0.7] * n))


def decided(claim: str, evidence: list[Evidence], label: Label | None = None, n: int | None = None,
            sims: list[float] | None = None) -> Decision:  # fmt: skip
    d = decide(aligned(claim, evidence, sims), label, n, MIN_TOPIC)
    assert isinstance(d, Decision) and isinstance(d.label, Label)
    assert all(isinstance(stance, Stance) for _, stance in d.picks)
    assert 0.0 < d.confidence <= 1.0 and d.explanation
    return d


def picks(d: Decision) -> list[tuple[int, Stance]]:
    return [(a.evidence.n, stance) for a, stance in d.picks]


COST = "Mayor Ortiz said the repairs cost 4 million dollars."
COST_SAME = "Mayor Ortiz said the repairs cost 4 million dollars, less than budgeted."
COST_OTHER = "Mayor Ortiz said the repairs cost 6 million dollars."
APPLES = "Growers in the Tamsin Valley expect a record apple harvest this autumn."
COMETS = "Astronomers at the Kestrel Peak observatory spotted a faint comet."


# decide -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", [None, Label.SUPPORTED, Label.REFUTED])
def test_nothing_on_topic_is_not_enough_info_with_no_picks(label):
    d = decided(COST, [ev(1, "orchard", APPLES), ev(2, "sky", COMETS)], label, 1)
    assert d.label is Label.NOT_ENOUGH_INFO
    assert d.picks == ()


def test_no_evidence_is_not_enough_info():
    d = decide([], Label.SUPPORTED, None, MIN_TOPIC)
    assert d.label is Label.NOT_ENOUGH_INFO and d.picks == ()


@pytest.mark.parametrize(
    "claim, source, why",
    [
        (COST, COST_OTHER, "different number"),
        ("Mayor Ortiz approved the repair budget.", "Mayor Ortiz did not approve the repair budget.", "negation"),
        ("The Kremlin confirmed the summit in Budapest.", "The Kremlin denied the summit in Budapest.", "opposite"),
        (COST, "Governor Hale said the repairs cost 4 million dollars.", "someone else"),
        ("The bridge reopened in March after repairs.", "The bridge reopened in June after repairs.", "different number"),
    ],
    ids=["number", "negation", "opposite-verb", "swapped-name", "month"],
)
@pytest.mark.parametrize("label", [None, Label.REFUTED, Label.SUPPORTED])
def test_a_code_contradiction_refutes(claim, source, why, label):
    d = decided(claim, [ev(1, "bridge", source)], label, 1)
    assert d.label is Label.REFUTED
    assert picks(d) == [(1, Stance.REFUTES)]
    assert why in d.explanation
    assert d.confidence == (0.9 if label is Label.REFUTED else 0.75)  # the model agreeing raises it


def test_refuted_quotes_at_most_two_refuting_sentences():
    evidence = [ev(1, "a", COST_OTHER), ev(2, "b", "Mayor Ortiz said the repairs cost 7 million dollars."),
                ev(3, "c", "Mayor Ortiz said the repairs cost 9 million dollars.")]  # fmt: skip
    d = decided(COST, evidence)
    assert d.label is Label.REFUTED
    assert len(d.picks) == 2 and {s for _, s in d.picks} == {Stance.REFUTES}


PARAPHRASE = "Engineers swapped the rusty cables on the Harbor Bridge."
REPLACED = "Engineers replaced corroded cables on the Harbor Bridge."


def test_a_paraphrase_the_model_calls_supported_is_supported():
    d = decided(PARAPHRASE, [ev(1, "bridge", REPLACED)], Label.SUPPORTED, 1)
    assert d.label is Label.SUPPORTED
    assert picks(d) == [(1, Stance.SUPPORTS)]
    assert d.picks[0][0].text == REPLACED
    assert d.confidence == 0.9


def test_a_paraphrase_alone_does_not_decide():
    # Overlap 4/6: on topic and agreeing, but under the 0.8 code needs to support on its own.
    d = decided(PARAPHRASE, [ev(1, "bridge", REPLACED)])
    assert d.label is Label.NOT_ENOUGH_INFO
    assert picks(d) == [(1, Stance.RELATED)]


def test_a_close_restatement_is_supported_without_the_model():
    d = decided(COST, [ev(1, "bridge", COST_SAME)])
    assert d.label is Label.SUPPORTED and picks(d) == [(1, Stance.SUPPORTS)]
    assert d.confidence == 0.7


def test_model_support_without_the_claims_name_is_not_enough_info():
    # The source names nobody: not "someone else", but it does not say Lena Ortiz did it.
    d = decided("Lena Ortiz praised the engineers who repaired the bridge.",
                [ev(1, "bridge", "The city praised the engineers who repaired the bridge.")], Label.SUPPORTED, 1)  # fmt: skip
    assert d.label is Label.NOT_ENOUGH_INFO
    assert picks(d) == [(1, Stance.RELATED)]


def test_one_article_supports_another_refutes_is_conflicting():
    d = decided(COST, [ev(1, "herald", COST_SAME), ev(2, "courier", COST_OTHER)])
    assert d.label is Label.CONFLICTING
    assert picks(d) == [(1, Stance.SUPPORTS), (2, Stance.REFUTES)]
    assert "different number" in d.explanation


def test_support_and_refutation_in_one_article_are_not_conflicting():
    d = decided(COST, [ev(1, "herald", COST_SAME), ev(2, "herald", COST_OTHER)])
    assert d.label is not Label.CONFLICTING
    assert d.label is Label.SUPPORTED  # the closer sentence wins


REOPENED = "The Harbor Bridge reopened on Monday after repairs."
REOPENED_1 = "The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs."
REOPENED_2 = "The Harbor Bridge was closed for repairs, and it reopened after a delay."


def test_the_model_refuting_with_no_code_signal_picks_the_passage_it_names():
    evidence = [ev(1, "a", REOPENED_1), ev(2, "b", REOPENED_2)]
    d = decided(REOPENED, evidence, Label.REFUTED, 2)
    assert d.label is Label.REFUTED
    assert picks(d) == [(2, Stance.REFUTES)]  # not passage 1, though it aligns better
    assert d.confidence == 0.55


def test_the_model_refuting_an_off_topic_passage_picks_the_best_on_topic():
    d = decided(REOPENED, [ev(1, "a", REOPENED_1), ev(2, "sky", COMETS)], Label.REFUTED, 2)
    assert d.label is Label.REFUTED
    assert picks(d) == [(1, Stance.REFUTES)]


def test_the_model_refuting_without_naming_a_passage_is_not_enough():
    d = decided(REOPENED, [ev(1, "a", REOPENED_1)], Label.REFUTED, None)
    assert d.label is Label.NOT_ENOUGH_INFO
    assert picks(d) == [(1, Stance.RELATED)]


# model_decision ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "label, n, expected_label, expected_picks",
    [
        (Label.SUPPORTED, 2, Label.SUPPORTED, [(2, Stance.SUPPORTS)]),
        (Label.REFUTED, 2, Label.REFUTED, [(2, Stance.REFUTES)]),
        (Label.REFUTED, None, Label.REFUTED, [(1, Stance.REFUTES)]),  # no passage named: the closest
        (Label.REFUTED, 9, Label.REFUTED, [(1, Stance.REFUTES)]),  # a number not shown: the closest
        (Label.CONFLICTING, 2, Label.CONFLICTING, [(2, Stance.RELATED)]),
        (Label.NOT_ENOUGH_INFO, None, Label.NOT_ENOUGH_INFO, [(1, Stance.RELATED)]),
        (None, None, Label.NOT_ENOUGH_INFO, [(1, Stance.RELATED)]),  # no label parsed
    ],
)
def test_model_decision_takes_the_models_label_and_passage(label, n, expected_label, expected_picks):
    al = aligned(REOPENED, [ev(1, "a", REOPENED_1), ev(2, "b", REOPENED_2)], [0.9, 0.6])
    d = model_decision(al, label, n)
    assert d.label is expected_label
    assert picks(d) == expected_picks
    assert all(isinstance(s, Stance) for _, s in d.picks)
    assert str(expected_label) in d.explanation and d.confidence == 0.5


def test_model_decision_ignores_code_signals():
    # The code would refute (a different number); in MODEL mode the model's label stands.
    al = aligned(COST, [ev(1, "a", COST_OTHER)])
    assert model_decision(al, Label.SUPPORTED, 1).label is Label.SUPPORTED
    assert model_decision([], Label.SUPPORTED, 1).picks == ()


# align ------------------------------------------------------------------------------------------
def test_align_reads_one_similarity_per_sentence_in_order():
    evidence = [ev(1, "a", APPLES, REOPENED_1), ev(2, "b", COMETS)]
    assert sentence_texts(evidence) == [APPLES, REOPENED_1, COMETS]
    al = aligned(REOPENED, evidence, [0.1, 0.9, 0.2])
    assert [a.text for a in al][0] == REOPENED_1
    assert [a.support for a in al] == sorted((a.support for a in al), reverse=True)
    for a in al:
        assert a.evidence.text[a.start - a.evidence.start : a.end - a.evidence.start] == a.text


def test_align_lends_names_from_the_sentence_before():
    evidence = [ev(1, "a", "Mayor Lena Ortiz spoke to reporters on Monday.", "She said the repairs cost 4 million dollars.")]
    al = aligned("Ortiz said the repairs cost 4 million dollars.", evidence, [0.3, 0.9])
    best = al[0]
    assert best.text.startswith("She said")
    assert best.signals.missing_names == () and not best.signals.swapped_name
    assert best.signals.contradiction is None


# compare ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "claim, source, contradiction",
    [
        (COST, COST_SAME, None),
        (COST, COST_OTHER, "different number"),
        ("Mayor Ortiz approved the repair budget.", "Mayor Ortiz did not approve the repair budget.", "negation"),
        ("Mayor Ortiz did not approve the repair budget.", "Mayor Ortiz approved the repair budget.", "negation"),
        ("The Kremlin confirmed the summit in Budapest.", "The Kremlin denied the summit in Budapest.", "opposite"),
        ("The Kremlin denied the summit in Budapest.", "The Kremlin confirmed the summit in Budapest.", "opposite"),
        (COST, "Governor Hale said the repairs cost 4 million dollars.", "someone else"),
        ("The bridge reopened in March after repairs.", "The bridge reopened in June after repairs.", "different number"),
        # Two statements in one sentence: the clause about the claim's subject decides.
        ("Russia accepted the peace plan.", "Kyiv welcomed the talks, but Russia rejected the peace plan.", "opposite"),
        ("Putin confirmed his attendance at the summit.",
         "Putin has confirmed his attendance, but the Kremlin has denied the summit.", None),  # fmt: skip
    ],
)
def test_compare_contradiction(claim, source, contradiction):
    got = compare(claim, source).contradiction
    if contradiction is None:
        assert got is None
    else:
        assert got is not None and contradiction in got


def test_compare_overlap_and_fields():
    sig = compare(COST, COST_OTHER)
    assert sig.overlap == pytest.approx(6 / 7)  # all content words but the number
    assert sig.missing_numbers == frozenset({"4"})
    assert sig.opposite is None and not sig.negation_flip and not sig.swapped_name
    assert compare(COST, APPLES).overlap == 0.0
    assert compare(COST, COST_SAME).overlap == 1.0


def test_compare_a_number_the_source_does_not_contradict():
    # The source gives no number at all: a missing number is not a different one.
    sig = compare(COST, "Mayor Ortiz said the repairs cost millions of dollars.")
    assert sig.missing_numbers == frozenset() and sig.contradiction is None


def test_compare_names_from_context():
    sig = compare(COST, "She said the repairs cost 4 million dollars.", "Mayor Lena Ortiz spoke on Monday.")
    assert sig.missing_names == () and not sig.swapped_name


# as_claim / is_question / parse_label -----------------------------------------------------------
@pytest.mark.parametrize(
    "text, claim",
    [
        ("Is it true that Ortiz approved the budget?", "Ortiz approved the budget"),
        ("is it correct that the bridge reopened on Monday", "the bridge reopened on Monday"),
        ("Is it the case that the repairs cost 4 million dollars?", "the repairs cost 4 million dollars"),
        ("True or false: the bridge reopened on Monday.", "the bridge reopened on Monday."),
        ("Fact-check: Ortiz approved the budget", "Ortiz approved the budget"),
        ("fact check: Ortiz approved the budget", "Ortiz approved the budget"),
        ("Is it true that?", None),
        ("Did Ortiz say the repairs cost 4 million dollars?", "Ortiz say the repairs cost 4 million dollars"),
        ("Did Putin confirm his attendance?", "Putin confirm his attendance"),
        ("Has Ortiz said the bridge is safe?", "Ortiz said the bridge is safe"),
        ("Does the Kremlin deny the summit?", "the Kremlin deny the summit"),
        ("Did the bridge reopen on Monday?", None),  # no reporting verb: a plain question
        ("When did the bridge reopen?", None),
        ("Ortiz approved the budget.", None),
        ("", None),
    ],
)
def test_as_claim(text, claim):
    assert as_claim(text) == claim


@pytest.mark.parametrize(
    "text, claim",
    [
        ("Has the Kremlin denied the summit?", "the Kremlin denied the summit"),
        ("Has Putin confirmed his attendance?", "Putin confirmed his attendance"),
    ],
)
def test_as_claim_after_has_with_a_participle(text, claim):
    assert as_claim(text) == claim


@pytest.mark.parametrize(
    "text, question",
    [
        ("Who reopened the bridge", True),
        ("When did the bridge reopen?", True),
        ("whose idea was the closure", True),
        ("The bridge reopened on Monday?", True),
        ("The bridge reopened on Monday?  ", True),
        ("The bridge reopened on Monday.", False),
        ("However, the bridge reopened on Monday.", False),  # "how" only as a whole word
        ("Whoever pays, the bridge reopened.", False),
        ("Ortiz asked who would pay.", False),  # a question word inside, not opening
        # A statement may open with a question word; only a sentence that asks is a question.
        ("When CO2 was higher in the past, the sun was cooler.", False),
        ("How the war ends is unclear.", False),
        ("Which side paid remains unclear.", False),
        ("What did the mayor say.", True),  # inverted: question word + auxiliary
        ("Did the mayor reopen the bridge", True),  # inverted: auxiliary first
        ("Has the council approved the budget", True),
        # No end mark: the parse tells a main-clause question word from one opening a subordinate clause.
        ("When the same group of experts who warned of cooling now warn of warming you can see why I doubt them",
         False),
        ("Where the talks were held remains secret", False),
        ("Which company bought the messaging app", True),
        ("How many people died in the flood", True),
    ],
)
def test_is_question(text, question):
    assert is_question(text) is question


GIVEN = {1, 2, 3}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("SUPPORTED [2]", (Label.SUPPORTED, 2)),
        ("Verdict: REFUTED [1]", (Label.REFUTED, 1)),
        ("refuted [3]", (Label.REFUTED, 3)),
        ("REFUTED[1]", (Label.REFUTED, 1)),
        ("NOT_ENOUGH_INFO", (Label.NOT_ENOUGH_INFO, None)),
        ("Not enough info.", (Label.NOT_ENOUGH_INFO, None)),
        ("CONFLICTING [2]", (Label.CONFLICTING, 2)),
        ("REFUTED [7]", (Label.REFUTED, None)),  # a passage that was not shown
        ("SUPPORTED by [1]", (Label.SUPPORTED, None)),  # the number must follow the label
        ("SUPPORTED [1] ... REFUTED [2]", (Label.SUPPORTED, 1)),  # the first label wins
        ("UNSUPPORTED", (None, None)),
        ("I cannot tell.", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_label(raw, expected):
    label, n = parse_label(raw, GIVEN)
    assert (label, n) == expected
    assert label is None or isinstance(label, Label)


def test_parse_label_negated():
    assert parse_label("The claim is NOT SUPPORTED [1].", GIVEN) == (Label.NOT_ENOUGH_INFO, 1)
    assert parse_label("It isn't REFUTED.", GIVEN) == (Label.NOT_ENOUGH_INFO, None)
    assert parse_label("REFUTED [2]: not what the passage says.", GIVEN) == (Label.REFUTED, 2)


@pytest.mark.parametrize(
    "claim, source, flip",
    [
        ("The mayor approved the budget.", "The mayor did not approve the budget.", True),
        ("No U.S. troops are involved.", "U.S. troops are involved.", True),
        # "no" negates the phrase it heads, not the next one.
        ("The former mayor is feeling the pressure.", "It is no secret the former mayor is feeling the pressure.", False),
        # "not just" adds: the source says both.
        ("The mayor was frustrated with the delays.", "The mayor was frustrated not just with the delays, but also with the costs.", False),
        # A negation does not reach past a comma.
        ("The mayor approved the budget.", "Not a surprise, the mayor approved the budget.", False),
    ],
)
def test_negation_reaches_only_its_own_phrase(claim, source, flip):
    assert compare(claim, source).negation_flip is flip
