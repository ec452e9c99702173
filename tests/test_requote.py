"""A failed draft answered by quoting a retrieved line instead (answer/requote.py): pure code."""

from __future__ import annotations

import pytest

from test_conflicts import passage

from factbot.answer.requote import quoted_value

Q = "What is the release date for Animal Crossing: New Horizons on Nintendo Switch?"
NO_SYSTEM = passage("wire", "The new console will be released on March 13, 2020, a week before Animal Crossing: "
                            "New Horizons will be released, on March 20, 2020.")  # fmt: skip
WITH_SYSTEM = passage("shop", "Animal Crossing: New Horizons launches March 20, 2020, exclusively for the Nintendo Switch system.")
DRAFT = "Animal Crossing: New Horizons will be released on March 20, 2020."


def test_the_line_that_gives_the_value_and_meets_every_constraint_is_quoted():
    c = quoted_value(Q, DRAFT, [NO_SYSTEM, WITH_SYSTEM])
    assert c is not None and c.doc_id == "shop" and c.quote == WITH_SYSTEM.chunk.text
    assert WITH_SYSTEM.chunk.text[c.start : c.end] == c.quote  # verbatim, at its offsets


def test_a_line_missing_one_of_the_questions_names_is_not_quoted():
    assert quoted_value(Q, DRAFT, [NO_SYSTEM]) is None  # no "Nintendo Switch" anywhere in its article


def test_sharing_only_a_year_is_not_giving_the_drafts_date():
    other_day = passage("blog", "Animal Crossing: New Horizons for Nintendo Switch: release 6/19/2020, publisher Nintendo.")
    assert quoted_value(Q, DRAFT, [other_day]) is None


def test_the_questions_year_must_be_written_beside_the_line():
    q = "Who won the 2018 World Cup?"
    no_year = passage("a", "France won the World Cup after beating Croatia in the final in Moscow.")
    with_year = passage("b", "France won the 2018 World Cup after beating Croatia in the final in Moscow.")
    assert quoted_value(q, "France won the 2018 World Cup.", [no_year]) is None
    assert quoted_value(q, "France won the 2018 World Cup.", [no_year, with_year]).doc_id == "b"


def test_the_questions_names_must_stand_beside_the_line_not_only_elsewhere_in_its_article():
    q = "Who did Kirill Dmitriev meet during his trip to Washington?"
    p = passage("d", "Kirill Dmitriev travelled to Washington on Monday. The talks were long and detailed, "
                     "officials said on Tuesday. Karoline Leavitt said that Trump was frustrated with everyone.")  # fmt: skip
    assert quoted_value(q, "Kirill Dmitriev met Karoline Leavitt in Washington.", [p]) is None
    near = passage("e", "Kirill Dmitriev met Karoline Leavitt in Washington on Monday, officials said.")
    assert quoted_value(q, "Kirill Dmitriev met Karoline Leavitt in Washington.", [p, near]).doc_id == "e"


def test_an_open_question_has_no_value_to_quote():
    q = "What did the mayor say about the bridge?"
    p = passage("c", "The mayor said the bridge would reopen within two weeks.")
    assert quoted_value(q, "The mayor said the bridge would reopen soon.", [p]) is None


# Through the whole answer path: real MiniLM, Chroma and BM25; the model is a FAKE that replays a
# scripted reply (control flow only; the real model runs in the RGB eval).
@pytest.fixture(scope="module")
def bot(tmp_path_factory, embedder):
    from test_pipeline_flow import scripted_bot

    files = {"console.txt": f"Gaming news.\n\n{NO_SYSTEM.chunk.text}", "shop.txt": f"Store listing.\n\n{WITH_SYSTEM.chunk.text}",
             "farm.txt": "Farming.\n\nThe weather in the valley stayed dry through the spring, farmers said."}  # fmt: skip
    return scripted_bot(tmp_path_factory.mktemp("requote"), files, embedder, check_mode="code")


# Right date, but with a place no passage names: no passage supports the sentence as written.
MADE_UP = "Animal Crossing: New Horizons will be released on March 20, 2020 in Tokyo, Japan [1]."


def test_a_draft_no_passage_backs_is_answered_by_the_line_that_gives_its_value(bot):
    bot._model.llm.replies.append(MADE_UP)
    a = bot.answer(Q)
    assert not a.abstained and "Tokyo" not in a.text
    assert a.text == f"{WITH_SYSTEM.chunk.text} [1]" and len(a.citations) == 1
    c = a.citations[0]
    assert bot.store.document(c.doc_id).text[c.start : c.end] == c.quote  # verbatim, at its offsets
    assert any("quoted from" in d for d in a.dropped) and any("no source supports" in d for d in a.dropped)


def test_a_draft_whose_value_no_line_gives_still_abstains(bot):
    from factbot.core.types import AbstainReason

    bot._model.llm.replies.append("Animal Crossing: New Horizons will be released on April 2, 2020 in Tokyo, Japan [1].")
    a = bot.answer(Q)
    assert a.abstained and a.citations == () and a.reason == AbstainReason.UNSUPPORTED  # the model ran
    assert not bot._model.llm.replies  # its reply was used, not left for another test


def test_a_role_question_quotes_only_a_line_that_writes_the_role():
    q = "Who was the runner-up of the 2010 World Cup?"
    champion = passage("a", "Spain won the 2010 World Cup, beating the Netherlands in the final.")
    runner_up = passage("b", "The Netherlands were the runner-up of the 2010 World Cup after losing to Spain.")
    assert quoted_value(q, "The runner-up of the 2010 World Cup was Spain.", [champion]) is None
    assert quoted_value(q, "The Netherlands were the runner-up of the 2010 World Cup.", [champion, runner_up]).doc_id == "b"


def test_a_line_naming_another_edition_is_not_quoted_whatever_its_neighbour_says():
    line = passage("golf", "Hinako Shibuno won the 2019 Women's British Open at Woburn. The event will be the first major of 2020.")
    assert quoted_value("Who won the British Open in 2020?", "Hinako Shibuno won the British Open in 2020.", [line]) is None
