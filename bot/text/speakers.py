"""Who says it: "What did Xi Jinping say about the parade?" asks for words Xi Jinping said.

A line that only mentions him ("reports suggested a gathering involving Xi Jinping in Beijing")
holds nothing he said, and an answer resting on it ("Xi Jinping said he would attend") puts words
in his mouth. English writes the speaker of a statement in the clause of its reporting verb:
"Peskov told state media", "“...,” Zelenskyy said", "he noted that", "according to Peskov". A
clause here is the text between clause marks (commas, colons, dashes, quotation marks, stops).

A subject pronoun ("he told reporters") may stand for the speaker when the passage names him."""

from __future__ import annotations

import re

from factbot.text import words as W
from factbot.text.matching import SURFACE_PREFIX, normalize, prefix_key, stem, words

# "What did X say ...?", "What has X said ...?", "What did X tell ...?": the question asks for
# X's words. Only the verbs that ask for words: "What did Trump announce?" asks for a thing announced.
_ASKS_WORDS = re.compile(
    r"^\s*what\s+(?:did|does|do|has|have|had)\s+(?P<who>.+?)\s+(?:[a-z]+ly\s+)?"
    r"(?:say|said|tell|told|write|written|wrote)\b",
    re.I,
)
# The name at the end of the subject: "Kremlin spokesman Dmitry Peskov" -> Dmitry Peskov.
_LAST_NAME = re.compile(r"\b[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?$")
_CLAUSE = re.compile(r"[,;:()\[\]\"]|\s-\s|[.!?](?:\s|$)")  # on normalized text: quotes straight, dashes " - "


def asked_speaker(question: str) -> frozenset[str]:
    """The name (its last two words, lowercase) of the one whose words the question asks for;
    empty when it asks for nobody's words. Either word may stand for him: "Xi" or "Jinping"."""
    m = _ASKS_WORDS.match(normalize(question))
    name = _LAST_NAME.search(m.group("who").strip()) if m else None
    return frozenset(w.lower() for w in name.group().split()) if name else frozenset()


def speaks(speaker: frozenset[str], window: str, names_window: str = "") -> bool:
    """Some clause of window reports speech (a reporting verb, or "according to") and names the
    speaker, or has a subject pronoun while window or names_window names him somewhere."""
    named_near = _named(speaker, words(f"{window} {names_window}"))
    for clause in _CLAUSE.split(normalize(window)):
        found = words(clause)
        if not _reports(found):
            continue
        if _named(speaker, found) or (named_near and W.PERSON_SUBJECT & set(found)):
            return True
    return False


def _named(speaker: frozenset[str], found: list[str]) -> bool:
    keys = {prefix_key(w, SURFACE_PREFIX) for w in speaker} - {None}  # spelling variants: "Zelensky" / "Zelenskyy"
    return any(w in speaker or prefix_key(w, SURFACE_PREFIX) in keys for w in found)


def _reports(found: list[str]) -> bool:
    stems = {stem(w) for w in found}
    return bool(stems & _REPORTING) or any(a == "according" and b == "to" for a, b in zip(found, found[1:]))


_REPORTING = frozenset(stem(w) for w in W.REPORTING_VERBS)
