"""Who holds a role of whom (factbot.text.roles): a line that gives the asked role to another body
states nothing about the question's body."""

import pytest

from factbot.text.questions import constraints, missing_constraints
from factbot.text.roles import bodies, other_role, question_role, role_elsewhere


def test_a_who_question_names_the_role_and_its_body():
    role = question_role("Who is the president of the FIFA?")
    assert role.word == "president" and role.body == {"fifa"}
    assert question_role("Who is the new CEO of Fidelity Investments?").word == "CEO"
    assert question_role("Who is the CEO of Tesla in 2021?").body == {"tesla"}  # the year is no part of the body


@pytest.mark.parametrize("question", [
    "What is the name of Amazon's ai assistant in office?",  # not a who-question
    "What does Zelensky insist on to start negotiations on the withdrawal of Russian troops?",
    "Who directed Titanic?",  # no "the ... of"
    "Who won the Masters golf tournament in 2021?",
])  # fmt: skip
def test_other_questions_have_no_role(question):
    assert question_role(question) is None


@pytest.mark.parametrize("line, body", [
    ("Gianni Infantino has been re-elected as president of FIFA for four more years", ("FIFA",)),
    ("FIFA president Gianni Infantino has lashed out", ("FIFA",)),
    ("Tim Cook is Apple's CEO and a member of Apple's executive team.", ("Apple",)),
    ("Musk, the founder and CEO of SpaceX and Tesla, realized", ("SpaceX", "Tesla")),
    ("Bryan Singer, the credited director of Queen and Freddie Mercury biopic Bohemian Rhapsody who",
     ("Queen", "Freddie Mercury", "Bohemian Rhapsody")),
])  # fmt: skip
def test_a_role_word_is_bound_to_the_body_after_of_or_the_name_before_it(line, body):
    role = "director" if "director" in line else "CEO" if "CEO" in line else "president"
    assert bodies(role, line) == [body]


def test_a_role_word_with_no_body_binds_nothing():
    assert bodies("CEO", "（HQ: San Francisco, CA USA; CEO: John Hanke ）") == []
    assert bodies("director", "a thirty-two-year-old Italian-American director, Francis Ford Coppola, made") == []


@pytest.mark.parametrize("question, line", [
    ("Who is the president of the FIFA?",
     "Jeffrey Webb and Jack Warner – the current and former presidents of CONCACAF, the confederation under FIFA"),
    ("Who is the CEO of Tesla in 2021?", "the outgoing CEO of Panasonic stated that it will rely less on Tesla"),
    ("Who is the president of the NFL?", "re-elected JC Tretter as president of the NFL Players Association"),
    ("Who is the president of the NFL?", "Sandra Douglass Morgan, the first Black female president of an NFL team"),
    ("Who is the CEO of Lego in 2021?", "Anne-Birgitte Albrectsen is the CEO of The LEGO Foundation."),
    ('Who is the director of "Bohemian Rhapsody"?',
     "Bruce Gowers, a director of music videos whose work included the video for Queen's “Bohemian Rhapsody”"),
    ('Who is the director of "Bohemian Rhapsody"?', "Brian May pays tribute to Bohemian Rhapsody video director Bruce Gowers"),
    ("Who is the president of the FIFA?", "FIFA vice president Victor Montagliani spoke."),  # another role
])  # fmt: skip
def test_a_line_giving_the_role_only_to_another_body_fails(question, line):
    assert role_elsewhere(question_role(question), line)
    assert any("another body" in lost for lost in missing_constraints(constraints(question), line))


@pytest.mark.parametrize("question, line", [
    ("Who is the CEO of Lego in 2021?", "Niels B. Christiansen, CEO of the LEGO Group."),  # a legal form
    ("Who is the CEO of Nintendo in 2021?", "Nintendo's CEO Doug Bowser traveled to Venezuela"),
    ("Who is the CEO of Google in 2021?", "A message from our CEO ... CEO of Google and Alphabet"),
    ("Who is the CEO of Tesla in 2021?", "Tesla CEO Elon Musk said"),
    ("Who is the new CEO of Vanguard?", "Vanguard's New CEO Says Advisors' Jobs Are in Jeopardy."),
    ("Who is the CEO of Nintendo in 2021?", "Nintendo's new CEO Shuntaro Furukawa said"),
    ("Who is the CEO of Nintendo in 2021?", "CEO: John Hanke and Nintendo Co., Ltd."),  # unbound: left open
    ("Who is the CEO of Nintendo in 2021?", "Furukawa, Nintendo's new head, is CEO of the company."),  # "the company"
    ("Who is the president of the United States?", "U.S. President Donald Trump said"),  # the body's initials
])  # fmt: skip
def test_a_line_giving_the_role_to_the_body_or_to_none_holds(question, line):
    assert not role_elsewhere(question_role(question), line)
    assert not missing_constraints(constraints(question), line)


def test_an_editions_year_may_lead_the_body():
    role = question_role("Who was the runner-up of the 2010 World Cup?")
    assert role.word == "runner-up" and role.body == {"world", "cup"}


@pytest.mark.parametrize("question, line, other", [
    ("Who was the runner-up of the 2014 World Cup?", "World Cup 2014 winner - Germany.", "winner"),
    ("Who was the runner-up of the 2014 World Cup?", "The 2014 World Cup champion: Germany.", "champion"),
    ("Who is the new CEO of Fidelity Investments?", "Johnson II, the founder of Fidelity Investments.", "founder"),
    ("Who is the new CEO of Fidelity Investments?", "It hired former Fidelity Investments executive Mike Durbin.", "executive"),
    # The role word itself stands in the line: the line may state it, left to the other checks.
    ("Who is the CEO of Tesla in 2021?", "Tesla founder and CEO Elon Musk said.", None),
    # Another body's word, or a word that labels no name.
    ("Who was the runner-up of the 2014 World Cup?", "Euro 2016 winner - Portugal.", None),
    ("Who was the runner-up of the 2014 World Cup?", "The World Cup final was played in Rio.", None),
])  # fmt: skip
def test_a_name_the_line_labels_with_another_word_of_the_body(question, line, other):
    role = question_role(question)
    assert other_role(role, line) == other
    assert (f"{role.word} (the line names its {other})" in missing_constraints(constraints(question), line)) is bool(other)
