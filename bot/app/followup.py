"""Follow-up questions -> standalone questions, in code (no model call: each prompt token costs
about 25 ms here, and the rules below cover the common chat follow-ups).

  "What did Kellogg clarify?" then "What did he say about troops?" -> "What did Kellogg say about troops?"
  "What did Kellogg clarify?" then "What about Peskov?"           -> "What did Peskov clarify?"
  "Is the summit still possible?" then "When will it happen?"     -> "When will it happen? (the summit still possible)"

A person pronoun is replaced by the person named in the previous question; a follow-up about a
new name reuses the previous question with that name; "it", "that", "there" get the previous
question's topic appended. Anything else is returned unchanged. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence

from factbot.text import words as W

# Words that start or glue a question; capitalized, they are not names.
_FUNCTION_WORDS = (
    W.QUESTION_WORDS | {"whether"} | W.AUXILIARIES | W.MODALS | W.ARTICLES | W.CONNECTIVES | W.PREPOSITIONS
    | W.REQUEST_VERBS | {"summarize", "summarise", "explain", "show", "find"} | W.SPEAKER_PRONOUNS
    | set("according of to about from by than then also again please yes no ok okay thanks".split())
)
_SUBJECT = W.PERSON_SUBJECT
_OBJECT = W.PERSON_OBJECT
_POSSESSIVE = W.PERSON_POSSESSIVE
_PERSON_PRONOUNS = W.PERSON_PRONOUNS
_THING_PRONOUNS = W.THING_PRONOUNS
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z][A-Za-z0-9'’.\-]*[A-Za-z0-9]|[A-Za-z]")
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*[?.!]*\s*$|^\s*and\s+(.+?)\s*[?.!]*\s*$", re.I)
# Words opening a question, dropped to leave its topic ("shall" was never among them).
_QUESTION_START = W.QUESTION_WORDS | {"whether"} | W.AUXILIARIES | (W.MODALS - {"shall"}) | {"tell", "me", "please"}
_LEADING = re.compile(r"^(?:(?:%s)\b\s*)+" % "|".join(sorted(_QUESTION_START)), re.I)
# "that"/"this" refer back when they end the question or precede one of these words.
_DEMONSTRATIVE = re.compile(r"\b(?:that|this)\b(?=\s*(?:[?.!,]|$|\s+(?:is|was|mean|means|meant|happen|happened|true|about|for)\b))", re.I)


def entities(text: str) -> list[str]:
    """Runs of capitalized words that are not question or function words, in order.

    "the" before a name is kept ("the Kremlin"): it marks an organization or place, not a person."""
    found: list[str] = []
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        word = tokens[i].group()
        if word[0].isupper() and word.lower() not in _FUNCTION_WORDS and word.lower() not in _PERSON_PRONOUNS | _THING_PRONOUNS:
            j = i
            while j + 1 < len(tokens) and tokens[j + 1].group()[0].isupper() and _adjacent(text, tokens[j], tokens[j + 1]):
                j += 1
            name = re.sub(r"['’]s$", "", text[tokens[i].start() : tokens[j].end()])
            before = text[: tokens[i].start()].rstrip()
            found.append(f"the {name}" if re.search(r"\bthe$", before, re.I) else name)
            i = j + 1
        else:
            i += 1
    return list(dict.fromkeys(found))


def _adjacent(text: str, a: re.Match, b: re.Match) -> bool:
    gap = text[a.end() : b.start()]
    return gap in (" ", "") or (gap == ". " and len(a.group()) <= 3)  # "St. Petersburg"


def _is_person(entity: str) -> bool:
    return not entity.startswith("the ") and "-" not in entity and not entity.isupper()


def standalone_question(message: str, previous: Sequence[str]) -> str:
    """The message as a question that can be answered without the chat history.

    previous: the earlier user messages of this conversation, oldest first, as typed."""
    message = " ".join(message.split())
    context: str | None = None
    for earlier in previous:  # resolve the chain, so a follow-up of a follow-up works too
        earlier = " ".join(earlier.split())
        context = _resolve(earlier, context) if context else earlier
    return _resolve(message, context) if context else message


def _resolve(message: str, previous: str) -> str:
    prev_entities = entities(previous)
    own = entities(message)
    m = _WHAT_ABOUT.match(message)
    if m:
        new = (m.group(1) or m.group(2)).strip()
        if prev_entities and entities(new) and new not in previous:
            return _replace_first(previous, _main_entity(prev_entities), new)
        return f"{message} ({_topic(previous)})" if not own else message

    words = [w.group() for w in _TOKEN.finditer(message)]
    lowered = [w.lower() for w in words]
    candidates = [e for e in prev_entities if e not in own]
    person_ix = next((i for i, w in enumerate(lowered) if w in _PERSON_PRONOUNS), None)
    if person_ix is not None and candidates and not _refers_inside(message, words[person_ix], own):
        return _substitute(message, words[person_ix], _referent(words[person_ix].lower(), candidates))
    refers_back = any(w in _THING_PRONOUNS for w in lowered) or _DEMONSTRATIVE.search(message)
    if refers_back and not own and (prev_entities or len(previous.split()) > 2):
        return f"{message} ({_topic(previous)})"
    return message


def _refers_inside(message: str, pronoun: str, own: list[str]) -> bool:
    """True when a subject or possessive pronoun follows a name in the same message: it refers to
    that name ("What did Kellogg say when he ..."). An object pronoun never refers to the subject
    ("Did Putin agree with him?")."""
    if _role(message, pronoun) == "object":
        return False
    at = re.search(rf"\b{re.escape(pronoun)}\b", message).start()
    return any(_is_person(e) and 0 <= message.find(e) < at for e in own)


def _main_entity(found: list[str]) -> str:
    return next((e for e in found if _is_person(e)), found[0])


def _referent(pronoun: str, candidates: list[str]) -> str:
    people = [e for e in candidates if _is_person(e)]
    groups = [e for e in candidates if not _is_person(e)]
    if pronoun in ("they", "them", "their"):
        if groups:
            return groups[0]
        return " and ".join(people[:2]) if people else candidates[0]
    return people[0] if people else candidates[0]


def _role(message: str, pronoun: str) -> str:
    """ "subject", "object" or "possessive": "her" is possessive before a noun ("her staff")."""
    low = pronoun.lower()
    if low in _SUBJECT:
        return "subject"
    if low in _OBJECT:
        return "object"
    if low in _POSSESSIVE:
        return "possessive"
    after = message[re.search(rf"\b{re.escape(pronoun)}\b", message).end() :]
    before_noun = re.match(r"\s+[a-z]", after) and not re.match(
        r"\s+(?:about|on|in|at|to|for|with|from|by|of|after|before|and|or|if|that|when|say|said|again)\b", after
    )
    return "possessive" if before_noun else "object"


def _substitute(message: str, pronoun: str, name: str) -> str:
    if _role(message, pronoun) == "possessive":
        name = f"{name}’" if name.endswith("s") else f"{name}’s"
    at = re.search(rf"\b{re.escape(pronoun)}\b", message)
    return message[: at.start()] + name + message[at.end() :]


def _replace_first(text: str, old: str, new: str) -> str:
    bare = old.removeprefix("the ")
    i = text.find(bare)
    if old.startswith("the ") and text[max(0, i - 4) : i].lower() == "the ":
        i -= 4
        bare = text[i : i + 4] + bare
    return text[:i] + new + text[i + len(bare) :] if i >= 0 else text


def _topic(previous: str) -> str:
    """The previous question without its question words: "Is the summit on?" -> "the summit on"."""
    return _LEADING.sub("", previous).rstrip(" ?.!")
