"""The looser answer reading reported beside RGB's rule (evals/answer_match.py). Pure code."""

from factbot.evals import rgb
from factbot.evals.answer_match import dates, holds_answer_loosely as loosely

NOV_15 = (("November 15 2020", "Nov 15, 2020", "Nov. 15, 2020", "November 15, 2020", "15 November 2020"),)
OCT_27 = (("October 27 2017", "Oct 27, 2017", "Oct. 27, 2017"),)


def test_whatever_rgb_accepts_it_accepts():
    for answer, text in [("Mara Lindqvist", "It went to MARA LINDQVIST."), (("Paris", "London"), "Paris and london"),
                         (NOV_15, "on Nov 15, 2020"), ("Soul", "Soulful")]:  # fmt: skip
        assert rgb.holds_answer(answer, text) and loosely(answer, text)


def test_dates_in_other_spellings():
    assert loosely(NOV_15, "The fourth season premieres Nov. 15 on Netflix.")  # no year written: month and day
    assert loosely(NOV_15, "It premieres on the 15th of November.")
    assert loosely(OCT_27, "Release Date:10/27/2017.") and loosely(OCT_27, "Release date: 27/10/2017")
    assert loosely(OCT_27, "released 2017-10-27")


def test_dates_that_differ_do_not_match():
    assert not loosely(NOV_15, "premieres Nov. 15, 2019")  # the year written is another
    assert not loosely(NOV_15, "premieres Nov. 16")
    assert not loosely(OCT_27, "Release Date:10/27/2018")
    assert not rgb.holds_answer(NOV_15, "premieres Nov. 15 on Netflix")  # RGB's rule itself is unchanged


def test_names_in_another_order_or_with_accents():
    assert loosely("Yifei Liu", "the cast includes Jet Li and Liu Yifei")
    assert loosely("Chloé Zhao", "Chloe Zhao won Best Director")
    assert loosely("Tim Buckley", 'Mortimer "Tim" Buckley, 48, was named CEO')


def test_names_lacking_a_word_or_far_apart_do_not_match():
    assert not loosely("Juliana Urtubey", "Juliana is our National Teacher of the Year")
    assert not loosely("Yifei Liu", "Liu Bei and, many pages of text later, Yifei")
    assert not loosely(("Beijing", "2008"), "Beijing hosted in 2012")  # every part is still needed


def test_dates_reads_each_spelling():
    assert dates("Oct 19, 2021; 19th October; 2021-10-19") == {(10, 19, 2021), (10, 19, None)}
    assert dates("in May 2021") == set()  # a month and year is no day


def test_rows_carry_the_loose_reading_beside_rgbs():
    item = rgb.RgbItem(id=1, query="When does season 4 premiere?", answer=NOV_15, positive=("p",), negative=())
    rows = [rgb.RgbRow("factbot", 1, item.query, item.answer, "It premieres Nov. 15 [1].", False, "", (), False, False,
                       1.0, correct_loose=True)]  # fmt: skip
    noise = rgb.summarize(rows, "noise")
    assert noise["answer_correct"] == 0.0 and noise["answer_correct_loose"] == 1.0
    neg = rgb.summarize(rows, "negatives")
    assert neg["states_true"] == 0.0 and neg["states_true_loose"] == 1.0 and neg["declined_or_true_loose"] == 1.0
