"""Word, number and name matching shared by evidence selection, citation checks and claim checks."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from factbot.text import words as W
from factbot.text.nltk_data import nltk_cache_dir

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][a-zA-Z’'\-]+(?:\s+[A-Z][a-zA-Z’'\-]+)*")
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "hundred": "100",
    "half": "0.5", "twice": "2", "thrice": "3",
}  # fmt: skip
ORDINALS = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
    "eighth": "8", "ninth": "9", "tenth": "10", "eleventh": "11", "twelfth": "12", "thirteenth": "13",
    "fourteenth": "14", "fifteenth": "15", "sixteenth": "16", "seventeenth": "17", "eighteenth": "18",
    "nineteenth": "19", "twentieth": "20",
}  # fmt: skip
NUMBER_WORDS |= ORDINALS


# Prefix matching: a word of MIN_PREFIX_WORD letters or more also matches a word that begins
# with the same first letters, so variants of one name match; a shorter word only matches whole.
MIN_PREFIX_WORD = 5
STEM_PREFIX = 4  # on stems, endings already cut: "turkey" / "turkish", "russia" / "russian"
SURFACE_PREFIX = 5  # on words as written, endings still on: spelling variants ("zelensky" /
# "zelenskyy"); one letter more than on stems, as four letters of a raw word match too much


def prefix_key(word: str, prefix: int) -> str | None:
    """The first `prefix` letters of word, which match any word beginning with them; None for a
    word shorter than MIN_PREFIX_WORD."""
    return word[:prefix] if len(word) >= MIN_PREFIX_WORD else None


@functools.cache
def _stopwords() -> frozenset[str]:
    path = nltk_cache_dir() / "corpora" / "stopwords" / "english"
    words = set(path.read_text().split())
    words |= {"said", "says", "say", "also", "would", "could", "according", "told", "mr", "ms", "one"}
    return frozenset(words - {"not", "no", "nor", "against", "off", "only", "before", "after", "over"})


@functools.cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The Snowball stem of one lowercased word."""
    return _stemmer().stemWord(word)


def stopwords() -> frozenset[str]:
    return _stopwords()


def normalize(text: str) -> str:
    """Straighten quotes and dashes, so model output and source text compare equal."""
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": " - ", "–": "-", "\u00a0": " "})
    return text.translate(table)


def words(text: str) -> list[str]:
    return [w.lower().strip("'’-") for w in _WORD.findall(normalize(text))]


YEAR = re.compile(r"\b(?:1[5-9]|2[0-9])\d\d\b")  # a four-digit year, 1500-2999
MONTH_NAMES = "january february march april may june july august september october november december".split()
_ABBREVIATED = {m[:3]: i for i, m in enumerate(MONTH_NAMES)}
_MONTH_WORD = re.compile(r"\b(?:%s|Sept)\b" % "|".join(w.capitalize() for w in MONTH_NAMES + list(_ABBREVIATED)))
# A date in digits: 10/27/2017 (month first) or 27/10/2017 (day first), or 2017-10-27.
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b|\b\d{4}-(\d{2})-\d{2}\b")


def month_names(text: str) -> set[str]:
    """The full names of the months a text names, however written: "Oct." and "October",
    "10/27/2017" (october), "05/06/2021" (may or june: the order is not known)."""
    out = {MONTH_NAMES[_ABBREVIATED[m.group().lower()[:3]]] for m in _MONTH_WORD.finditer(text)}
    for m in _NUMERIC_DATE.finditer(text):
        parts = [m.group(1), m.group(2)] if m.group(1) else [m.group(4)]
        out |= {MONTH_NAMES[int(p) - 1] for p in parts if 1 <= int(p) <= 12}
    return out


def without_accents(text: str) -> str:
    """text with its accents removed: "Chloé" is "Chloe"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def month_stems(text: str) -> set[str]:
    """month_names as stems, to look up among content stems."""
    return {stem(m) for m in month_names(text)}


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (no stopwords), numbers normalized."""
    stop = _stopwords()
    out = set()
    for w in words(text):
        if w in NUMBER_WORDS:
            out.add(NUMBER_WORDS[w])
        elif w and w not in stop and len(w) > 1:
            out.add(_stemmer().stemWord(w.replace("'s", "")))
        elif w.isdigit():
            out.add(w)
    return out


def numbers(text: str) -> set[str]:
    """Numbers written in digits or words: "two weeks" and "2 weeks" both give {"2"}."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    parts = [p for w in words(text) for p in w.split("-")]  # "four-and-a-half-hour"
    found |= {NUMBER_WORDS[w] for w in parts if w in NUMBER_WORDS and w not in {"one", "half"}}
    return found


# Capitalized words that open sentences and questions, not names. Not "May" (a month): no modals.
NOT_NAMES = W.capitalized(
    W.ARTICLES | W.QUESTION_WORDS | W.AUXILIARIES | W.CONNECTIVES | W.PREPOSITIONS | W.REQUEST_VERBS
    | W.PERSON_SUBJECT | W.DEMONSTRATIVES | W.THING_PRONOUNS
    | {"his", "her", "their", "here", "we", "i", "you", "our"}
    | set("while under over between without now yet even despite meanwhile however moreover notably still such "
          "both according".split())
)


def name_groups(text: str) -> list[frozenset[str]]:
    """Runs of capitalized words ("Karoline Leavitt"), each as a set of lowercased stems."""
    return [group for group, _ in name_runs(text)]


def name_runs(text: str) -> list[tuple[frozenset[str], list[str]]]:
    """Each run of capitalized words as its stems and the words kept, as written."""
    runs = []
    for m in _NAME.finditer(normalize(text)):
        group, kept = set(), []
        for w in m.group().split():
            w = w.strip("'’-").replace("'s", "")
            if w and w not in NOT_NAMES and len(w) > 1 and w.lower() not in _stopwords():  # "We're"
                group.add(_stemmer().stemWord(w.lower()))
                kept.append(w)
        if group:
            runs.append((frozenset(group), kept))
    return runs


# A name may stand in a text as its initials ("U.S." for "United States", "NFL" for "National
# Football League") or spelled out: each name has an alias, looked up in the other form only.
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")


@dataclass(frozen=True)
class Alias:
    key: str  # lowercase initials: "us", "nfl"
    spelled: bool  # the name is written out ("United States"): look for its acronym, else for a spelled-out name


def name_aliases(text: str) -> list[Alias | None]:
    """For each of name_groups(text), its other form: the initials of a name of two words or more,
    the letters of an acronym; None for a single word."""
    return [_alias(kept) for _, kept in name_runs(text)]


def _alias(kept: list[str]) -> Alias | None:
    if len(kept) >= 2:
        return Alias("".join(w[0] for w in kept).lower(), True)
    return Alias(kept[0].lower(), False) if _ACRONYM.fullmatch(kept[0]) else None


def written_otherwise(alias: Alias | None, text: str) -> bool:
    """The text writes the aliased name in its other form: "U.S." for "United States", "National
    Football League" for "NFL"."""
    if alias is None:
        return False
    if alias.spelled:
        return alias.key in {a.lower() for a in _ACRONYM.findall(_acronyms(normalize(text)))}
    return any(len(kept) >= 2 and "".join(w[0] for w in kept).lower() == alias.key for _, kept in name_runs(text))


def names(text: str) -> set[str]:
    """Capitalized words that are not sentence-opening function words, lowercased and stemmed."""
    return set().union(*name_groups(text))


def missing_names(text: str, terms: set[str]) -> list[frozenset[str]]:
    """Names in text with no word in terms: "Karoline Leavitt" is present where "Leavitt" is, and
    words of five letters or more also match on their first four ("Turkey" / "Turkish")."""
    heads = {prefix_key(t, STEM_PREFIX) for t in terms} - {None}
    return [g for g in name_groups(text) if not g & terms and not any(prefix_key(w, STEM_PREFIX) in heads for w in g)]


def stem_in(stem: str, stems: set[str]) -> bool:
    """stem is in stems, or a word of five letters or more shares its first four ("russia" / "russian")."""
    key = prefix_key(stem, STEM_PREFIX)
    return stem in stems or (key is not None and any(s.startswith(key) for s in stems))


# stem_in as a look-up, for counting at ingest how many chunks each stem matches (chunk_share):
# stem_in(stem, stems) == (stem_key(stem) in stem_keys(stems)). A word of MIN_PREFIX_WORD letters or
# more matches on its first STEM_PREFIX letters, so it is looked up by them ("russ*"); a shorter one
# only matches whole, so it is looked up as itself. Keys of the two kinds never collide ("*").
def stem_key(stem: str) -> str:
    key = prefix_key(stem, STEM_PREFIX)
    return stem if key is None else key + "*"


def stem_keys(stems: set[str]) -> set[str]:
    """Every key under which a text with these stems is counted."""
    whole = {s for s in stems if prefix_key(s, STEM_PREFIX) is None}
    return whole | {s[:STEM_PREFIX] + "*" for s in stems if len(s) >= STEM_PREFIX}


def overlap(needle: set[str], haystack: set[str]) -> float:
    """Share of needle found in haystack (1.0 when needle is empty)."""
    return 1.0 if not needle else len(needle & haystack) / len(needle)


def _acronyms(text: str) -> str:
    """"U.S." -> "US", so that both spellings match."""
    return re.sub(r"\b(?:[A-Z]\.){2,}", lambda m: m.group().replace(".", ""), text)


def unmatched_names(question: str, text: str) -> list[str]:
    """Names in the question whose last word (the surname or place) does not occur in text. Words
    also match on their first letters, so spelling variants count ("Zelensky" / "Zelenskyy")."""
    question, text = _acronyms(question), _acronyms(text)
    present = {w.lower() for w in _WORD.findall(normalize(text))}
    stems = content_stems(text)
    prefixes = {prefix_key(w, SURFACE_PREFIX) for w in present} - {None}

    def found(word: str) -> bool:
        w = word.lower()
        return w in present or _stemmer().stemWord(w) in stems or prefix_key(w, SURFACE_PREFIX) in prefixes

    out = []
    for m in _NAME.finditer(normalize(question)):
        tokens = [w.strip("'’-").replace("'s", "") for w in m.group().split()]
        tokens = [w for w in tokens if w and w not in NOT_NAMES and len(w) > 1]
        if not tokens:
            continue
        # "Turkish President Recep Tayyip Erdogan": the surname decides. A longer name may end in
        # a common word the text leaves out ("the 93rd Academy Awards Ceremony" / "the 93rd
        # Academy Awards"): one of three words or more is found by all the others.
        if not (found(tokens[-1]) or (len(tokens) >= 3 and all(found(w) for w in tokens[:-1]))):
            if not written_otherwise(_alias(tokens), text):  # "U.S." for "United States"
                out.append(" ".join(tokens))
    return out
