"""factbot.text.questions and the citation check's use of it: what a question asks for and pins
down, and answers that mention the question's words without answering it. Pure, no model."""

from __future__ import annotations

import numpy as np
import pytest

from factbot.answer.citations import check_reply
from factbot.core.types import Evidence
from factbot.text.matching import content_stems, overlap, unmatched_names
from factbot.text.questions import (
    AnswerForm, answer_form, asked_parts, ranking_form, constraints, form_tokens, missing_constraints, question_parts,
)
from factbot.text.sentences import sentence_spans


@pytest.mark.parametrize(
    "question, form",
    [
        ("Who won the 2018 final?", AnswerForm.NAME),
        ("Whose plan was adopted?", AnswerForm.NAME),
        ("Which city hosts the games?", AnswerForm.ANY),  # which/what + noun: the noun decides, not checked
        ("What deadline did the council set?", AnswerForm.ANY),
        ("What is the name of the ship?", AnswerForm.NAME),
        ("When does the museum reopen?", AnswerForm.DATE),
        ("What year did the bridge open?", AnswerForm.DATE),
        ("What is the release date of the album?", AnswerForm.DATE),
        ("How many people came?", AnswerForm.NUMBER),
        ("How much did the repairs cost?", AnswerForm.NUMBER),
        ("What percentage voted?", AnswerForm.NUMBER),
        ("What did the mayor say about the budget?", AnswerForm.ANY),
        ("What is the plan?", AnswerForm.ANY),
        ("Why was the bridge closed?", AnswerForm.ANY),
        ("How did the council react?", AnswerForm.ANY),
    ],
)
def test_answer_form(question, form):
    assert answer_form(question) is form


@pytest.mark.parametrize(
    "question, form",
    [
        ("Which city hosted the games in 2004?", AnswerForm.NAME),  # an instance of a city: a name
        ("What film won the award?", AnswerForm.NAME),
        ("What did the mayor say about the budget?", AnswerForm.ANY),  # which/what before a verb
        ("Which was the first city to ban cars?", AnswerForm.ANY),
        ("What is the plan?", AnswerForm.ANY),
        ("Which year did the bridge open?", AnswerForm.DATE),  # answer_form's own form first
        ("What percentage voted?", AnswerForm.NUMBER),
        ("Who opened the bridge?", AnswerForm.NAME),
    ],
)
def test_ranking_form_asks_which_city_for_a_name_but_the_answer_form_does_not(question, form):
    assert ranking_form(question) is form
    if form is AnswerForm.NAME and not question.startswith("Who"):
        assert answer_form(question) is AnswerForm.ANY  # a deadline or a phrase is no name


def test_constraints_are_digits_and_names():
    c = constraints("Who won season 4 of Star Search in 2021?")
    assert c.numbers == {"4", "2021"}
    assert frozenset({"star", "search"}) in c.names
    assert constraints("What are the two capitals?").numbers == frozenset()  # a count in words pins nothing


@pytest.mark.parametrize(
    "window, lost",
    [
        ("The 2021 final was won by the Eagles in Star City.", []),
        ("The final was won by the Eagles in Star City.", []),  # no year at all: left open
        ("The 2014 final was won by the Eagles in Star City.", ["2021"]),  # another year instead
        ("The 2021 final was won by the Eagles.", ["citi star"]),  # the name is missing
    ],
)
def test_missing_constraints(window, lost):
    c = constraints("Who won the 2021 final in Star City?")
    assert missing_constraints(c, window) == lost


def test_a_name_may_come_from_the_line_a_quote_leans_on():
    c = constraints("What did Ortiz say?")
    # Nor can "she" be the Ortiz whose words are asked for.
    assert missing_constraints(c, "“It cost less,” she said.") == ["ortiz", "words of ortiz"]
    assert missing_constraints(c, "“It cost less,” she said.", "Mayor Lena Ortiz spoke.") == []


def test_a_season_number_must_match_when_the_window_gives_another():
    c = constraints("When does season 4 premiere?")
    assert missing_constraints(c, "Season 3 premieres on November 17.") == ["4"]
    assert missing_constraints(c, "The fourth season premieres on November 15.") == []


def test_form_tokens_leave_out_what_the_question_already_says():
    q = "Who won the 2021 final in Star City?"
    assert form_tokens("The Eagles won the final in Star City.", AnswerForm.NAME, q) == {"eagl"}
    assert form_tokens("The final in Star City was close.", AnswerForm.NAME, q) == set()
    assert form_tokens("It opens on 4 March 2024.", AnswerForm.DATE, "When does it open?") == {"mar", "2024"}
    assert form_tokens("It cost 40 million.", AnswerForm.NUMBER, "How much did the 2021 repair cost?") == {"40"}
    assert form_tokens("He has visited twice since January.", AnswerForm.NUMBER, "How many times?") == {"2"}
    assert form_tokens("They meet on Friday in Alaska.", AnswerForm.DATE, "When do they meet?") == {"fri"}


# The citation check ------------------------------------------------------------------------------
FINALS = "Results\n\nThe 2014 final was won by the Eagles in extra time.\nThe 2018 final was won by the Hawks.\n"


def _unit(n: int, text: str, first: str, last: str) -> Evidence:
    start = text.index(first)
    end = text.index(last, start) + len(last)
    return Evidence(n, "finals", "Results", "finals.txt", text[start:end], start, end, 0.5,
                    tuple(sentence_spans(text, start, end)))  # fmt: skip


def lexical(a: list[str], b: list[str]) -> np.ndarray:  # stand-in similarity for a pure test
    return np.array([[overlap(content_stems(x), content_stems(y)) for y in b] for x in a])


Y2014 = _unit(1, FINALS, "The 2014 final", "extra time.")
Y2018 = _unit(2, FINALS, "The 2018 final", "the Hawks.")


def test_a_sentence_citing_a_line_about_another_year_is_dropped():
    checked = check_reply("The Eagles won the 2018 final [1].", [Y2014, Y2018], lexical, 0.3, "Who won the 2018 final?")
    assert not checked.citations and "2018" in checked.dropped[0]


def test_the_right_year_passes_and_answers():
    checked = check_reply("The Hawks won the 2018 final [2].", [Y2014, Y2018], lexical, 0.3, "Who won the 2018 final?")
    assert [c.quote for c in checked.citations] == ["The 2018 final was won by the Hawks."]
    assert checked.answers


OPEN = "Golf\n\nHinako Shibuno won the 2019 Women's British Open at Woburn. The event will be the first major of 2020.\n"


def test_a_quote_naming_another_edition_backs_nothing_whatever_year_its_neighbour_gives():
    unit = _unit(1, OPEN, "Hinako", "of 2020.")
    question = "Who won the British Open in 2020?"
    assert not missing_constraints(constraints(question), unit.text)  # the window holds 2020
    checked = check_reply("Hinako Shibuno won the British Open in 2020 [1].", [unit], lexical, 0.3, question)
    assert not checked.citations and "2020" in checked.dropped[0]


def test_a_reply_with_nothing_of_the_asked_form_does_not_answer():
    checked = check_reply("The 2018 final was played [2].", [Y2014, Y2018], lexical, 0.3, "Who won the 2018 final?")
    assert checked.citations and not checked.answers


@pytest.mark.parametrize(
    "window, passage, lost",
    [
        # No year in the line: its passage dates it, and the passage is about 2020.
        ("NBA Draft will be on October 16.", "The 2020 NBA Draft was delayed. NBA Draft will be on October 16.", True),
        ("NBA Draft will be on October 16.", "The 2021 NBA Draft was set. NBA Draft will be on October 16.", False),
        ("NBA Draft will be on October 16.", "The league set the draft. NBA Draft will be on October 16.", False),
        # The line's own year decides: the passage is not read.
        ("The 2021 NBA Draft will be on July 29.", "The 2020 NBA Draft was delayed.", False),
    ],
)
def test_a_line_without_a_year_takes_its_passages(window, passage, lost):
    missing = missing_constraints(constraints("What is the date of the 2021 NBA Draft?"), window, passage)
    assert ("2021" in missing) is lost


@pytest.mark.parametrize(
    "question, window, lost",
    [
        # A year written against the event's name is its edition; the question's year only as the
        # date of publication or a title's year in brackets does not make it the asked one.
        ("Who won the British Open in 2020?", "Jul 7, 2020 ... Hinako Shibuno won the 2019 Women's British Open.", True),
        ("What movie won the Oscar for Best Animated Film in 2020?", "Poll: Oscars 2021 — Best Animated Feature Film · Vote! Onward (2020) · Vote!", True),
        ("Who was the runner-up of the 2010 World Cup?", "World Cup 2014 runner-up - Argentina.", True),
        # The asked edition named too, or the question's year in the line's own words: open.
        ("Who won the British Open in 2020?", "She won the 2019 British Open and the 2020 British Open.", False),
        ("Who won the 2020 Masters?", "Dustin Johnson, the 2020 winner, bettered his 2019 Masters finish.", False),
        # A year beside a name the question does not give, or beside no name, is no edition.
        ("Who won the British Open in 2020?", "Jul 7, 2020 ... The 2019 Women's Masters went to her.", False),
        ("Who won the British Open in 2020?", "Feb 9, 2020 ... In 2019 she won the British Open.", False),
        # A month before a year is a date, not a name.
        ("Who won the October 2020 election?", "Oct 1, 2020 ... Polls closed in October 2019.", False),
    ],
)
def test_a_year_written_against_the_event_is_its_edition(question, window, lost):
    year = next(n for n in constraints(question).numbers if len(n) == 4)
    assert (year in missing_constraints(constraints(question), window)) is lost


@pytest.mark.parametrize(
    "question, window, lost",
    [
        ('Who directed "The Avengers"?', "The Russo Brothers directed Avengers: Infinity War and Avengers: Endgame.", True),
        ('Who is the director of "Pretty Woman"?', "Pretty Woman: The Musical is directed by Jerry Mitchell.", True),
        ("Who directed The Avengers?", "Joss Whedon directed The Avengers, the first of them.", False),
        ("Who directed The Avengers?", "Avengers: Endgame was a sequel; Joss Whedon directed The Avengers.", False),
        ("Who directed Mission: Impossible?", "Brian De Palma directed Mission: Impossible in 1996.", False),
    ],
)
def test_a_title_written_only_as_the_head_of_a_longer_one_is_not_the_title_asked(question, window, lost):
    missing = missing_constraints(constraints(question), window)
    assert any("longer title" in m for m in missing) == lost


def test_a_label_is_no_subtitle_and_an_inserted_word_makes_another_title():
    c = constraints("Who is the CEO of Tesla in 2021?")
    assert missing_constraints(c, "Tesla Inc. (CEO: Elon Musk) reported record deliveries in 2021.") == []
    c = constraints("Which actor won Best Actor at the 92nd Academy Awards?")
    assert any("longer title" in m for m in missing_constraints(c, "Brad Pitt wins Best Supporting Actor at the 92nd Academy Awards."))
    assert missing_constraints(c, "Joaquin Phoenix wins Best Actor at the 92nd Academy Awards.") == []


def test_an_ordinal_fails_where_the_window_ranks_the_same_thing_otherwise():
    c = constraints("When will the first season of The Blacklist premiere?")
    assert missing_constraints(c, "The tenth and final season of The Blacklist premiered on February 26.") == ["season 1"]
    assert missing_constraints(c, "The Blacklist premiered on NBC on September 23, 2013.") == []  # no rank: open
    c = constraints("Who was the first woman to win Best Director?")
    assert missing_constraints(c, "Zhao became the first woman of color to win Best Director.") == []


@pytest.mark.parametrize(
    "question, window, lost",
    [
        ("Who is the president of the United States?", "U.S. President Donald Trump said the talks go on.", False),
        ("Who is the president of the United States?", "The US military said the talks go on.", False),
        ("Who is the president of the United States?", "Ukraine's president said the talks go on.", True),
        ("Who is the president of the NFL?", "Roger Goodell, commissioner of the National Football League.", False),
        ("Who is the president of the NFL?", "Roger Goodell, commissioner of the league.", True),
    ],
)
def test_a_name_holds_in_its_other_form(question, window, lost):
    """"U.S." is the United States, "National Football League" the NFL: a name found as its
    initials, or spelled out, holds (matching.name_aliases)."""
    assert bool(missing_constraints(constraints(question), window)) is lost


def test_a_question_name_written_as_initials_is_in_scope():
    assert unmatched_names("Who is the president of the United States?", "U.S. President Donald Trump") == []
    assert unmatched_names("Who is the president of the United States?", "Ukraine's President") == ["United States"]


@pytest.mark.parametrize(
    "question, parts",
    [
        ("What did the council decide in May, and why was it reversed?",
         ("What did the council decide in May", "why was it reversed?")),
        ("Who is Lena Ortiz, and where did she speak?", ("Who is Lena Ortiz", "where did she speak?")),
        ("According to the mayor, what will the repairs cost, and has the work begun?",
         ("According to the mayor, what will the repairs cost", "has the work begun?")),
        ("Who opened the bridge, and on what day?", ("Who opened the bridge", "on what day?")),
        ("Who opened the bridge, and did Ortiz speak?", ("Who opened the bridge", "did Ortiz speak?")),
        # One question: names, years or question words joined by "and".
        ("Who won the final in 2014 and 2018?", None),
        ("What did the Eagles and the Hawks agree to?", None),
        ("Where and when did the board meet?", None),
        ("Who opened the bridge and did not speak?", None),
        ("Which mayor opened the bridge and has promised more repairs?", None),
        ("The mayor opened the bridge, and has she spoken since.", None),  # states, asks nothing
        ("According to the Times, where and on what occasion will they meet?", None),
        ("What has the board threatened, and against whom?", None),
    ],
)
def test_question_parts(question, parts):
    assert question_parts(question) == (parts or (question,))


def test_a_part_that_refers_back_holds_the_first_parts_first_name():
    first, second = asked_parts("Why is Lena Ortiz wary of the board, and what has she criticized the council for?")
    assert first.constraints.names[0] == frozenset({"lena", "ortiz"})
    assert second.constraints.names[0] == frozenset({"lena", "ortiz"}) and frozenset({"council"}) not in first.constraints.names
    (whole,) = asked_parts("Who opened the Harbor Bridge?")
    assert whole.constraints == constraints("Who opened the Harbor Bridge?")
    _, plain = asked_parts("Who is Lena Ortiz, and when did the Harbor Bridge reopen?")
    assert frozenset({"lena", "ortiz"}) not in plain.constraints.names  # no pronoun: its own names only


def test_a_two_part_answer_is_checked_against_the_part_it_answers():
    # The first part names no team: its answer's line need not name the Eagles, which only the
    # second part asks about (read whole, the question would have every line name them).
    text = "Results\n\nThe 2018 final was won by the Hawks.\n\nCoaches\n\nThe Eagles were coached by Ana Silva.\n"
    final, coach = _unit(1, text, "The 2018 final", "the Hawks."), _unit(2, text, "The Eagles were", "Ana Silva.")
    reply = "The Hawks won the 2018 final [1]. Ana Silva coached the Eagles [2]."
    checked = check_reply(reply, [final, coach], lexical, 0.3, "Who won the 2018 final, and who coached the Eagles?")
    assert [c.quote for c in checked.citations] == [final.text, coach.text] and not checked.dropped
    whole = check_reply(reply, [final, coach], lexical, 0.3, "Who won the 2018 final and coached the Eagles?")
    assert [c.quote for c in whole.citations] == [coach.text]  # one question: every line must name the Eagles
