"""Passages -> the few numbered Evidence units the model sees.

The model answers and cites well with 2-4 short passages and every prompt token costs ~25 ms,
so evidence is chosen at sentence level: the best sentences of the top chunks, each widened to
the neighbours it needs to be understood (a quote whose speaker is named in the line before, a
line ending in a colon), and overlapping windows merged."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from factbot.text import words as W
from factbot.text.matching import content_stems, overlap
from factbot.core.types import Evidence, Passage
from factbot.text.questions import AnswerForm, constraints, form_tokens, missing_constraints, ranking_form
from factbot.text.sentences import is_heading, sentences_in

EVIDENCE_LEXICAL_WEIGHT = 0.35  # question words found in the sentence, next to embedding similarity
NEIGHBOUR_SHARE = 0.75  # a neighbour scoring this share of its seed joins the window
MAX_UNIT_WORDS = 100
CARRY_OVER = 0.9  # a quote or pronoun sentence inherits this share of the score of the one before
MIN_SEED_SHARE = 0.6  # a unit's best sentence must score this share of the top sentence
CONTEXT_CHARS = 400  # text before a unit searched for the names its sentences lean on
MIN_SEED_WORDS = 5  # "The concept?" is a transition, not evidence
MIN_UNITS = 3  # always shown when found, however long (the 1.5B model answers well from 2-4 passages)
# What the question asks for and pins down (factbot.text.questions), as score terms; both chosen
# on one half of the RGB dev suite and checked on the other.
FORM_BONUS = 0.1  # the sentence holds something of the asked-for form (a name for who or "which city", a date for when)
# The sentence gives another year or number than the question; also (same penalty, not tuned
# apart) a title only inside a longer one, another rank of the same thing.
CONSTRAINT_PENALTY = 0.2
# Sentences that lean on the one before: a quote, a pronoun subject, a continuation, or a
# preposition and pronoun opening it ("Between them: a buffer zone.", "Of these, 97% agree").
_UNRESOLVED = re.compile(r"\b(?:he|she|they)\b", re.I)  # a subject the line itself does not name
_NEEDS_PREVIOUS = re.compile(
    r"^(?:[“\"‘']|(?:he|she|they|it|this|that|these|those|but|and|his|her|their)\b"
    r"|[a-z]+\s+(?:%s)\s*[:,;—–])" % "|".join(sorted(W.PERSON_OBJECT | W.DEMONSTRATIVES | {"her", "it", "us"})),
    re.I,
)


@dataclass(frozen=True)
class Sentence:
    passage: int  # index into the passages list
    text: str
    start: int  # offsets into the document text
    end: int


@dataclass
class Unit:
    """One evidence unit being built: its best sentence and the contiguous sentences it spans."""

    seed: int  # index into the sentences list
    idx: list[int]  # sentence indices, consecutive; grows when a later seed merges in


def split_passages(passages: list[Passage]) -> list[Sentence]:
    out = []
    for i, p in enumerate(passages):
        for start, end, text in sentences_in(p.chunk.text, p.chunk.start):
            out.append(Sentence(i, text, start, end))
    return out


def score_sentences(question: str, sentences: list[Sentence], q_vec: np.ndarray, s_vecs: np.ndarray) -> np.ndarray:
    """Embedding similarity plus the share of question words present; a sentence also gets half
    credit for question words in the sentence before it (the speaker of a quote)."""
    if not sentences:
        return np.zeros(0)
    q_terms = content_stems(question)
    stems = [content_stems(s.text) for s in sentences]
    lexical = []
    for i, s in enumerate(sentences):
        before = stems[i - 1] if i and sentences[i - 1].passage == s.passage else set()
        lexical.append(0.5 * overlap(q_terms, stems[i]) + 0.5 * overlap(q_terms, stems[i] | before))
    heading = np.array([is_heading(s.text) for s in sentences], dtype=bool)
    fit = _fit_to_question(question, sentences)
    scores = np.where(heading, -1.0, s_vecs @ q_vec + EVIDENCE_LEXICAL_WEIGHT * np.array(lexical) + fit)
    for i in range(1, len(sentences)):  # a quote continues what the line before introduced
        if sentences[i].passage == sentences[i - 1].passage and _NEEDS_PREVIOUS.match(sentences[i].text):
            scores[i] = max(scores[i], CARRY_OVER * scores[i - 1])
    return scores


def _fit_to_question(question: str, sentences: list[Sentence]) -> np.ndarray:
    """FORM_BONUS for a sentence holding the asked-for form, minus CONSTRAINT_PENALTY where the
    sentence contradicts the question's numbers (another year), titles, ranks or role."""
    form, pinned = ranking_form(question), constraints(question)
    # Names (and a speaker's name) may stand in the lines around a sentence: only what the
    # sentence itself contradicts counts.
    checked = replace(pinned, names=(), speaker=frozenset())
    out = np.zeros(len(sentences))
    for i, s in enumerate(sentences):
        if form != AnswerForm.ANY and form_tokens(s.text, form, question):
            out[i] += FORM_BONUS
        if missing_constraints(checked, s.text):
            out[i] -= CONSTRAINT_PENALTY
    return out


def question_words(question: str, sentences: list[Sentence]) -> list[frozenset[str]]:
    """The question's content stems each sentence holds."""
    q_terms = content_stems(question)
    return [frozenset(q_terms & content_stems(s.text)) for s in sentences]


def _adds_words(j: int, window: range, asked: list[frozenset[str]] | None, sentences: list[Sentence]) -> bool:
    """Sentence j holds question words the window lacks, and goes on with its story (shares a
    content word with it): "Direct talks between Russia and Ukraine were held in Istanbul." is
    followed by "The warring parties have agreed to ... taken to Russia" for "What did Russia and
    Ukraine agree to?". A line after a table heading ("2019 NBA Draft 2021 NBA Draft." / "Date:
    Wednesday, November 18, 2020.") shares nothing with it."""
    if not asked or not asked[j] - frozenset().union(*(asked[k] for k in window)):
        return False
    return bool(content_stems(sentences[j].text) & set().union(*(content_stems(sentences[k].text) for k in window)))


def _window(i: int, sentences: list[Sentence], scores: np.ndarray, asked: list[frozenset[str]] | None = None) -> list[int]:
    def same(j: int) -> bool:
        return 0 <= j < len(sentences) and sentences[j].passage == sentences[i].passage

    seed = sentences[i].text
    lo, hi = i, i
    if same(i - 1) and not is_heading(sentences[i - 1].text) and (
        _NEEDS_PREVIOUS.match(seed) or sentences[i - 1].text.endswith(":") or scores[i - 1] >= NEIGHBOUR_SHARE * scores[i]
    ):
        lo = i - 1
    # "On his Truth Social platform, he recently wrote:" names nobody: reach back to who "he" is.
    if lo < i and same(lo - 1) and _UNRESOLVED.search(sentences[lo].text):
        lo -= 1
    while same(hi + 1) and hi - i < 2 and (
        sentences[hi].text.endswith(":")
        or ((_NEEDS_PREVIOUS.match(sentences[hi + 1].text) or _adds_words(hi + 1, range(lo, hi + 1), asked, sentences))
            and scores[hi + 1] >= 0.5 * scores[i])
        or scores[hi + 1] >= NEIGHBOUR_SHARE * scores[i]
    ):
        hi += 1
    return list(range(lo, hi + 1))


def _trim(window: list[int], seed: int, sentences: list[Sentence], scores: np.ndarray) -> list[int]:
    """Drop the weaker edge sentence until the unit fits the word budget; the seed stays."""
    while len(window) > 1 and sum(len(sentences[j].text.split()) for j in window) > MAX_UNIT_WORDS:
        edges = [j for j in (window[0], window[-1]) if j != seed]
        window.remove(min(edges, key=lambda j: scores[j]))
    return window


def _within_words(units: list[Unit], sentences: list[Sentence], max_words: int) -> list[Unit]:
    """The first MIN_UNITS units whatever their length, then more while the words fit."""
    kept, total = [], 0
    for u in units:
        words = sum(len(sentences[j].text.split()) for j in u.idx)
        if len(kept) >= MIN_UNITS and total + words > max_words:
            break
        kept.append(u)
        total += words
    return kept


def _add_window(units: list[Unit], i: int, window: list[int], sentences: list[Sentence], scores) -> list[Unit]:
    """Seed i's window as a new unit, or merged into the first unit of its passage it overlaps or
    adjoins, and every other such unit with it."""
    touching = [u for u in units if set(window) & set(u.idx) or window[-1] + 1 == u.idx[0]
                or u.idx[-1] + 1 == window[0]]  # fmt: skip
    touching = [u for u in touching if sentences[u.idx[0]].passage == sentences[i].passage]
    if not touching:
        return units + [Unit(i, _trim(window, i, sentences, scores))]
    u = touching[0]
    merged = sorted(set(window).union(*(t.idx for t in touching)))
    u.idx = _trim(list(range(merged[0], merged[-1] + 1)), u.seed, sentences, scores)
    return [t for t in units if t is u or t not in touching]


def select_evidence(
    passages: list[Passage], sentences: list[Sentence], scores: np.ndarray, dense: np.ndarray, k: int,
    max_words: int | None = None, first: tuple[int, ...] = (), asked: list[frozenset[str]] | None = None,
) -> list[Evidence]:
    """Seeds in score order, widened and merged into at most k contiguous units, numbered 1..k;
    with max_words, the best units that fit in that many words together (the first always).
    first: sentences seeded right after the best one, whatever their score (the best sentence
    for each part of a question that asks two things)."""
    units: list[Unit] = []
    # A question states nothing ("Who directed Titanic?"), so it never seeds a unit.
    can_seed = [scores[i] > 0 and len(s.text.split()) >= MIN_SEED_WORDS and not s.text.rstrip().endswith("?")
                for i, s in enumerate(sentences)]  # fmt: skip
    # The floor is relative to the best sentence that can seed: a short top line ("Why now?") must
    # not raise it above every sentence that can.
    floor = MIN_SEED_SHARE * max((float(scores[i]) for i, ok in enumerate(can_seed) if ok), default=0.0)
    ranked = [int(i) for i in np.argsort(-scores)]
    for i in ranked[:1] + list(first) + ranked[1:]:
        if len(units) >= k or (scores[i] < floor and i not in first):
            break
        if not can_seed[i] or any(i in u.idx for u in units):
            continue
        units = _add_window(units, i, _window(i, sentences, scores, asked), sentences, scores)

    if max_words is not None:
        units = _within_words(units, sentences, max_words)
    evidence = []
    for n, u in enumerate(units, start=1):
        first, last = sentences[u.idx[0]], sentences[u.idx[-1]]
        p = passages[first.passage]
        evidence.append(
            Evidence(
                n=n,
                doc_id=p.chunk.doc_id,
                title=p.title,
                source=p.source,
                text=p.chunk.text[first.start - p.chunk.start : last.end - p.chunk.start],
                start=first.start,
                end=last.end,
                relevance=float(dense[u.seed]),
                sentences=tuple((sentences[j].start, sentences[j].end) for j in u.idx),
                context=p.chunk.text[max(0, first.start - p.chunk.start - CONTEXT_CHARS) : first.start - p.chunk.start],
            )
        )
    return evidence
