"""Code checks for what a 1.5B model misses when comparing a statement with a source sentence:
different numbers, swapped people, negation and opposite verbs. The claim checker compares a
claim with its evidence; the citation check compares an answer sentence with its quote. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from factbot.text import words as W
from factbot.text.matching import _stemmer, content_stems, missing_names, month_names, names, normalize, numbers, words

# Opposites, as stems; either side in the claim and the other in the source is a contradiction.
OPPOSITES = [
    ({"agre", "accept", "approv", "back", "embrac", "welcom"}, {"refus", "reject", "declin", "shot", "oppos", "rebuf"}),
    ({"confirm", "acknowledg", "admit"}, {"deni", "deny", "reject", "disput", "contest"}),
    ({"tempor", "temporarili", "brief"}, {"perman", "perman", "forev", "indefinit"}),
    ({"prais", "welcom", "promis", "hail"}, {"reject", "futil", "critic", "condemn", "slam"}),
    ({"pleas", "happi", "satisfi", "delight"}, {"unhappi", "disappoint", "frustrat", "angri"}),
    ({"wide", "wideli", "public", "publicli", "publicis", "publiciz"}, {"quiet", "secret", "privat", "unpublic"}),
    ({"increas", "rise", "rose", "grow", "expand"}, {"decreas", "fell", "fall", "shrink", "cut"}),
    ({"support", "back"}, {"oppos", "undermin"}),
    ({"clear", "well"}, {"unclear", "vagu"}),
    ({"soon", "immedi", "right", "quick"}, {"eventu", "later", "delay"}),
    ({"inevit", "definit", "certain"}, {"unlik", "imposs", "doubt"}),
    ({"end", "stop", "halt"}, {"restor", "resum", "continu"}),
]
NEGATIONS = {"not", "no", "never", "nor", "n't", "don't", "doesn't", "didn't", "wasn't", "weren't", "isn't",
             "aren't", "won't", "wouldn't", "hasn't", "haven't", "hadn't", "can't", "cannot", "without", "neither"}  # fmt: skip
NEGATION_WINDOW = 3  # a negation this many words before a shared word flips that word
# "no" and "without" negate the phrase they head, which ends where another begins: "no secret
# the president ..." negates no president.
NEGATING_DETERMINERS = frozenset({"no", "without"})
PHRASE_START = W.ARTICLES | W.DEMONSTRATIVES | W.PERSON_SUBJECT | W.PERSON_POSSESSIVE | W.THING_PRONOUNS
# After "not" these add instead of negating: "not just X, but also Y".
FOCUS_PARTICLES = frozenset({"just", "only", "merely", "simply"})
_CLAUSE_MARK = re.compile(r"[,;:()\[\]\"—–]+")  # sentences come split already; "U.S." keeps its stops


@dataclass(frozen=True)
class Signals:
    overlap: float  # share of the claim's content words found in the source
    missing_numbers: frozenset[str]  # in the claim, not in the source, while the source has others
    missing_names: tuple[frozenset[str], ...]  # claim names absent from the source and its context
    swapped_name: bool  # none of the claim's names is in the source, which names someone else
    negation_flip: bool
    opposite: tuple[str, str] | None

    @property
    def contradiction(self) -> str | None:
        """The reason the source refutes the claim, or None."""
        if self.missing_numbers:
            return f"the source gives a different number (the claim says {', '.join(sorted(self.missing_numbers))})"
        if self.swapped_name:
            return "the source attributes this to someone else"
        if self.opposite:
            return f"the source says the opposite ({self.opposite[1]!r} where the claim says {self.opposite[0]!r})"
        if self.negation_flip:
            return "the source states the negation of the claim"
        return None


def _stems_with_negation(text: str) -> dict[str, bool]:
    """Content stems of text, each marked True when a negation stands just before it in its clause.

    A negation reaches no further than the next comma or clause mark; "no" and "without" reach
    only the phrase they head ("no secret the former president" negates no president); "not
    just/only" adds instead of negating ("not just with Putin, but also ...")."""
    out: dict[str, bool] = {}
    for clause in _CLAUSE_MARK.split(normalize(text)):
        ws = words(clause)
        negator, reach_end = "", -1
        for i, w in enumerate(ws):
            if w in NEGATIONS or w.endswith("n't"):
                if i + 1 < len(ws) and ws[i + 1] in FOCUS_PARTICLES:
                    continue
                negator, reach_end = w, i + NEGATION_WINDOW
                continue
            if w in PHRASE_START and negator in NEGATING_DETERMINERS:
                reach_end = -1  # "no secret the president": a new phrase, out of its reach
            stem = _stemmer().stemWord(w)
            out[stem] = out.get(stem, False) or i <= reach_end
    return out


def _opposite(claim: set[str], source: set[str]) -> tuple[str, str] | None:
    for a, b in OPPOSITES:
        for left, right in ((a, b), (b, a)):
            hit_c, hit_s = claim & left, source & right - claim
            if hit_c and hit_s:
                return (sorted(hit_c)[0], sorted(hit_s)[0])
    return None


def _weekdays(text: str) -> set[str]:
    return set(re.findall(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", text.lower()))


_CLAUSE = re.compile(r",?\s+(?:but|while|whereas|although|though|however|yet)\s+|;\s+|\s+[—–-]\s+", re.I)


def compare(claim: str, source: str, context: str = "") -> Signals:
    """Compare a claim with one source sentence (context: the sentence before it, for names).

    "Putin has confirmed his attendance, but the Kremlin has denied ..." holds two statements:
    the contradiction checks run on the clause that speaks to the claim."""
    clauses = [c for c in _CLAUSE.split(source) if c and c.strip()]
    whole = _compare(claim, source, context)
    if len(clauses) < 2:
        return whole
    best = max((_compare(claim, c, context) for c in clauses), key=lambda s: s.overlap)
    # An opposite verb counts in any clause about someone the claim names ("Russia shot it down").
    c_names, c_stems = names(claim), content_stems(claim)
    opposite = best.opposite or next(
        (o for c in clauses if names(c) & c_names and (o := _opposite(c_stems, content_stems(c) - c_stems))), None
    )
    return Signals(whole.overlap, best.missing_numbers, whole.missing_names, best.swapped_name,
                   best.negation_flip, opposite)  # fmt: skip


def with_context_names(sig: Signals, claim: str, context: str) -> Signals:
    """Names may be found anywhere in the passage the sentence comes from ("he" named earlier)."""
    from dataclasses import replace

    return replace(sig, missing_names=tuple(g for g in sig.missing_names if not g & content_stems(context)))


def _compare(claim: str, source: str, context: str) -> Signals:
    c_stems, s_stems = content_stems(claim), content_stems(source)
    ctx_stems = s_stems | content_stems(context)
    c_nums, s_nums = numbers(claim), numbers(source)
    missing_nums = frozenset(c_nums - s_nums) if s_nums - c_nums else frozenset()
    c_names = names(claim)
    source_names = names(source) | names(context)
    swapped = bool(c_names) and not (c_names & ctx_stems) and bool(source_names - c_names)
    c_neg, s_neg = _stems_with_negation(claim), _stems_with_negation(source)
    shared = (set(c_neg) & set(s_neg)) - {_stemmer().stemWord(n) for n in NEGATIONS}
    flip = any(c_neg[w] != s_neg[w] for w in shared if w in c_stems)
    for kind in (month_names, _weekdays):  # a month against a month ("Nov." is November), a day against a day
        said, given = kind(claim), kind(normalize(source))
        if said and given and not said & given:
            missing_nums = missing_nums | frozenset(said)
    return Signals(
        # Words must match in the sentence itself; the sentence before only lends names ("he" -> Healey).
        overlap=len(c_stems & (s_stems | (c_names & ctx_stems))) / len(c_stems) if c_stems else 0.0,
        missing_numbers=missing_nums,
        missing_names=tuple(missing_names(claim, ctx_stems)),
        swapped_name=swapped,
        negation_flip=flip,
        opposite=_opposite(c_stems, s_stems),
    )
