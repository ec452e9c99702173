"""The slot a question asks to fill, read in a sentence: its values and the frame around them.

"The Vesper Prize for poetry 2018 was awarded to Mara Lindqvist" fills the slot of "Who was
awarded the 2018 Vesper Prize for poetry?" with the values {mara, lindqvist}; the rest of its
content words (nobel, prize, literatur, award) are its frame. Two sentences with the same frame and
different values answer the same question differently: that is how a conflict is found.

Values by the form the question asks for (text/questions.AnswerForm): names for who, month and
day words and numbers for when, numbers for how much; names and numbers when the form is open.
Words the question itself gives (its names, its year) are frame, never values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from factbot.text.datelines import dateline_end
from factbot.text.matching import NOT_NAMES, content_stems, numbers, stem, stopwords, without_accents
from factbot.text.questions import DAYS, MONTHS, YEAR, AnswerForm

_LETTERS = r"(?:[^\W\d_]|['’\-])"  # letters of any alphabet ("Chloé"), apostrophes, hyphens
_UPPER = "A-ZÀ-ÖØ-Þ"
_TOKEN = re.compile(rf"[^\W\d_]{_LETTERS}*|\d+(?:[.,]\d+)*(?:(?:st|nd|rd|th)\b)?")  # "19th October": the day 19
_NAME_RUN = re.compile(rf"\b[{_UPPER}]{_LETTERS}+(?:\s+[{_UPPER}]{_LETTERS}+)*")
# What may stand between the words of one value as written: "April 20, 2018", "$1.2 billion".
_JOINER = re.compile(r"^[\s,$€£]*$")
# Words of size that belong to the number before them: "24.6 billion", "3 percent".
_MAGNITUDES = frozenset("hundred thousand million billion trillion percent per cent".split())
TIME_WORDS = {m[:3] for m in MONTHS} | {d[:3] for d in DAYS}
_WEEKDAYS = {d[:3] for d in DAYS}  # "Sunday" says nothing a date's month, day and year do not


@dataclass(frozen=True)
class Token:
    key: str  # how it compares: a stem, a number without commas, a month's first three letters
    start: int  # span in the sentence
    end: int
    value: bool  # of the asked-for form (a name for who) and not given by the question


@dataclass(frozen=True)
class Slot:
    values: frozenset[str]  # keys of the value words
    frame: frozenset[str]  # content stems of every other word
    tokens: tuple[Token, ...]
    text: str = ""  # the sentence the tokens index into


def read_slot(sentence: str, form: AnswerForm, question: str) -> Slot:
    """The sentence's values for the question's slot, and its frame."""
    given = content_stems(question) | numbers(question)
    published = dateline_end(sentence)  # the date a line opens with gives no value (text/datelines)
    tokens = tuple(
        Token(t.key, t.start, t.end, t.value and t.start >= published) for t in _tokens(sentence, form, given)
    )
    if form == AnswerForm.DATE:
        tokens = _dates_only(tokens)
    elif form in (AnswerForm.ANY, AnswerForm.NUMBER):
        tokens = _no_dates(tokens, sentence)
    values = frozenset(t.key for t in tokens if t.value)
    stop = stopwords()
    frame = frozenset(t.key for t in tokens if not t.value and t.key not in stop and len(t.key) > 1) - values
    return Slot(values, frame, tokens, sentence)


def _dates_only(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """For "when": a number is a date's part only as a year or next to a month or day word
    ("April 20"), not as a price ("$449") or a model ("Pixel 4")."""
    out = []
    for i, t in enumerate(tokens):
        near = {tokens[j].key for j in (i - 1, i + 1) if 0 <= j < len(tokens)}
        if t.value and t.key[:1].isdigit() and not (YEAR.fullmatch(t.key) or near & TIME_WORDS):
            t = Token(t.key, t.start, t.end, False)
        out.append(t)
    return tuple(out)


def _no_dates(tokens: tuple[Token, ...], text: str) -> tuple[Token, ...]:
    """Where a date does not answer, its numbers are no values either: "Mar 5, 2018" is when a
    line was published, not which movie won."""
    out, group = list(tokens), []
    for i, t in enumerate(tokens + (None,)):
        if t is not None and group and _JOINER.match(text[tokens[group[-1]].end : t.start]):
            group.append(i)
            continue
        if any(tokens[j].key in TIME_WORDS and not tokens[j].key[:1].isdigit() for j in group):
            for j in group:
                if tokens[j].key[:1].isdigit():
                    out[j] = Token(tokens[j].key, tokens[j].start, tokens[j].end, False)
        group = [i]
    return tuple(out)


def value_runs(slot: Slot) -> list[list[Token]]:
    """Runs of value words of one kind with only spaces between them: "Mara Lindqvist", "20 2018"
    of "April 20, 2018" is two runs (the comma), "February 2016 Gianni" is two (the kind)."""
    runs: list[list[Token]] = []
    prev: Token | None = None
    for t in slot.tokens:
        if t.value and prev is not None and prev.value and is_quantity(t) == is_quantity(prev) and (
            slot.text[prev.end : t.start].isspace()
        ):
            runs[-1].append(t)
        elif t.value:
            runs.append([t])
        prev = t
    return runs


def surface(sentence: str, slot: Slot, keys: frozenset[str]) -> str:
    """The value as written: the run of value words around the first word whose key is in keys
    ("April 20, 2018", "Mara Lindqvist"); "" when no value word has such a key."""
    toks = slot.tokens
    hits = [i for i, t in enumerate(toks) if t.value and t.key in keys]
    if not hits:
        return ""
    lo = hi = hits[0]
    kind = is_quantity(toks[lo])
    while lo > 0 and _joins(sentence, toks[lo - 1], toks[lo]) and _part_of_value(toks[lo - 1], kind):
        lo -= 1
    while hi + 1 < len(toks) and _joins(sentence, toks[hi], toks[hi + 1]) and (
        _part_of_value(toks[hi + 1], kind) or (kind and toks[hi + 1].key in _MAGNITUDES)
    ):
        hi += 1
    start = toks[lo].start
    if start > 0 and sentence[start - 1] in "$€£":
        start -= 1
    return sentence[start : toks[hi].end]


def same_date(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two sets of date keys name one day where both give it: "November 17" and "Sunday,
    November 17, 2019" agree (one leaves the year open), "November 17" and "November 15" do not.
    They must share a month or a year to be dates at all."""
    def fields(keys):
        months = {k for k in keys if k in TIME_WORDS and k not in _WEEKDAYS}
        years = {k for k in keys if YEAR.fullmatch(k)}
        days = {k for k in keys if k.isdigit() and len(k) <= 2}
        return months, days, years

    fa, fb = fields(a), fields(b)
    if not (fa[0] & fb[0] or fa[2] & fb[2]):
        return False
    return all(x == y for x, y in zip(fa, fb) if x and y)


def is_quantity(t: Token) -> bool:
    """A number or a date word, not a name."""
    return t.key[:1].isdigit() or t.key in TIME_WORDS


def _part_of_value(t: Token, quantity: bool) -> bool:
    """t continues a value of this kind. A given year stays inside the date it belongs to
    ("April 20, 2018" for a 2018 question); a name does not run on into a date."""
    if quantity:
        return is_quantity(t)
    return t.value and not is_quantity(t)


def _joins(sentence: str, a: Token, b: Token) -> bool:
    return bool(_JOINER.match(sentence[a.end : b.start]))


def _tokens(sentence: str, form: AnswerForm, given: set[str]):
    text = sentence  # not normalized: spans must index the sentence as written
    in_name = _name_spans(text) if form in (AnswerForm.NAME, AnswerForm.ANY, AnswerForm.CLAIM) else []
    for m in _TOKEN.finditer(text):
        word = m.group().strip("'’-")
        if not word:
            continue
        lower = word.lower()
        if lower[0].isdigit() and m.start() and text[m.start() - 1].isalpha():
            continue  # "PS5", "Q4": part of a name or a code, not a number
        if lower[0].isdigit():
            key = re.sub(r"(?:st|nd|rd|th)$", "", lower.replace(",", ""))
            is_value = form != AnswerForm.NAME and key not in given
        elif word[0].isupper() and (lower in MONTHS or lower in DAYS):
            key = lower[:3]  # a date's word: a value for "when", and in a claim
            given_dates = {g[:3] for g in given if not g[:1].isdigit()}
            is_value = form in (AnswerForm.DATE, AnswerForm.CLAIM) and key not in given_dates
        else:
            bare = re.sub(r"['’]s$", "", word)  # "There’s" is "There", "Apple's" is "Apple"
            key = stem(without_accents(bare.lower()))  # "Chloé" and "Chloe" are one name
            named = (any(s <= m.start() and m.end() <= e for s, e in in_name) and bare not in NOT_NAMES
                     and lower not in MONTHS and lower not in DAYS)  # a date is not who
            is_value = named and key not in given and bare.lower() not in stopwords()
        yield Token(key, m.start(), m.end(), is_value)


def _name_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _NAME_RUN.finditer(text)]
