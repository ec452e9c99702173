"""Who holds a role of whom: "Who is the president of FIFA?" asks for the president *of FIFA*.

A line that names a president of another body ("Jeffrey Webb and Jack Warner – the current and
former presidents of CONCACAF, the confederation under FIFA") mentions everything the question
names and still states nothing about FIFA's president. The role word in a line is bound to the
body it belongs to by the two forms English writes that in:

- after it: "president of FIFA", "CEO of SpaceX and Tesla";
- before it, as the name that modifies it: "FIFA president Gianni Infantino", "Apple's CEO".

Some forms bind it to no body of the question: "president of an NFL team", "a director of music
videos", "FIFA vice president" (another role). A longer name is the same body only when the words
it adds are a legal form ("the LEGO Group"; not "the LEGO Foundation").

A line whose every bound role word belongs to another body fails the question. A line whose role
word is not bound ("CEO: John Hanke", "a director, Francis Ford Coppola") is left open."""

from __future__ import annotations

import re
from dataclasses import dataclass

from factbot.text.matching import Alias, name_aliases, name_groups, stem, stem_in, stopwords, written_otherwise
from factbot.text.words import LEGAL_FORMS, PREPOSITIONS

# "the [new] president of [the] NFL": one optional modifier before the role word, then "of" and
# the body, a capitalized run or a quoted title; an edition's year may lead the body ("the
# runner-up of the 2010 World Cup").
_ROLE_QUESTION = re.compile(
    r"\bthe\s+(?:[a-z][\w-]*\s+)?([a-z][\w-]*|[A-Z]{2,})\s+of\s+(?:the\s+)?(?:\d{4}\s+)?[\"“]?([A-Z][\w'’.&\- ]*)"
)
_ASKS_WHO = re.compile(r"^\s*(?:who|whom|whose)\b", re.I)
# Nouns that name the answer's form, not a role: "the name of", "the date of", "the title of".
_FORM_NOUNS = frozenset("name names title date year day time".split())
# Where the body's name ends in the question: "the CEO of Tesla in 2021", "of FIFA by vote".
_AFTER_BODY = re.compile(r"\s+(?:%s)\s+" % "|".join(sorted(PREPOSITIONS | {"by", "from"})))
_CAP = r"[A-Z][\w'’&.\-]*"
# A body: capitalized words, joined by "of", "&" or "and" ("Bank of America", "SpaceX and Tesla").
_BODY = rf"{_CAP}(?:\s+(?:of\s+|&\s+|and\s+)?{_CAP})*"
# "director of Queen and Freddie Mercury biopic Bohemian Rhapsody": a noun between two names
# joins them into one phrase; the role may be of any name in it (_PARTS).
_AFTER = re.compile(rf"\s+of\s+(?:the\s+|(an?\s+))?({_BODY}(?:\s+[a-z][\w-]*\s+{_BODY})?)")
_BEFORE = re.compile(rf"({_BODY})\s+$")
_COMPOUND = re.compile(r"[A-Z][\w&.\-]*(?<![’'])\s+([a-z][\w-]*)\s+$")  # not "Nintendo's new CEO"
_OWNER_WORD = re.compile(rf"({_BODY})[’']s\s+[a-z][\w-]*\s+$")  # "Nintendo's new CEO": Nintendo's
_POSSESSIVE = re.compile(r"[’']s\b")
MODIFIER_CHARS = 120  # a name modifying a role is a few words: no need to search a whole passage back
_NAMED_NEXT = re.compile(r"\s+[A-Z]")  # "FIFA president Gianni Infantino": a name follows the role
# The names a bound body may join: "SpaceX and Tesla", "Queen and Freddie Mercury biopic
# Bohemian Rhapsody" (the role is of one of them).
_PARTS = re.compile(r"\s+(?:and|&|[a-z][\w-]*)\s+")
_BARE = re.compile(r"\s+of\s+([a-z][\w-]*)")
# The body and another word in the role's place, labelling a name: "World Cup 2014 winner - Germany",
# "Fidelity Investments executive Mike Durbin" (before it); "the founder of Fidelity Investments" (after).
_EDITION = r"(?:\d{4}\s+)?"
_LABEL_BEFORE = re.compile(rf"({_EDITION}{_BODY}(?:\s+\d{{4}})?)\s+([a-z][\w-]*)\s*(?:[-–—:]\s*)?(?=[A-Z])")
_LABEL_AFTER = re.compile(rf"\bthe\s+([a-z][\w-]*)\s+of\s+(?:the\s+)?({_EDITION}{_BODY})")
_YEARS = re.compile(r"\b\d{4}\b")
_INDEFINITE = "a body"  # what "president of an NFL team" binds the role to: no named body of the question
_LEGAL = frozenset(stem(w) for w in LEGAL_FORMS)


@dataclass(frozen=True)
class Role:
    word: str  # the role word as the question writes it ("president", "CEO")
    body: frozenset[str]  # the stems of the body it is of ("fifa")
    alias: Alias | None = None  # the body's other form: "U.S." for "the United States"


def question_role(question: str) -> Role | None:
    """The role a who-question asks about and the body it is of; None for other questions."""
    if not _ASKS_WHO.match(question):
        return None
    m = _ROLE_QUESTION.search(question)
    if not m or m.group(1).lower() in _FORM_NOUNS:
        return None
    body = _AFTER_BODY.split(m.group(2))[0]  # "Tesla in 2021" -> "Tesla"
    groups = name_groups(body)
    if not groups:
        return None
    aliases = name_aliases(body)
    return Role(m.group(1), frozenset().union(*groups), aliases[0] if len(aliases) == 1 else None)


def bodies(role: str, text: str) -> list[tuple[str, ...]]:
    """The bodies each mention of the role word in text is bound to, each as the names it joins
    ("SpaceX and Tesla"); a mention bound to nothing gives nothing."""
    out = []
    for m in re.finditer(r"\b%ss?\b" % re.escape(role), text, re.I):
        after = _AFTER.match(text, m.end())
        near = text[max(0, m.start() - MODIFIER_CHARS) : m.start()]  # a name modifying a role is a few words
        named_next = bool(_NAMED_NEXT.match(text, m.end()))
        if (after and after.group(1)) or _of_a_kind(text, m.end()) or _compound(near, named_next):
            out.append((_INDEFINITE,))  # "president of an NFL team", "director of music videos"
            continue
        body = after.group(2) if after else _modifier(near, named_next)
        if body:
            out.append(tuple(p for p in _PARTS.split(body) if p and name_groups(p)))
    return [b for b in out if b]


def _of_a_kind(text: str, end: int) -> bool:
    """The role is of a kind of thing, written as a bare noun ("a director of music videos"),
    not of a named body; "CEO of the company" or "of both films" may still be the question's."""
    bare = _BARE.match(text, end)
    return bool(bare) and bare.group(1).lower() not in stopwords()


def _compound(near: str, named_next: bool) -> bool:
    """A word between the name and the role makes another role or the role of another thing:
    "FIFA vice president Victor Montagliani", "Bohemian Rhapsody video director Bruce Gowers".
    near: the text just before the role; named_next: a name follows the role."""
    before = _COMPOUND.search(near)
    return bool(before) and before.group(1).lower() not in stopwords() and named_next


def _modifier(near: str, named_next: bool) -> str | None:
    """The name written before the role word (near ends there) as its modifier: "Apple's CEO"
    (possessive), or "FIFA president Gianni Infantino" (a name follows). "director, Francis" binds nothing."""
    owner_word = _OWNER_WORD.search(near)
    if owner_word:
        return owner_word.group(1)
    before = _BEFORE.search(near)
    if not before:
        return None
    run = before.group(1)
    owner = _POSSESSIVE.search(run)
    if owner:  # "Vanguard's New CEO": the body is the possessor
        return run[: owner.start()]
    return run if named_next else None


def role_elsewhere(role: Role, text: str) -> bool:
    """The text binds the role word only to bodies other than the question's (a line about
    CONCACAF's presidents for FIFA's). False when some mention is the question's or none is bound."""
    bound = bodies(role.word, text)
    return bool(bound) and not any(
        _holds(role.body, name) or written_otherwise(role.alias, name) for names in bound for name in names
    )


def other_role(role: Role, text: str) -> str | None:
    """The word the text gives the question's body's name in the role's place, where it never
    writes the role word: "World Cup 2014 winner - Germany" names the winner, not the runner-up
    the question asks for. None when the role word stands in the text or no such word does."""
    if re.search(r"\b%ss?\b" % re.escape(role.word), text, re.I):
        return None
    labels = [(m.group(2), m.group(1)) for m in _LABEL_BEFORE.finditer(text)]
    labels += [(m.group(1), m.group(2)) for m in _LABEL_AFTER.finditer(text)]
    for word, body in labels:
        if word.lower() not in stopwords() and stem(word) != stem(role.word) and _holds(role.body, _YEARS.sub(" ", body)):
            return word
    return None


def _holds(body: frozenset[str], name: str) -> bool:
    """The name is the question's body: it shares a word with it (the line may write it in part,
    "the role of Billy"), and no word follows the body's last word but a legal form ("the LEGO
    Group" is LEGO; "the LEGO Foundation" and "the NFL Players Association" are other bodies).
    A word of five letters or more may match on its first four ("Nintendo's" / "Nintendo")."""
    stems = [s for word in name.split() for s in sorted(set().union(*name_groups(word)))]
    hits = [i for i, s in enumerate(stems) if stem_in(s, body)]
    return bool(hits) and all(s in _LEGAL for s in stems[hits[-1] + 1 :])
