"""The date a line opens with is when it was published (text/datelines.py and its users): pure
code, no model, no index."""

from __future__ import annotations

import pytest

from factbot.answer.citations import support
from factbot.text.datelines import blanked, dateline_end
from factbot.text.questions import AnswerForm, constraints, form_tokens, missing_constraints
from factbot.text.slots import read_slot, same_date


@pytest.mark.parametrize(
    "text, dateline",
    [
        ("Oct 20, 2021 ... Google revealed the Pixel 6.", "Oct 20, 2021 ..."),
        ("May 6, 2021 - Juliana is our Teacher of the Year.", "May 6, 2021 -"),
        ("12 March 2022 | The board re-elected him.", "12 March 2022 |"),
        ("2021-07-14: Christiansen spoke.", "2021-07-14:"),
        ("On Oct 20, 2021 Google revealed the Pixel 6.", ""),  # a date inside the line is what it reports
        ("Oct 20, 2021 was the day Google revealed it.", ""),  # not set off: the line's own subject
    ],
)
def test_a_dateline_is_a_date_set_off_at_the_head_of_a_line(text, dateline):
    assert text[: dateline_end(text)].strip() == dateline
    assert len(blanked(text)) == len(text) and blanked(text).endswith(text[dateline_end(text) :])


def test_a_dateline_gives_no_value_to_a_when_slot():
    q = "When was Pixel 6 announced?"
    line = "Oct 20, 2021 ... Google revealed the Pixel 6 at its launch event on 19th October."
    assert read_slot(line, AnswerForm.DATE, q).values == {"oct", "19"}
    assert form_tokens("Mar 14, 2023 ... Google Pixel 6 review: price and release date.", AnswerForm.DATE, q) == set()


def test_a_dateline_still_dates_its_line():
    c = constraints("Who won the British Open in 2020?")
    assert missing_constraints(c, "Jul 7, 2016 ... Stenson won the British Open.") == ["2020"]
    assert missing_constraints(c, "Jul 7, 2020 ... Lowry won the British Open.") == []


def test_a_dateline_beside_a_date_of_the_line_backs_no_number_of_an_answer():
    line = "Oct 20, 2021 ... Google revealed the Pixel 6 at its launch event on 19th October."
    says_20 = support("Google revealed the Pixel 6 on October 20, 2021.", line, 0.9)
    says_19 = support("Google revealed the Pixel 6 on 19th October.", line, 0.9)
    assert says_20 < 0.6 * says_19


def test_dates_agree_where_both_give_a_field():
    assert same_date(frozenset({"nov", "17", "2019"}), frozenset({"sun", "nov", "17"}))
    assert not same_date(frozenset({"nov", "17", "2019"}), frozenset({"nov", "15"}))
    assert not same_date(frozenset({"nov", "17"}), frozenset({"dec", "17"}))
    assert not same_date(frozenset({"17"}), frozenset({"17"}))  # no month or year: not a date to compare


def test_a_dateline_backs_the_date_of_a_line_that_gives_none():
    line = "Oct 19, 2021 ... Google has officially announced its new Pixel 6 and Pixel 6 Pro."
    said = support("Google announced the Pixel 6 on October 19, 2021.", line, 0.9)
    other = support("Google announced the Pixel 6 on October 20, 2021.", line, 0.9)
    assert said > 1.5 * other


def test_a_modal_may_is_no_date_of_the_line():
    line = "Oct 19, 2021 ... Google may now sell its new Pixel 6 and Pixel 6 Pro."
    said = support("Google announced the Pixel 6 on October 19, 2021.", line, 0.9)
    other = support("Google announced the Pixel 6 on October 20, 2021.", line, 0.9)
    assert said > 1.5 * other
