"""Quotations and who they are given to (text/quotations.py, claims/attribution.py) on hand-built
passages. No model, no embedder."""

from __future__ import annotations

import pytest

from factbot.claims.attribution import misattributed
from factbot.core.types import Chunk, Passage, Stance
from factbot.text.quotations import outside_quotes, quotations, same_words

ARTICLE = (
    "Bridge Talks\n\n"
    "Mayor Lena Ortiz met the harbor board on Monday.\n"
    "In discussing the costs, Ortiz remarked, “The repairs cost far less than any of us feared.”\n"
    "Board chair Sam Reyes was less sure.\n"
    "He said: “We will know the final bill in the spring, not before.”\n"
    "Reyes called the plan “unclear” and asked for a second opinion.\n"
)


def passages(text: str = ARTICLE) -> list[Passage]:
    return [Passage(Chunk("bridge:0", "bridge", text, 0, len(text)), title="Bridge Talks", source="bridge.txt", score=1.0)]


def test_quotations_are_long_quoted_passages_only():
    claim = 'Reyes called the plan "unclear" and said, "We will know the final bill in the spring."'
    assert quotations(claim) == ["We will know the final bill in the spring."]  # "unclear" is a scare quote
    assert "We will" not in outside_quotes(claim) and "Reyes called" in outside_quotes(claim)
    assert same_words("we will know the FINAL bill", "“We will know the final bill in the spring, not before.”")
    assert not same_words("we will know the bill", "We will know the final bill.")


@pytest.mark.parametrize(
    "claim",
    [
        'Sam Reyes said, "The repairs cost far less than any of us feared."',  # Ortiz said it
        'Chief Engineer Ana Silva said: "We will know the final bill in the spring."',  # "He said", in a passage with no Silva
    ],
)
def test_a_quotation_given_to_someone_else_is_found(claim):
    quote = misattributed(claim, passages())
    assert quote is not None and quote.stance == Stance.REFUTES
    assert ARTICLE[quote.start : quote.end] == quote.quote and same_words(quotations(claim)[0], quote.quote)


@pytest.mark.parametrize(
    "claim",
    [
        'Ortiz said, "The repairs cost far less than any of us feared."',  # the right speaker
        'Mayor Lena Ortiz said the repairs were "far cheaper than anyone feared at the start."',  # not in the articles
        '"The repairs cost far less than any of us feared," the mayor said.',  # no speaker named
        "Ortiz said the repairs cost far less than feared.",  # no quotation
        # "He said": he may be anyone the passage names before it, Ortiz among them; no guess refutes.
        'Lena Ortiz said: "We will know the final bill in the spring."',
    ],
)
def test_no_misattribution_without_a_quotation_found_beside_another_name(claim):
    assert misattributed(claim, passages()) is None


def test_one_article_giving_it_to_the_claims_speaker_is_enough():
    other = ARTICLE + "Reyes later repeated Ortiz's words: “The repairs cost far less than any of us feared.”\n"
    assert misattributed('Sam Reyes said, "The repairs cost far less than any of us feared."', passages(other)) is None
