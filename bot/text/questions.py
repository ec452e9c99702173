"""What a question asks for and what it pins down, read from its words (no model).

- The answer's form: a who-question is answered by a name, a when-question by a date, a
  how-many-question by a number. A sentence without anything of that form does not answer it,
  however many of the question's words it repeats ("The first quarter of 2022 was another
  record quarter for Tesla" answers no "how much" question).
- The constraints: the numbers written in digits (years, seasons, quarters) and the names a
  question gives must hold in the sentence that answers it, or the words right around it, not
  somewhere else in the passage ("the 2010 World Cup" in a line about 2014)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from factbot.text import words as W
from factbot.text.datelines import blanked
from factbot.text.roles import Role, other_role, question_role, role_elsewhere
from factbot.text.speakers import asked_speaker, speaks
from factbot.text.matching import (
    MONTH_NAMES, NOT_NAMES, ORDINALS, YEAR, Alias, content_stems, month_stems, name_aliases, name_groups, names,
    normalize, numbers,
    stem, stopwords, words, written_otherwise,
)

MONTHS = MONTH_NAMES + "jan feb mar apr jun jul aug sep sept oct nov dec".split()
# Days and the deictic time words answer "when" as well as a date does ("on Friday", "tomorrow").
DAYS = "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight".split()
_MONTH = re.compile(r"\b(?:%s)\b\.?" % "|".join(MONTHS + DAYS), re.I)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# Questions that ask for a time, an amount, or a name, by their opening words. The words come
# from the closed class of question words plus the quantity and time nouns they combine with.
_WHEN = re.compile(r"^\s*(?:when\b|(?:what|which)\s+(?:year|date|day|month|time)\b|(?:on\s+)?what\s+date\b)", re.I)
_HOW_MANY = re.compile(r"^\s*(?:how\s+(?:many|much|long|old|far|often|big|large|tall)\b|what\s+(?:percentage|percent|share|number|amount)\b)", re.I)
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b", re.I)
# "What is the name of ..." asks for a name. "Which/what + noun" does not fix the form: a city
# is a name, but a deadline, an agreement or a phrase is not.
_NAME_OF = re.compile(r"\b(?:name|title)\s+of\b", re.I)
_DATE_NOUN = re.compile(r"\b(?:date|year|day)\b", re.I)  # "What is the release date of ...?"


class AnswerForm(StrEnum):
    NAME = "name"  # someone or something named: who, whom, whose, the name of
    DATE = "date"  # when, what year, the date of
    NUMBER = "number"  # how many, how much, what percentage
    ANY = "any"  # what did X say, why, how: the form is not fixed
    CLAIM = "claim"  # not asked: a claim's every name, number and date is what may be swapped


@dataclass(frozen=True)
class Constraints:
    numbers: frozenset[str]  # written in digits in the question: years, seasons, quarters
    names: tuple[frozenset[str], ...]  # name groups, as stems
    titles: tuple[str, ...] = ()  # the names as written ("Pretty Woman", "Cyberpunk 2077")
    ordinals: frozenset[tuple[str, str]] = frozenset()  # ("1", "season") for "the first season"
    role: Role | None = None  # "the president of FIFA" (text/roles)
    aliases: Mapping[frozenset[str], Alias] = field(default_factory=dict)  # a name's other form: "US" for "United States"
    speaker: frozenset[str] = frozenset()  # whose words "What did X say ...?" asks for (text/speakers)


# "Which city hosted ...?", "What movie won ...?": which/what right before a noun asks for an
# instance of it, and news text names its instances (a city, a film, an award). Not a form the
# answer must have (a deadline or a phrase is no name), so it only ranks evidence.
_WHICH_NOUN = re.compile(r"^\s*(?:which|what)\s+(?!(?:%s)\b)[a-z]" % "|".join(sorted(W.AUXILIARIES)), re.I)


def ranking_form(question: str) -> AnswerForm:
    """The form evidence is ranked by: answer_form, or a name where which/what asks for an instance."""
    form = answer_form(question)
    return AnswerForm.NAME if form == AnswerForm.ANY and _WHICH_NOUN.match(question) else form


def answer_form(question: str) -> AnswerForm:
    q = normalize(question)
    if _WHEN.match(q):
        return AnswerForm.DATE
    if _HOW_MANY.match(q):
        return AnswerForm.NUMBER
    if _WHO.match(q):
        return AnswerForm.NAME
    if re.match(r"^\s*what\s+(?:is|was|are|were)\s+the\b", q, re.I) and _DATE_NOUN.search(q.split(" of ")[0]):
        return AnswerForm.DATE
    if _NAME_OF.search(q):
        return AnswerForm.NAME
    return AnswerForm.ANY


# Two questions in one ("What did Trump do after the meeting, and why was it reversed?"): "and"
# before a question word (perhaps after a preposition: "and on what platform?") or before an
# auxiliary and its own subject (a pronoun, a determiner or a name: "and has the time come?", not
# "and has agreed to talks") opens the second.
_SUBJECT_START = sorted(W.PERSON_SUBJECT | W.THING_PRONOUNS | W.ARTICLES | W.DEMONSTRATIVES | W.PERSON_POSSESSIVE
                        | {"i", "we", "you", "her"})  # fmt: skip
_SECOND_QUESTION = re.compile(
    r"(?:,\s*|\s+)and\s+(?=(?i:%s)\s+(?:(?i:%s)\b|[A-Z])|(?i:[a-z]+\s+)?(?i:%s)\b)"
    % ("|".join(sorted(W.AUXILIARIES | W.MODALS)), "|".join(_SUBJECT_START), "|".join(sorted(W.QUESTION_WORDS)))
)


def question_parts(question: str) -> tuple[str, ...]:
    """The questions a question joins with "and": each asks for its own evidence. One part when it
    asks one thing ("Who won in 2019 and 2020?", "Where and when did they meet?")."""
    if not question.rstrip().endswith("?"):  # a claim or a request states; it asks nothing twice
        return (question,)
    parts = tuple(p.strip() for p in _SECOND_QUESTION.split(question) if p.strip())
    # "Where and on what occasion might they meet?" joins two question words of one question.
    if len(parts) < 2 or any(words(p)[-1:] and words(p)[-1] in W.QUESTION_WORDS for p in parts):
        return (question,)
    return parts


# A second part that refers back by a pronoun ("and what has he criticized?") is about the
# first part's first name ("Why is Zelenskyy skeptical of Putin, and ...": Zelenskyy).
_REFERS_BACK = W.PERSON_PRONOUNS | {"it", "its"}


@dataclass(frozen=True)
class Part:
    text: str
    form: AnswerForm
    constraints: Constraints


def asked_parts(question: str) -> list[Part]:
    """Each question a question asks (question_parts), with its form and its own constraints; a
    part that refers back by a pronoun also holds the first part's first name."""
    parts = question_parts(question)
    out = [Part(parts[0], answer_form(parts[0]), constraints(parts[0]))]
    subject = out[0].constraints.names[:1]
    for part in parts[1:]:
        c = constraints(part)
        if subject and _REFERS_BACK & set(words(part)) and subject[0] not in c.names:
            c = replace(c, names=subject + c.names)
        out.append(Part(part, answer_form(part), c))
    return out


def constraints(question: str) -> Constraints:
    digits = {n.replace(",", "") for n in _DIGITS.findall(question)}
    return Constraints(frozenset(digits), tuple(name_groups(question)), titles(question), ordinal_nouns(question),
                       question_role(question), _aliases(question), asked_speaker(question))  # fmt: skip


def _aliases(question: str) -> dict[frozenset[str], Alias]:
    return {g: a for g, a in zip(name_groups(question), name_aliases(question)) if a}


_ORDINAL = re.compile(r"\b(%s|\d+(?:st|nd|rd|th))\b" % "|".join(ORDINALS), re.I)
# Words after an ordinal that it may rank: "the tenth and final season" ranks the season.
ORDINAL_REACH = 3


def ordinal_nouns(text: str) -> frozenset[tuple[str, str]]:
    """Each ordinal with the stems of the words it may rank: {("10", "final"), ("10", "season")}
    for "the tenth and final season"."""
    stop = stopwords()
    out = set()
    for m in _ORDINAL.finditer(text):
        n = ORDINALS.get(m.group(1).lower()) or re.sub(r"\D", "", m.group(1))
        following = [w for w in words(text[m.end() :])[:ORDINAL_REACH] if w not in stop and w not in ORDINALS]
        out |= {(n, stem(w)) for w in following}
    return frozenset(out)


_TITLE = re.compile(r"\b[A-Z][\w’'\-]*(?:\s+(?:[A-Z][\w’'\-]*|\d+))*")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_SUBTITLE = re.compile(r"\s*:\s*[A-Z0-9]")
_INSERTED = r"(?:\s+[A-Z][\w’'\-]*){1,2}\s+"


def titles(question: str) -> tuple[str, ...]:
    """The question's names as written ("Pretty Woman", "Cyberpunk 2077", "NFL"), with no
    leading article and not the question's opening word: checked against being only the head of
    a longer title in a quote."""
    out = []
    for m in _TITLE.finditer(question):
        name = _ARTICLE.sub("", m.group())
        if m.start() == len(question) - len(question.lstrip()) and len(name.split()) == 1:
            continue  # "Who", "When": the question's first word is capitalized anyway
        if name.isupper():
            continue  # "CEO", "NFL": a role or a body, and "CEO: John Hanke" is a label, not a subtitle
        if name and name not in NOT_NAMES and not _SUBTITLE.match(question, m.end()):
            out.append(name)  # a title the question itself gives a subtitle ("Mission: Impossible") is not checked
    return tuple(out)


def missing_constraints(c: Constraints, window: str, names_window: str = "", quote: str = "") -> list[str]:
    """The question's constraints the window of text contradicts or lacks.

    A number fails when the window gives another of its kind instead (another year for a year,
    another number for a season or a quarter); a window that gives none leaves it open. A name
    fails when neither the window nor names_window (the text a quote leans on for "he") has it.
    An ordinal fails when the window ranks the same thing with another ("the tenth season" for
    "the first season"); a title, when the window writes it only inside a longer one; a role, when
    the window gives it only to another body ("CEO of Panasonic" for Tesla's CEO) or gives the
    body's name another word in its place ("World Cup 2014 winner" for the runner-up); a year, also
    when the window names another edition of the question's event ("the 2019 Women's British
    Open"); the speaker whose words are asked for, when no clause of the window reports him
    speaking. The date a
    window opens with counts here (a line published in 2016 reports nothing of 2018), though it
    gives no value (text/datelines). quote, the sentence the window is built around, is also read
    alone for the edition it names: a fact is about the edition its sentence names, whatever
    year the sentence after it gives ("The event will be the first major of 2020")."""
    lost = [n for n in sorted(c.numbers) if _rivalled(n, window) or _year_elsewhere(n, window, names_window)]
    lost += [n for n in _other_edition(c, window, quote) if n not in lost]
    stems = content_stems(window) | content_stems(names_window)
    lost += [" ".join(sorted(g)) for g in c.names if not g & stems and not _prefix_match(g, stems)
             and not written_otherwise(c.aliases.get(g), f"{window} {names_window}")]  # fmt: skip
    lost += [f"{t} (only as part of a longer title)" for t in c.titles if _only_longer(t, window)]
    if c.ordinals:  # read on every sentence retrieved: only when the question ranks something
        ranked = ordinal_nouns(window)  # "the tenth season" is no line about "the first season"
        lost += [f"{w} {n}" for n, w in sorted(c.ordinals) if (n, w) not in ranked and any(w == w2 for _, w2 in ranked)]
    if c.role and role_elsewhere(c.role, window):  # "presidents of CONCACAF" for FIFA's president
        lost.append(f"{c.role.word} (only of another body)")
    elif c.role and (other := other_role(c.role, window)):  # "World Cup 2014 winner - Germany" for its runner-up
        lost.append(f"{c.role.word} (the line names its {other})")
    if c.speaker and not speaks(c.speaker, window, names_window):  # "a gathering involving Xi" is no word of Xi's
        lost.append(f"words of {' '.join(sorted(c.speaker))}")
    return lost


def _only_longer(title: str, window: str) -> bool:
    """The window writes the title only inside a longer one: as the head of "Title: Subtitle" (the
    form of a sequel, an expansion, an adaptation: "Avengers: Infinity War" for "Avengers",
    "Pretty Woman: The Musical" for "Pretty Woman"), or with capitalized words set inside it
    ("Best Supporting Actor" for "Best Actor"). A window without the title leaves it to the name check."""
    words = [re.escape(w) for w in title.split()]
    spots = list(re.finditer(r"\b%s\b" % r"\s+".join(words), window, re.I))
    if spots:
        return all(_SUBTITLE.match(window, m.end()) for m in spots)
    if len(words) < 2:
        return False
    # "Best Supporting Actor" for "Best Actor": capitalized words inside the title make another one.
    return bool(re.search(r"\b%s\b" % _INSERTED.join(words), window))


def _year_elsewhere(n: str, window: str, passage: str) -> bool:
    """A line with no year of its own is dated by its passage: where the passage gives years and
    none is the question's, the line is about another year ("NBA Draft will be on October 16" in
    a story of the 2020 draft, for the 2021 one)."""
    return bool(passage) and bool(YEAR.fullmatch(n)) and not YEAR.search(window) and _rivalled(n, passage)


# A year written against a name: "the 2019 Women's British Open", "Oscars 2021", "World Cup
# 2014". The name runs up to four capitalized words ("Women's British Open Championship").
_CAP_RUN = r"[A-Z][\w'’.&\-]*(?:\s+[A-Z][\w'’.&\-]*){0,3}"
_YEAR_DIGITS = YEAR.pattern.removeprefix(r"\b").removesuffix(r"\b")
_YEAR_BEFORE_NAME = re.compile(rf"\b({_YEAR_DIGITS})\s+({_CAP_RUN})")
_NAME_BEFORE_YEAR = re.compile(rf"({_CAP_RUN})\s+({_YEAR_DIGITS})\b")
_PARENTHESIZED_YEAR = re.compile(rf"\(\s*{_YEAR_DIGITS}\s*\)")  # "Onward (2020)": a title's year


def _event_years(window: str, names: Sequence[frozenset[str]]) -> set[str]:
    """The years the window writes against one of the question's names: the years of the
    editions of an event it speaks of ("the 2019 Women's British Open" for the British Open)."""
    text = blanked(window)
    found = set()
    for pattern, y, run in ((_YEAR_BEFORE_NAME, 1, 2), (_NAME_BEFORE_YEAR, 2, 1)):
        for m in pattern.finditer(text):
            stems = set().union(*name_groups(m.group(run))) - month_stems(m.group(run))
            if any(stems & g for g in names):
                found.add(m.group(y))
    return found


def _other_edition(c: Constraints, *texts: str) -> list[str]:
    """The question's years some text contradicts: it speaks of another year's edition of the
    question's event ("Hinako Shibuno won the 2019 Women's British Open" for the 2020 one), and
    gives the question's year only as the date it was published or a title's year in brackets
    ("Oscars 2021 ... Onward (2020)")."""
    years = sorted(n for n in c.numbers if YEAR.fullmatch(n))
    lost = set()
    for text in texts if years and c.names else ():
        editions = _event_years(text, c.names)
        if editions:
            own = numbers(_PARENTHESIZED_YEAR.sub(" ", blanked(text)))
            lost |= {n for n in years if n not in editions and n not in own}
    return sorted(lost)


def _rivalled(n: str, window: str) -> bool:
    """The window gives another number of n's kind instead of n (another year for a year,
    another number for a season)."""
    nums = numbers(window)
    if n in nums:
        return False
    years = set(YEAR.findall(window))
    return bool(years if YEAR.fullmatch(n) else nums - years)


def _prefix_match(group: frozenset[str], stems: set[str]) -> bool:
    from factbot.text.matching import STEM_PREFIX, prefix_key

    heads = {prefix_key(t, STEM_PREFIX) for t in stems} - {None}
    return any(prefix_key(w, STEM_PREFIX) in heads for w in group)


def form_tokens(text: str, form: AnswerForm, question: str) -> set[str]:
    """What in text has the asked-for form and is not already in the question (a dateline has none)."""
    text = blanked(text)
    if form == AnswerForm.NAME:  # "Russia's fund" names nothing new for a question about a Russian fund
        asked = content_stems(question)
        return {n for n in names(text) - asked if not _prefix_match(frozenset({n}), asked)}
    if form == AnswerForm.DATE:
        months = {m.group().lower().rstrip(".")[:3] for m in _MONTH.finditer(text)}
        years = set(YEAR.findall(text))
        return (months - {m.group().lower().rstrip(".")[:3] for m in _MONTH.finditer(question)}) | (
            years - numbers(question)
        )
    if form == AnswerForm.NUMBER:
        return numbers(text) - numbers(question)
    return set()
