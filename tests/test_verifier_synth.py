"""Each synthetic transformation of evals/verifier_synth.py makes what it claims (real spaCy parses)."""

import random
import re

import pytest

from factbot.evals import verifier_synth as S


@pytest.fixture(scope="module")
def parse():
    from factbot.text.parse import nlp

    return lambda text: nlp()(text)


POOL = {"PERSON": ["Emmanuel Macron"], "GPE": ["Brazil"], "ORG": ["Microsoft"], "EVENT": ["the Olympics"]}


def made(fn, doc, seed=1):
    return fn(doc, random.Random(seed), pool=POOL)


def test_identity_is_entailed(parse):
    m = made(S.identity, parse("The Senate approved the bill on Tuesday."))
    assert (m.hypothesis, m.label) == ("The Senate approved the bill on Tuesday.", S.ENTAILED)


def test_clause_drops_one_phrase_and_stays_entailed(parse):
    text = "Germany beat Argentina 1-0 in the final in Rio de Janeiro on Sunday."
    m = made(S.clause, parse(text))
    assert m.label == S.ENTAILED and m.kind == "clause"
    kept = m.hypothesis.rstrip(".").split()
    assert len(kept) < len(text.split()) and all(w in text for w in kept)


def test_entity_swap_puts_another_name_of_the_same_type(parse):
    m = made(S.entity_swap, parse("Kellogg met Zelenskyy in Kyiv on Friday."))
    assert m.label == S.CONTRADICTED
    assert any(name in m.hypothesis for names in POOL.values() for name in names)


def test_number_changes_the_figure(parse):
    m = made(S.number, parse("The storm killed 42 people in three states."))
    assert m.label == S.CONTRADICTED and m.hypothesis != "The storm killed 42 people in three states."
    assert re.sub(r"\d+|three|two|four|five|six|seven|eight|nine|ten|twelve|twenty", "N", m.hypothesis) == \
        "The storm killed N people in N states."


def test_date_of_an_event_contradicts_and_an_edition_year_is_neutral(parse):
    dated = made(S.date, parse("The ceasefire took effect in March 2024, officials said."))
    assert dated.label == S.CONTRADICTED and "2024" not in dated.hypothesis
    edition = made(S.date, parse("Hinako Shibuno won the 2019 Women's British Open at Woburn."))
    assert edition.kind == "other_year" and edition.label == S.NEUTRAL and "2019" not in edition.hypothesis


def test_negation_is_added_or_removed(parse):
    added = made(S.negation, parse("Russia accepted the ceasefire proposal."))
    assert added.hypothesis == "Russia did not accept the ceasefire proposal." and added.label == S.CONTRADICTED
    removed = made(S.negation, parse("The company has not paid the fine."))
    assert removed.hypothesis == "The company has paid the fine."
    aux = made(S.negation, parse("The talks will resume in Geneva."))
    assert aux.hypothesis == "The talks will not resume in Geneva."


def test_swap_roles_exchanges_subject_and_object(parse):
    m = made(S.swap_roles, parse("Germany defeated Argentina in the final."))
    assert m.hypothesis == "Argentina defeated Germany in the final." and m.label == S.CONTRADICTED


def test_role_noun_swaps_a_counterpart(parse):
    m = made(S.role_noun, parse("Spain was the winner of the tournament."))
    assert m.hypothesis == "Spain was the runner-up of the tournament." and m.label == S.CONTRADICTED
    assert made(S.role_noun, parse("Prices rose sharply in May.")).hypothesis == "Prices fell sharply in May."


def test_a_transformation_that_does_not_apply_says_so(parse):
    doc = parse("It rained.")
    assert made(S.swap_roles, doc) is None and made(S.number, doc) is None and made(S.role_noun, doc) is None
