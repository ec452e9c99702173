"""A checked answer + every passage retrieved for its question -> the sides, when sources disagree.

The drafted answer fills the question's slot with a value ("Olga Tokarczuk") taken from the
sentences it quotes. Every sentence of every retrieved passage, not only those shown to the model,
is read for the same slot (text/slots.py): a sentence with the same frame (most of the quoted
sentence's other content words), the question's constraints (its year, its names), and another
value in the slot answers the same question differently. Its passage must not also state the
drafted value: an article that names both is telling a longer story, not a rival answer.

Pure code, no model call: the same check runs on every answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from factbot.core.types import Citation, Passage, Side
from factbot.text.matching import content_stems, numbers, overlap, stopwords
from factbot.text.questions import AnswerForm, Constraints, answer_form, constraints, missing_constraints
from factbot.text.sentences import sentences_in
from factbot.text.slots import TIME_WORDS, Slot, Token, read_slot, surface

# How alike two frames (content words, slot values aside) must be, as a Dice coefficient, for two
# sentences to answer the same question. On RGB dev half a (drafted answer = the gold sentence),
# 0.55-0.65 all kept 20 of 25 rival answers in counterfactual mode with 1 of 25 false alarms in
# noise mode (0.5: 3 alarms, 0.4: 7); the middle of that plateau. Half b: 20 of 25, 1 alarm.
CONFLICT_FRAME = 0.6
# Fewer content words than this is no frame to compare: such a sentence is read with the one on
# each side (half a: reading 3- or 4-word frames that way too let a false alarm in).
MIN_FRAME = 2
# A rival must cover the question's words nearly as well as the quote it contradicts: a line
# about "four awards" at the same ceremony answers no question about Best Actor. Half a: the
# margin cut noise alarms from 2 to 1 at no loss; 0.2 let one back in.
COVERAGE_MARGIN = 0.1
# A claim's rival must repeat this much of its word sequence (difflib ratio) around the swapped
# value; a sentence that states the claim, as much. On RGB dev half a (claim = the sentence of a
# positive passage that holds the answer): 0.5-0.7 all found 23 of 25 conflicts in counterfactual
# mode; false alarms in noise mode 2, 1, 0 of 25. Half b at 0.7: 22 of 25, 2 false alarms.
CLAIM_ALIGN = 0.7
MAX_SIDE_QUOTES = 3  # quotes shown per side; the side still counts every article that gives it


@dataclass(frozen=True)
class Statement:
    """One sentence of a retrieved passage, read for the question's slot."""

    passage: Passage
    start: int  # document offsets
    end: int
    text: str
    slot: Slot
    frame: frozenset[str]  # the slot's frame, or its window's when the sentence is a fragment


def find_sides(question: str, answer_text: str, cited: Sequence[Citation], passages: Sequence[Passage]) -> tuple[Side, ...]:
    """The sides when the retrieved passages answer the question differently; () when they agree."""
    form = answer_form(question)
    said = read_slot(answer_text, form, question).values
    asked = content_stems(question)
    statements = _statements(question, form, passages)
    at = {(st.passage.chunk.doc_id, st.start): st for st in statements}
    anchors = []
    for c in cited:
        slot = read_slot(c.quote, form, question)
        if slot.values & said:
            st = at.get((c.doc_id, c.start))
            anchors.append((c, slot, st.frame if st else slot.frame, overlap(asked, content_stems(c.quote))))
    if not anchors:
        return ()
    known = frozenset().union(*(a[1].values for a in anchors))
    value = said & known
    taken = {(c.doc_id, c.start) for c, *_ in anchors}
    agree, rivals = [], []
    for st in statements:
        if (st.passage.chunk.doc_id, st.start) in taken:
            continue
        cover = overlap(asked, content_stems(st.text))
        if not any(_same_frame(frame, st.frame) and cover >= c_cover - COVERAGE_MARGIN for _, _, frame, c_cover in anchors):
            continue
        if value <= st.slot.values:
            agree.append(st)
        elif st.slot.values - known and not value <= _passage_values(st, form, question):
            rivals.append(st)
    if not rivals:
        return ()
    return _sides([(c, slot) for c, slot, *_ in anchors], value, agree, rivals, known)


def _same_frame(a: frozenset[str], b: frozenset[str]) -> bool:
    if min(len(a), len(b)) < MIN_FRAME:
        return False
    return 2 * len(a & b) / (len(a) + len(b)) >= CONFLICT_FRAME


def _statements(question: str, form: AnswerForm, passages: Sequence[Passage]) -> list[Statement]:
    """Sentences of the passages that hold the question's constraints and some slot value."""
    # Number words count too: a line about "the tenth season" is no rival answer about "the first".
    wanted = Constraints(frozenset(numbers(question)), constraints(question).names)
    out = []
    for p in passages:
        sents = sentences_in(p.chunk.text, p.chunk.start)
        for i, (s0, s1, text) in enumerate(sents):
            slot = read_slot(text, form, question)
            if not slot.values:
                continue
            window = " ".join(t for _, _, t in sents[max(i - 1, 0) : i + 2])
            if missing_constraints(wanted, window, p.chunk.text):
                continue
            # A fragment ("Argentina.", ": James Cameron.") takes its frame from the lines around it.
            frame = slot.frame if len(slot.frame) >= MIN_FRAME else read_slot(window, form, question).frame
            out.append(Statement(p, s0, s1, text, slot, frame))
    return out


def _passage_values(st: Statement, form: AnswerForm, question: str) -> frozenset[str]:
    return read_slot(st.passage.chunk.text, form, question).values


def _sides(anchors, value: frozenset[str], agree: list[Statement], rivals: list[Statement], known) -> tuple[Side, ...]:
    """The drafted side (its quotes, then agreeing sentences) and one side per rival value."""
    groups = _grouped(rivals, known)
    first_c, first_s = anchors[0]
    drafted = Side(
        value=surface(first_c.quote, first_s, value) or ", ".join(sorted(value)),
        citations=tuple(c for c, _ in anchors) + tuple(_citation(st) for st in _one_per_doc(agree)),
        drafted=True,
        sources=len({c.doc_id for c, _ in anchors} | {st.passage.chunk.doc_id for st in agree}),
    )
    others = [
        Side(
            value=surface(sts[0].text, sts[0].slot, keys) or ", ".join(sorted(keys)),
            citations=tuple(_citation(st) for st in _one_per_doc(sts)),
            sources=len({st.passage.chunk.doc_id for st in sts}),
        )
        for keys, sts in groups
    ]
    sides = [drafted, *others]
    sides.sort(key=lambda s: -s.sources)  # a majority is stated first; every side is shown
    return tuple(_trimmed(s) for s in sides)


def _grouped(rivals: list[Statement], known: frozenset[str]) -> list[tuple[frozenset[str], list[Statement]]]:
    """Rivals sharing a value word give the same answer ("Handke", "Peter Handke")."""
    groups: list[tuple[frozenset[str], list[Statement]]] = []
    for st in rivals:
        own = st.slot.values - known
        match = next((g for g in groups if g[0] & own), None)
        if match:
            groups[groups.index(match)] = (match[0] | own, match[1] + [st])
        else:
            groups.append((own, [st]))
    return groups


def _one_per_doc(statements: list[Statement]) -> list[Statement]:
    seen, out = set(), []
    for st in statements:
        if st.passage.chunk.doc_id not in seen:
            seen.add(st.passage.chunk.doc_id)
            out.append(st)
    return out


def _citation(st: Statement) -> Citation:
    p = st.passage
    return Citation(0, p.chunk.doc_id, p.title, p.source, st.text, st.start, st.end, 1.0)


def _trimmed(side: Side) -> Side:
    seen, kept = set(), []
    for c in side.citations:
        if c.doc_id not in seen:
            seen.add(c.doc_id)
            kept.append(c)
    return Side(side.value, tuple(kept[:MAX_SIDE_QUOTES]), side.drafted, side.sources)


def numbered(sides: tuple[Side, ...], citations: tuple[Citation, ...]) -> tuple[tuple[Side, ...], tuple[Citation, ...]]:
    """Give each side's quotes the [n] of the answer's citation with the same span, or a new one
    after the answer's own; returns the sides and the answer's citations with the new ones added."""
    by_span = {(c.doc_id, c.start, c.end): c for c in citations}
    out_cits = list(citations)
    out_sides = []
    for side in sides:
        cits = []
        for c in side.citations:
            key = (c.doc_id, c.start, c.end)
            if key not in by_span:
                by_span[key] = Citation(len(out_cits) + 1, c.doc_id, c.title, c.source, c.quote, c.start, c.end, c.score)
                out_cits.append(by_span[key])
            cits.append(by_span[key])
        out_sides.append(Side(side.value, tuple(cits), side.drafted, side.sources))
    return tuple(out_sides), tuple(out_cits)


def disagreement(sides: tuple[Side, ...]) -> str:
    """"The sources disagree: [1] and [2] say Olga Tokarczuk; [3] says Peter Handke." """
    parts = []
    for s in sides:
        marks = " and ".join(f"[{c.n}]" for c in s.citations)
        verb = "says" if len(s.citations) == 1 else "say"
        more = f" (and {s.sources - len(s.citations)} more)" if s.sources > len(s.citations) else ""
        parts.append(f"{marks}{more} {verb} {s.value}")
    return "The sources disagree: " + "; ".join(parts) + "."


# Claims ---------------------------------------------------------------------------------------
def claim_sides(claim: str, passages: Sequence[Passage]) -> tuple[Side, ...]:
    """The claim's side and its rivals, when retrieved sentences both state the claim and state it
    with another name, number or date in its place; () otherwise.

    A claim has no question to fix its slot, so the slot is found by aligning each sentence with
    the claim word by word: a rival matches most of the claim's words in order and puts values of
    the same kind (a name for a name, a number or a date for a number or a date) where the claim
    has its own. Unless its passage also gives the claim's values."""
    c_slot = read_slot(claim, AnswerForm.ANY, "")
    if not c_slot.values:
        return ()
    states, rivals = [], []
    for st in _statements("", AnswerForm.ANY, passages):
        lacks = c_slot.values - st.slot.values
        if not lacks:
            if _aligned(c_slot, st.slot) >= CLAIM_ALIGN:
                states.append(st)
        elif _substitutes(c_slot, st.slot) and not lacks <= _passage_values(st, AnswerForm.ANY, ""):
            rivals.append(st)
    if not states or not rivals:
        return ()
    groups = _grouped(rivals, c_slot.values)
    stated = Side(surface(states[0].text, states[0].slot, c_slot.values) or claim,
                  tuple(_citation(st) for st in _one_per_doc(states)), True,
                  len({st.passage.chunk.doc_id for st in states}))  # fmt: skip
    others = [Side(surface(sts[0].text, sts[0].slot, keys) or ", ".join(sorted(keys)),
                   tuple(_citation(st) for st in _one_per_doc(sts)), False,
                   len({st.passage.chunk.doc_id for st in sts})) for keys, sts in groups]  # fmt: skip
    return tuple(_trimmed(s) for s in [stated, *others])


def _sequence(slot: Slot) -> list[Token]:
    stop = stopwords()
    return [t for t in slot.tokens if t.value or (t.key not in stop and len(t.key) > 1)]


def _aligned(a: Slot, b: Slot) -> float:
    """How much of a's word sequence b repeats in order (difflib's ratio of the two sequences)."""
    return SequenceMatcher(None, [t.key for t in _sequence(a)], [t.key for t in _sequence(b)], autojunk=False).ratio()


def _kind(t: Token) -> str:
    return "name" if t.key[:1].isalpha() and t.key not in TIME_WORDS else "quantity"


def _substitutes(claim: Slot, other: Slot) -> bool:
    """other repeats the claim in order, save for values of the same kind put in place of the
    claim's values; every value of the claim it lacks lies in such a replaced stretch."""
    a, b = _sequence(claim), _sequence(other)
    ops = SequenceMatcher(None, [t.key for t in a], [t.key for t in b], autojunk=False)
    if ops.ratio() < CLAIM_ALIGN:
        return False
    present = {t.key for t in b}
    swapped = False
    for tag, i0, i1, j0, j1 in ops.get_opcodes():
        lost = [t for t in a[i0:i1] if t.value and t.key not in present]
        if not lost:
            continue
        put = [t for t in b[j0:j1] if t.value]
        if tag != "replace" or not put or {_kind(t) for t in lost} != {_kind(t) for t in put}:
            return False
        swapped = True
    return swapped
