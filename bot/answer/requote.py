"""A draft that failed its check, answered by quoting instead of paraphrasing.

The model may give the right value and cite a passage that does not hold the question's own
names, or add words no passage says ("... in Brooklyn, New York" where the line breaks off after
Brooklyn). When a retrieved sentence gives the draft's value and meets every constraint of the
question in its own words (its names and numbers in the sentence or beside it), that
sentence, verbatim and cited, is the answer: nothing in it is the model's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from factbot.answer.conflicts import Statement, giving_draft, quote_of
from factbot.core.types import Citation, Passage
from factbot.text.matching import content_stems, name_groups, numbers, stem
from factbot.text.questions import AnswerForm, answer_form
from factbot.text.roles import question_role

# Value words a quoted line must share with the draft (all of them when the draft gives fewer):
# a month and a day, a first name and a surname. One shared year is not the draft's date.
MIN_SHARED_VALUES = 2


def quoted_value(question: str, draft: str, passages: Sequence[Passage]) -> Citation | None:
    """The retrieved sentence that gives most of the draft's value and meets every constraint of
    the question, the most question-like first; None when the question's form is open or none does."""
    if answer_form(question) == AnswerForm.ANY:  # no slot to compare: "what did X say" is not answered by one value
        return None
    said, found = giving_draft(question, draft, passages)
    need = min(len(said), MIN_SHARED_VALUES)
    given, names = numbers(question), name_groups(question)
    role = question_role(question)
    if role:  # "the runner-up of the 2010 World Cup": the role is asked as much as the names are
        names = [*names, frozenset({stem(role.word.lower())})]
    best = next((st for st in found if len(st.slot.values & said) >= need and _meets(st, given, names)), None)
    return replace(quote_of(best), n=1) if best else None


def _meets(st: Statement, given: set[str], names: list[frozenset[str]]) -> bool:
    """No constraint lost, and the question's numbers, names and role written in the sentence or
    beside it: a line that merely does not contradict the year asked, whose article names the
    question's people somewhere else, or that names the winner where the runner-up is asked, is
    not enough to quote as the answer."""
    near = content_stems(st.text) | st.around
    return not st.lost and given <= numbers(st.text) | st.around and all(g & near for g in names)
