"""Disagreeing sources through the whole answer path: real MiniLM, Chroma and BM25; the model is a
FAKE that replays a scripted reply (control flow only; the real model runs in the RGB eval)."""

from __future__ import annotations

import json

import pytest
from test_pipeline_flow import scripted_bot

from factbot.app.client import answer_from_dict
from factbot.app.render import answer_text
from factbot.app.ui_render import answer_html
from factbot.core.types import Label, Stance

Q = "Which company acquired the messaging app Chatterly in 2014?"
SAYS_A = "In February 2014, Orbitel acquired the messaging app Chatterly for $19 billion, the company announced."
SAYS_B = "In February 2014, Vantix acquired the messaging app Chatterly for $19 billion, the company announced."
OTHER = "The weather in the valley stayed dry through the spring, farmers said on Tuesday."


def _news_bot(tmp_path_factory, embedder, name: str, wire: str, daily: str, third: tuple[str, str]):
    """A scripted bot over four articles: wire, daily and a third story (file name, text) on one
    deal, and a farming story on nothing of it."""
    files = {"wire.txt": f"Deal news.\n\n{wire}", "daily.txt": f"Business.\n\n{daily}",
             third[0]: third[1], "farm.txt": f"Farming.\n\n{OTHER}"}  # fmt: skip
    return scripted_bot(tmp_path_factory.mktemp(name), files, embedder, check_mode="code")


@pytest.fixture(scope="module")
def bot(tmp_path_factory, embedder):
    return _news_bot(tmp_path_factory, embedder, "conflict", SAYS_A, f"{SAYS_A} Analysts had expected it.",
                     ("blog.txt", f"Tech roundup.\n\n{SAYS_B}"))  # fmt: skip


def _ask(bot, reply: str):
    bot._model.llm.replies.append(reply)
    return bot.answer(Q)


def test_the_answer_names_both_sides_each_cited_and_never_only_one(bot):
    a = _ask(bot, "Orbitel acquired Chatterly in February 2014 [1].")
    assert not a.abstained and a.text.startswith("The sources disagree:")
    assert [(s.value, s.sources, s.drafted) for s in a.conflicts] == [("Orbitel", 2, True), ("Vantix", 1, False)]
    by_n = {c.n: c for c in a.citations}
    for side in a.conflicts:
        for c in side.citations:
            assert by_n[c.n] == c and f"[{c.n}]" in a.text
            assert bot.store.document(c.doc_id).text[c.start : c.end] == c.quote  # verbatim
            assert side.value in c.quote


def test_a_draft_that_took_the_minority_side_still_reports_the_majority(bot):
    a = _ask(bot, "Vantix acquired Chatterly in February 2014 [1].")
    assert [(s.value, s.drafted) for s in a.conflicts] == [("Orbitel", False), ("Vantix", True)]


def test_the_sides_reach_the_cli_json_and_web_ui(bot):
    a = _ask(bot, "Orbitel acquired Chatterly in February 2014 [1].")
    text = answer_text(a)
    assert "SOURCES DISAGREE" in text and "'Vantix' (1 article)" in text
    assert answer_from_dict(json.loads(json.dumps(a.to_dict(), default=str))) == a
    html = answer_html(a, Q, {}, 0)
    assert "Sources disagree" in html and 'data-side="Vantix"' in html and 'data-side="Orbitel"' in html


def test_a_question_the_sources_agree_on_reports_no_conflict(bot):
    bot._model.llm.replies.append("It stayed dry through the spring [1].")
    a = bot.answer("How was the weather in the valley in the spring?")
    assert not a.abstained and a.conflicts == () and not a.text.startswith("The sources disagree")


def test_check_says_conflicting_with_a_quote_for_each_side(bot):
    v = bot.check("Orbitel acquired the messaging app Chatterly in February 2014.")
    assert v.label == Label.CONFLICTING
    stances = {c.stance for c in v.evidence}
    assert stances == {Stance.SUPPORTS, Stance.REFUTES}
    assert any("Vantix" in c.quote for c in v.evidence if c.stance == Stance.REFUTES)


def test_a_draft_that_merged_both_sides_and_failed_its_check_becomes_the_disagreement(bot):
    a = _ask(bot, "Orbitel and Vantix acquired Chatterly in 2014, and Tesla bought it in 1999 [1].")
    assert any("dropped" in d for d in a.dropped)  # the check dropped the draft sentence
    assert not a.abstained and a.text.startswith("The sources disagree:") and "Tesla" not in a.text
    assert {s.value for s in a.conflicts} == {"Orbitel", "Vantix"}
    assert a.citations and all(bot.store.document(c.doc_id).text[c.start : c.end] == c.quote for c in a.citations)


def test_a_draft_that_fails_its_check_without_a_rival_still_abstains(bot):
    bot._model.llm.replies.append("It was sunny and wet in the valley, with 40 inches of snow [1].")
    a = bot.answer("How much snow fell in the valley in the spring?")
    assert a.abstained and a.conflicts == ()



AGREE_Q = "Who acquired the messaging app Chatterly in 2014?"
AGREE_A = "In February 2014, Orbitel acquired the messaging app Chatterly for $19 billion."
AGREE_B = "Orbitel acquired the messaging app Chatterly in 2014, regulators confirmed."
AGREE_C = "Chatterly, the messaging app, was acquired by Orbitel in 2014 after long talks."


@pytest.fixture(scope="module")
def agreeing(tmp_path_factory, embedder):
    return _news_bot(tmp_path_factory, embedder, "agree", AGREE_A, AGREE_B, ("weekly.txt", f"Markets.\n\n{AGREE_C}"))


def test_an_answer_the_articles_agree_on_is_cited_from_each_of_them(agreeing):
    agreeing._model.llm.replies.append("Orbitel acquired Chatterly in 2014 [1].")
    a = agreeing.answer(AGREE_Q)
    assert not a.abstained and a.conflicts == ()
    # The model cited one article; the others giving the same answer follow its marker.
    assert len(a.citations) == 3 and len({c.doc_id for c in a.citations}) == 3
    assert a.text.endswith(" [1][2][3].")
    for c in a.citations:
        assert agreeing.store.document(c.doc_id).text[c.start : c.end] == c.quote and "Orbitel" in c.quote
