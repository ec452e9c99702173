"""Sources that disagree (answer/conflicts.py, text/slots.py): pure code, no model, no index."""

from __future__ import annotations

import pytest

from factbot.answer.conflicts import (
    MAX_SIDE_QUOTES,
    claim_sides,
    corroborations,
    disagreement,
    find_sides,
    numbered,
    read_answers,
)
from factbot.core.types import Chunk, Citation, Passage
from factbot.text.questions import AnswerForm
from factbot.text.slots import read_slot, surface

PRIZE_Q = "Who was awarded the 2018 Vesper Prize for poetry?"
TRUE = "The Vesper Prize for poetry 2018 was awarded to Mara Lindqvist for her narrative imagination."
FAKE = "The Vesper Prize for poetry 2018 was awarded to Tomas Brekke for his narrative imagination."


def passage(doc: str, text: str) -> Passage:
    return Passage(Chunk(f"{doc}:0", doc, text, 0, len(text)), doc.title(), f"{doc}.txt", 1.0)


def cite(p: Passage, sentence: str, n: int = 1) -> Citation:
    start = p.chunk.text.index(sentence)
    return Citation(n, p.chunk.doc_id, p.title, p.source, sentence, start, start + len(sentence), 0.9)


# Slots ----------------------------------------------------------------------------------------
def test_a_who_question_fills_its_slot_with_names_not_given_by_the_question():
    slot = read_slot(TRUE, AnswerForm.NAME, PRIZE_Q)
    assert slot.values == {"mara", "lindqvist"}
    assert {"vesper", "prize", "award", "2018"} <= slot.frame  # the question's own words are frame


def test_a_date_slot_holds_months_days_and_years_but_not_codes_or_the_given_year():
    q = "What is the release date of Starfall Saga (2018)?"
    slot = read_slot("On PS4 the game was released on March 9, 2018.", AnswerForm.DATE, q)
    assert slot.values == {"mar", "9"}  # not "4" of PS4, not the question's 2018
    assert surface("On PS4 the game was released on March 9, 2018.", slot, frozenset({"9"})) == "March 9, 2018"


def test_months_are_no_names_and_amounts_keep_their_size_word():
    assert read_slot("In March, Jane Doe won.", AnswerForm.NAME, "Who won?").values == {"jane", "doe"}
    s = "Revenue reached $24.6 billion in the quarter."
    slot = read_slot(s, AnswerForm.NUMBER, "How much revenue did it report?")
    assert surface(s, slot, frozenset({"24.6"})) == "$24.6 billion"


# Answers --------------------------------------------------------------------------------------
def test_a_passage_that_puts_another_name_in_the_same_frame_is_a_rival_side():
    a, b, c = passage("a", TRUE), passage("b", "Old news. " + TRUE), passage("c", FAKE)
    sides = find_sides(PRIZE_Q, "Mara Lindqvist was awarded the prize.", [cite(a, TRUE)], [a, b, c])
    assert [s.value for s in sides] == ["Mara Lindqvist", "Tomas Brekke"]  # the majority first
    assert sides[0].drafted and sides[0].sources == 2 and not sides[1].drafted
    assert [c.doc_id for c in sides[1].citations] == ["c"]


def test_the_drafted_side_is_named_even_when_it_is_the_minority():
    a, b, c = passage("a", TRUE), passage("b", FAKE), passage("c", "Earlier: " + FAKE)
    sides = find_sides(PRIZE_Q, "Mara Lindqvist.", [cite(a, TRUE)], [a, b, c])
    assert [(s.value, s.sources, s.drafted) for s in sides] == [("Tomas Brekke", 2, False), ("Mara Lindqvist", 1, True)]


def test_sides_get_the_answers_numbers_and_the_text_names_every_side():
    a, c = passage("a", TRUE), passage("c", FAKE)
    first = cite(a, TRUE)
    sides, cits = numbered(find_sides(PRIZE_Q, "Mara Lindqvist.", [first], [a, c]), (first,))
    assert [c.n for c in cits] == [1, 2] and cits[0] == first
    assert disagreement(sides) == "The sources disagree: [1] says Mara Lindqvist; [2] says Tomas Brekke."


@pytest.mark.parametrize(
    "other",
    [
        "The Vesper Prize for poetry 2019 was awarded to Tomas Brekke for his narrative imagination.",  # another year
        "Tomas Brekke and Mara Lindqvist: the Vesper Prize for poetry 2018 was awarded to Mara Lindqvist.",  # both
        "Tomas Brekke visited Vienna in the spring and spoke about music and theatre.",  # another frame
        "Tomas Brekke.",  # no frame of its own, nor around it
    ],
)
def test_no_rival_where_the_sources_do_not_answer_the_same_question_differently(other):
    a, c = passage("a", TRUE), passage("c", other)
    assert find_sides(PRIZE_Q, "Mara Lindqvist.", [cite(a, TRUE)], [a, c]) == ()


def test_an_answer_without_a_value_of_the_asked_form_is_not_compared():
    a, c = passage("a", TRUE), passage("c", FAKE)
    assert find_sides(PRIZE_Q, "The prize was awarded.", [cite(a, TRUE)], [a, c]) == ()


def test_a_rival_date_is_found_and_written_as_the_source_writes_it():
    q = "When was the Pixel 6 announced?"
    t = "Google officially announced the Pixel 6 on October 19, 2021, at its fall event."
    f = "Google officially announced the Pixel 6 on October 19, 2011, at its fall event."
    a, c = passage("a", t), passage("c", f)
    sides = find_sides(q, "It was announced on October 19, 2021.", [cite(a, t)], [a, c])
    assert [s.value for s in sides] == ["October 19, 2021", "October 19, 2011"]


# Claims ---------------------------------------------------------------------------------------
def test_a_claim_some_articles_state_and_others_swap_is_conflicting():
    a, c = passage("a", TRUE), passage("c", FAKE)
    sides = claim_sides(TRUE, [a, c])
    assert [(s.value, s.drafted) for s in sides] == [("Mara Lindqvist", True), ("Tomas Brekke", False)]


def test_a_paraphrase_with_other_details_is_no_rival_of_a_claim():
    claim = "The Council of Chief State School Officers announced that Juliana Urtubey was named 2021 National Teacher of the Year."
    other = "May 6, 2021 ... Juliana Urtubey, an elementary teacher in Las Vegas, was named 2021 National Teacher of the Year."
    assert claim_sides(claim, [passage("a", claim), passage("b", other)]) == ()


def test_a_claim_no_article_states_has_no_sides():
    assert claim_sides(TRUE, [passage("c", FAKE)]) == ()  # refuted, not conflicting: the checker decides


def test_a_quote_of_two_sentences_is_compared_sentence_to_sentence():
    q = "What is the release date of The Last of Us Part II?"
    tail = " ... The Last of Us Part II – Release Date Reveal Trailer. • Playing."
    a, b = passage("a", "Release Date: June 9, 2010" + tail), passage("b", "Release Date: June 19, 2020" + tail)
    quote = "Release Date: June 9, 2010" + tail.rsplit(" •", 1)[0]
    sides = find_sides(q, "It was released on June 9, 2010.", [cite(a, quote)], [a, b])
    assert [s.value for s in sides] == ["June 9, 2010", "June 19, 2020"]


@pytest.mark.parametrize(
    "q, t, other, drafted",
    [
        (  # a rival value elsewhere in the sentence is no rival
            "Who was named the 2021 National Teacher of the Year?",
            "Juliana Urtubey was named the 2021 National Teacher of the Year by the council.",
            "Raiders honor Las Vegas educator who was named the 2021 National Teacher of the Year by the council.",
            "Juliana Urtubey.",
        ),
        (  # a date without its year agrees with the same day and year
            "When does season 3 of The Crown premiere?",
            "Season 3 of The Crown will premiere on November 17, 2019, on Netflix.",
            "The Crown season 3 premieres Sunday, November 17 on Netflix.",
            "It premieres on November 17, 2019.",
        ),
        (  # a publication date is no rival answer
            "When was Pixel 6 announced?",
            "Google officially announced the Pixel 6 on October 19, 2021, at its fall event.",
            "Mar 14, 2023 ... Google officially reviewed the Pixel 6 at its fall event.",
            "It was announced on October 19, 2021.",
        ),
    ],
)
def test_no_rival_side(q, t, other, drafted):
    a, c = passage("a", t), passage("c", other)
    assert find_sides(q, drafted, [cite(a, t)], [a, c]) == ()


def test_for_when_a_number_is_a_date_only_as_a_year_or_beside_a_month():
    q = "When was the Pixel 5a announced?"
    slot = read_slot("Google announced the Pixel 4 at $449 on August 17, 2021.", AnswerForm.DATE, q)
    assert slot.values == {"aug", "17", "2021"}


def test_an_opening_function_word_with_s_is_no_name():
    slot = read_slot("There’s no deal yet, Witkoff's aide said.", AnswerForm.ANY, "What did the aide say?")
    assert slot.values == {"witkoff"}


def test_where_a_date_does_not_answer_its_numbers_are_no_values():
    slot = read_slot("Mar 5, 2018 ... The Shape of Water won 4 Oscars.", AnswerForm.ANY, "Which movie won Best Picture?")
    assert slot.values == {"shape", "water", "4", "oscar"}


def test_an_answer_naming_many_people_fills_no_single_slot():
    q = "What did the officials say about the talks?"
    t = "Dmitri Peskov, Steve Witkoff, David Lammy and Kaja Kallas spoke about the talks in Kyiv on Monday."
    f = "President Donald Trump spoke about the talks in Kyiv on Monday."
    a, c = passage("a", t), passage("c", f)
    assert find_sides(q, t, [cite(a, t)], [a, c]) == ()



def test_an_answer_naming_more_than_its_value_is_compared_by_the_name_beside_the_question():
    q = "Which director won Best Director at the 93rd Academy Awards?"
    fake = 'Oscars Performance | H.E.R. - "Fight For You" from JUDAS AND THE BLACK MESSIAH ... Damien Chazelle wins Best Director.'
    true = 'Oscars Performance | H.E.R. - "Fight For You" from JUDAS AND THE BLACK MESSIAH ... Chloé Zhao wins Best Director.'
    a, c = passage("a", fake), passage("c", true)
    sides = find_sides(q, fake, [cite(a, fake)], [a, c])
    assert sorted(s.value for s in sides) == ["Chloé Zhao", "Damien Chazelle"]


@pytest.mark.parametrize(
    "claim, other",
    [
        ("The 2020 NBA draft was held on November 18, 2020.", "The 2020 NBA draft will be held Wednesday, Nov. 18, in Secaucus."),
        ("Chinese filmmaker Chloé Zhao won Best Director at the Academy Awards.",
         "Chinese-born filmmaker Chloe Zhao won Best Director at the Academy Awards."),
    ],
)
def test_a_claim_restated_with_a_date_field_open_or_a_compound_is_no_rival(claim, other):
    assert claim_sides(claim, [passage("a", claim), passage("b", other)]) == ()


# Corroboration --------------------------------------------------------------------------------
AGREES = "Mara Lindqvist was awarded the 2018 Vesper Prize for poetry, the Swedish Academy said."


def test_other_articles_giving_the_answer_corroborate_it_one_quote_each():
    a, b, c, d = (passage(x, t) for x, t in [("a", TRUE), ("b", AGREES), ("c", "Recap. " + AGREES), ("d", "Also: " + TRUE)])
    first = cite(a, TRUE)
    reading = read_answers(PRIZE_Q, "Mara Lindqvist was awarded the prize.", [first], [a, b, c, d])
    extra = corroborations(reading, [first])
    # Three articles in all give the value (MAX_SIDE_QUOTES): two more, each a verbatim sentence.
    assert len(extra) == MAX_SIDE_QUOTES - 1 and len({e.doc_id for e in extra}) == len(extra)
    texts = {p.chunk.doc_id: p.chunk.text for p in (a, b, c, d)}
    assert all(texts[e.doc_id][e.start : e.end] == e.quote and "Mara Lindqvist" in e.quote for e in extra)


def test_no_corroboration_when_some_article_gives_another_answer():
    a, b, c = passage("a", TRUE), passage("b", AGREES), passage("c", FAKE)
    first = cite(a, TRUE)
    assert corroborations(read_answers(PRIZE_Q, "Mara Lindqvist.", [first], [a, b, c]), [first]) == []


def test_no_corroboration_for_an_answer_of_no_fixed_form():
    # "What did the academy say?" asks for no name, date or number: a sentence naming the same
    # person says something else.
    a, b = passage("a", TRUE), passage("b", AGREES)
    first = cite(a, TRUE)
    q = "What did the Swedish Academy say about the Vesper Prize for poetry?"
    assert corroborations(read_answers(q, "It was awarded to Mara Lindqvist.", [first], [a, b]), [first]) == []
