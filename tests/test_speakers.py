"""Whose words a question asks for, and whether a passage reports him speaking (text/speakers)."""

from __future__ import annotations

import pytest

from factbot.text.questions import constraints, missing_constraints
from factbot.text.speakers import asked_speaker, speaks


@pytest.mark.parametrize(
    "question, speaker",
    [
        ("What did Xi Jinping say about hosting the parade?", {"xi", "jinping"}),
        ("What has Kremlin spokesman Dmitry Peskov said about the summit?", {"dmitry", "peskov"}),
        ("What has Zelenskyy consistently said Kyiv will not accept?", {"zelenskyy"}),
        ("What did Peskov tell Russian state media?", {"peskov"}),
        ("what did Mayor Ortiz write on her blog?", {"mayor", "ortiz"}),
    ],
)
def test_a_question_asking_for_someones_words_names_the_speaker(question, speaker):
    assert asked_speaker(question) == speaker


@pytest.mark.parametrize(
    "question",
    [
        "What did Trump announce in July?",  # a thing announced, not words
        "What do critics say could overshadow the bid?",  # nobody named
        "Who said the plans were unclear?",  # asks for the speaker
        "What did Trump's envoy say?",  # the envoy is not named
        "When did Ortiz say the bridge would reopen?",
    ],
)
def test_other_questions_ask_for_no_ones_words(question):
    assert asked_speaker(question) == frozenset()


@pytest.mark.parametrize(
    "window",
    [
        "“The repairs cost less than we feared,” Ortiz said on Monday.",
        "Mayor Lena Ortiz told reporters the repairs were cheap.",
        "According to Mayor Ortiz, the repairs were cheap.",
        "Ortiz has repeatedly insisted that the repairs were cheap.",
        "Said Ortiz: the repairs were cheap.",
        "Mayor Ortiz spoke at the ceremony. “The repairs were cheap,” she said.",  # a pronoun, with the name near
        "Mayor Ortizz told reporters the repairs were cheap.",  # a spelling variant
    ],
)
def test_a_clause_reporting_the_speakers_words_speaks(window):
    assert speaks(frozenset({"lena", "ortiz"}), window)


@pytest.mark.parametrize(
    "window, names_window",
    [
        # Mentioned, not speaking: the reporting verb's clause names someone else.
        ("Reports of a gathering involving Mayor Ortiz surfaced, suggesting a ceremony. Lee has confirmed his attendance.", ""),
        ("The repairs, overseen by Mayor Ortiz, were cheap.", ""),
        # A pronoun speaks, but the passage never names the mayor.
        ("“The repairs were cheap,” she said.", ""),
    ],
)
def test_a_window_mentioning_the_speaker_without_her_words_does_not_speak(window, names_window):
    assert not speaks(frozenset({"lena", "ortiz"}), window, names_window)


def test_a_pronoun_speaks_for_a_speaker_named_in_the_text_before_the_quote():
    assert speaks(frozenset({"ortiz"}), "“The repairs were cheap,” she said.", "Mayor Lena Ortiz opened the bridge.")


def test_the_speaker_is_a_constraint_of_the_question():
    c = constraints("What did Mayor Lena Ortiz say about the repairs?")
    assert missing_constraints(c, "Mayor Lena Ortiz said the repairs were cheap.") == []
    assert missing_constraints(c, "The repairs, praised by council member Lee, were overseen by Lena Ortiz.") == [
        "words of lena ortiz"
    ]
    assert constraints("What did the mayor say about the repairs?").speaker == frozenset()
