"""A checked answer + every passage retrieved for its question -> the sides, when sources disagree.

The drafted answer fills the question's slot with a value ("Mara Lindqvist") taken from the
sentences it quotes. Every sentence of every retrieved passage, not only those shown to the model,
is read for the same slot (text/slots.py): a sentence with the same frame (most of the quoted
sentence's other content words), the question's constraints (its year, its names), and another
value in the slot answers the same question differently, when it gives that value in the drafted
value's place: next to the same word ("awarded to Mara Lindqvist" / "awarded to Tomas Brekke").
Its passage must not also state the drafted value: an article that names both is telling a
longer story, not a rival answer. When there is no rival, the sentences of other articles that
give the drafted value cite it from them too (corroborations).

A claim has no question to fix its slot: claim_sides() aligns it with each sentence instead.

Pure code, no model call: the same check runs on every answer and every claim."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from factbot.core.types import Citation, Passage, Side
from factbot.text.matching import content_stems, numbers, overlap, stem, stopwords
from factbot.text.questions import YEAR, AnswerForm, answer_form, constraints, missing_constraints
from factbot.text.sentences import sentences_in
from factbot.text.slots import TIME_WORDS, Slot, Token, is_quantity, read_slot, same_date, surface, value_runs

# How alike two frames (content words, slot values aside) must be, as a Dice coefficient, for two
# sentences to answer the same question. On RGB dev half a (drafted answer = the gold sentence),
# 0.55-0.65 all kept 20 of 25 rival answers in counterfactual mode with 1 of 25 false alarms in
# noise mode (0.5: 3 alarms, 0.4: 7); the middle of that plateau. Half b: 20 of 25, 1 alarm.
# (Requiring the rival value in place then cut the noise alarms to 0 of 25 on both halves, for
# 1 of 25 rivals lost on half a and 2 on half b.)
CONFLICT_FRAME = 0.6
# Fewer content words than this is no frame to compare: such a sentence is read with the one on
# each side (half a: reading 3- or 4-word frames that way too let a false alarm in).
MIN_FRAME = 2
# A rival must cover the question's words nearly as well as the quote it contradicts: a line
# about "four awards" at the same ceremony answers no question about Best Actor. Half a: the
# margin cut noise alarms from 2 to 1 at no loss; 0.2 let one back in.
COVERAGE_MARGIN = 0.1
# Share of a claim's other words (not its names and numbers) a sentence must repeat to state it,
# or a rival of it. On RGB dev half a (claim = a sentence of a positive passage that holds the
# answer; check mode code), 0.5 to 0.8 gave the same verdicts; the middle. With the rules below,
# CONFLICTING in counterfactual mode 19 of 25 (half b 20 of 25), false alarms in noise mode 0 of
# 25 (half b 2 of 25, both from the older rule in claims/verdict.py).
CLAIM_FRAME = 0.6
MIN_CONTEXT = 3  # words of a claim, its swapped value aside, a rival is read against
MAX_SIDE_QUOTES = 3  # quotes shown per side; the side still counts every article that gives it
MAX_DRAFT_ANCHORS = 3  # sentences tried as the anchor of a draft that failed its check
# One answer is a name, a date or an amount: "Francis Ford Coppola", "April 20 2018" (the year
# given). A drafted answer giving more value words than this is a summary, not a slot to compare
# (on the bundled eval an answer naming 15 people was set against one line naming one).
MAX_VALUE_WORDS = 4
# How near the question's own words (counted in content words) the run that is the answer's
# value stands when the answer names more: "Damien Chazelle wins Best Director" (one word between).
VALUE_REACH = 2


@dataclass(frozen=True)
class Statement:
    """One sentence of a retrieved passage, read for the question's slot."""

    passage: Passage
    start: int  # document offsets
    end: int
    text: str
    slot: Slot
    frame: frozenset[str]  # the slot's frame, or its window's when the sentence is a fragment
    lost: frozenset[str]  # the question's constraints (its years, its names) its window lacks
    around: frozenset[str] = frozenset()  # the frame of the sentence with the one on each side


@dataclass(frozen=True)
class Reading:
    """What the retrieved passages say on a checked answer's value."""

    anchors: tuple[tuple[Citation, Slot], ...]  # the answer's quotes that give its value, with their slots
    value: frozenset[str]  # the answer's value, as slot keys
    known: frozenset[str]  # every value word the anchors give
    agree: tuple[Statement, ...]  # other sentences giving the value in the anchors' frame
    rivals: tuple[Statement, ...]  # sentences giving another value in its place
    # Sentences giving the value in any frame, held to the rivals' bar: they cover the question's
    # words nearly as well as the best quote (COVERAGE_MARGIN). Only where the question asks for a
    # name, a date or a number: there the value is the answer.
    gives: tuple[Statement, ...] = ()


def find_sides(
    question: str, answer_text: str, cited: Sequence[Citation], passages: Sequence[Passage]
) -> tuple[Side, ...]:
    """The sides when the retrieved passages answer the question differently; () when they agree."""
    return sides_of(read_answers(question, answer_text, cited, passages))


def sides_of(reading: Reading | None) -> tuple[Side, ...]:
    """The drafted side and one per rival value; () when no passage gives another value."""
    if reading is None or not reading.rivals:
        return ()
    return _sides(list(reading.anchors), reading.value, list(reading.agree), list(reading.rivals), reading.known)


def corroborations(reading: Reading | None, cited: Sequence[Citation]) -> list[Citation]:
    """Sentences of other articles that give the answer's value (Reading.gives), one per article
    not cited yet, so that the value is cited from up to MAX_SIDE_QUOTES articles (as a side of a
    disagreement is); none when some passage gives another value."""
    if reading is None or reading.rivals:
        return []
    docs = {c.doc_id for c in cited}
    extra = [st for st in _one_per_doc(list(reading.gives)) if st.passage.chunk.doc_id not in docs]
    return [quote_of(st) for st in extra[: max(0, MAX_SIDE_QUOTES - len(docs))]]


def read_answers(
    question: str, answer_text: str, cited: Sequence[Citation], passages: Sequence[Passage]
) -> Reading | None:
    """The answer's value, and the retrieved sentences that give it or a rival of it, in the frame
    of the quotes that give it; None when the answer fills no single slot."""
    form = answer_form(question)
    asked = content_stems(question)
    answer = read_slot(answer_text, form, question)
    said = answer.values
    read = statements(question, form, passages)
    at = {(st.passage.chunk.doc_id, st.start): st for st in read}
    anchors, excused = [], set()
    for c in cited:
        slot = read_slot(c.quote, form, question)
        if slot.values & said:
            st = at.get((c.doc_id, c.start))
            # Coverage is compared sentence to sentence: a quote may span two of them.
            cover = overlap(asked, content_stems(st.text if st else c.quote))
            anchors.append((c, slot, st.frame if st else slot.frame, cover))
            excused |= st.lost if st else set()
    if not anchors:
        return None
    known = frozenset().union(*(a[1].values for a in anchors))
    value = said & known
    if len(value) > MAX_VALUE_WORDS:  # more than one answer holds: the run beside the question's words
        value = _beside_question(answer, asked) & known
    if not value or len(value) > MAX_VALUE_WORDS:  # a summary naming many people fills no single slot
        return None
    taken = {(c.doc_id, c.start) for c, *_ in anchors}
    # A rival is held to the question's constraints the drafted answer's quote met ("1984" of
    # "Wonder Woman 1984" need not stand beside every line that names the actress).
    others = [st for st in read if (st.passage.chunk.doc_id, st.start) not in taken and st.lost <= excused]
    best_cover = max(a[3] for a in anchors)
    agree, rivals, gives = [], [], []
    for st in others:
        cover = overlap(asked, content_stems(st.text))
        same = value <= st.slot.values or (form == AnswerForm.DATE and same_date(value, st.slot.values))
        if same and form != AnswerForm.ANY and cover >= best_cover - COVERAGE_MARGIN:
            gives.append(st)
        # Copies of one text split into sentences differently, so a sentence's frame is also read
        # with its neighbours ("Release Date: June 19, 2020 ..." / "... Reveal Trailer.").
        if not any(
            (_same_frame(frame, st.frame) or _same_frame(frame, st.around)) and cover >= c_cover - COVERAGE_MARGIN
            for _, _, frame, c_cover in anchors
        ):
            continue
        if same:
            agree.append(st)
        elif st.slot.values - known and not value <= _passage_values(st, form, question) and any(
            _rival_in_place(slot, value, st.slot) for _, slot, *_ in anchors
        ):
            rivals.append(st)
    return Reading(tuple((c, slot) for c, slot, *_ in anchors), value, known, tuple(agree), tuple(rivals), tuple(gives))


def _beside_question(slot: Slot, asked: set[str]) -> frozenset[str]:
    """The answer's value when it names more than one answer holds (a quoted line naming a song,
    a film and a winner): the run of value words beside the question's own words ("... Damien
    Chazelle wins Best Director"); empty when no run stands that near."""
    seq = _sequence(slot)
    pinned = [i for i, t in enumerate(seq) if not t.value and t.key in asked]
    index = {id(t): i for i, t in enumerate(seq)}
    near = [(min(abs(index[id(t)] - p) for t in run for p in pinned), run) for run in value_runs(slot) if pinned]
    gap, run = min(near, key=lambda x: x[0], default=(None, None))
    return frozenset(t.key for t in run) if gap is not None and gap <= VALUE_REACH else frozenset()


def _rival_in_place(anchor: Slot, value: frozenset[str], other: Slot) -> bool:
    """other gives its own value where the anchor gives the drafted one: next to the same word."""
    return any(_in_place(run, anchor, other) for run in value_runs(anchor) if {t.key for t in run} & value)


def giving_draft(question: str, draft: str, passages: Sequence[Passage]) -> tuple[frozenset[str], list[Statement]]:
    """The draft's slot values, and the retrieved sentences that give some of them: most of them
    first, then the most question-like."""
    form = answer_form(question)
    said = read_slot(draft, form, question).values
    asked = content_stems(question)
    found = [st for st in statements(question, form, passages) if st.slot.values & said]
    found.sort(key=lambda st: (-len(st.slot.values & said), -overlap(asked, content_stems(st.text))))
    return said, found


def draft_anchors(question: str, draft: str, passages: Sequence[Passage]) -> list[Citation]:
    """Retrieved sentences that give what the draft gives: where to look for rivals of a draft
    that failed its check. They must hold the question's numbers (its year); its names may stand
    elsewhere in the article."""
    given = numbers(question)
    _, found = giving_draft(question, draft, passages)
    return [quote_of(st) for st in found if not st.lost & given][:MAX_DRAFT_ANCHORS]


def _same_frame(a: frozenset[str], b: frozenset[str]) -> bool:
    if min(len(a), len(b)) < MIN_FRAME:
        return False
    return 2 * len(a & b) / (len(a) + len(b)) >= CONFLICT_FRAME


def statements(question: str, form: AnswerForm, passages: Sequence[Passage]) -> list[Statement]:
    """Sentences of the passages that hold some slot value, with the constraints they lack."""
    # Number words count too: a line about "the tenth season" is no rival answer about "the first".
    pinned = constraints(question)
    wanted = replace(pinned, numbers=frozenset(numbers(question)))
    out = []
    for p in passages:
        sents = sentences_in(p.chunk.text, p.chunk.start)
        for i, (s0, s1, text) in enumerate(sents):
            slot = read_slot(text, form, question)
            if not slot.values:
                continue
            window = " ".join(t for _, _, t in sents[max(i - 1, 0) : i + 2])
            lost = frozenset(missing_constraints(wanted, window, p.chunk.text, text))
            # A fragment ("Argentina.", ": James Cameron.") takes its frame from the lines around it.
            around = read_slot(window, form, question).frame
            frame = slot.frame if len(slot.frame) >= MIN_FRAME else around
            out.append(Statement(p, s0, s1, text, slot, frame, lost, around))
    return out


def _passage_values(st: Statement, form: AnswerForm, question: str) -> frozenset[str]:
    return read_slot(st.passage.chunk.text, form, question).values


def _sides(anchors, value: frozenset[str], agree: list[Statement], rivals: list[Statement], known) -> tuple[Side, ...]:
    """The drafted side (its quotes, then agreeing sentences) and one side per rival value."""
    groups = _grouped(rivals, known)
    first_c, first_s = anchors[0]
    distinct = value - frozenset().union(*(st.slot.values for st in rivals)) or value  # what the rivals change
    drafted = Side(
        value=surface(first_c.quote, first_s, distinct) or ", ".join(sorted(value)),
        citations=tuple(c for c, _ in anchors) + tuple(quote_of(st) for st in _one_per_doc(agree)),
        drafted=True,
        sources=len({c.doc_id for c, _ in anchors} | {st.passage.chunk.doc_id for st in agree}),
    )
    sides = [drafted, *(_side(sts, keys) for keys, sts in groups)]
    sides.sort(key=lambda s: -s.sources)  # a majority is stated first; every side is shown
    return tuple(_trimmed(s) for s in sides)


def _grouped(rivals: list[Statement], known: frozenset[str]) -> list[tuple[frozenset[str], list[Statement]]]:
    """Rivals sharing a value word give the same answer ("Brekke", "Tomas Brekke")."""
    groups: list[tuple[frozenset[str], list[Statement]]] = []
    for st in rivals:
        own = st.slot.values - known
        match = next((g for g in groups if g[0] & own), None)
        if match:
            groups[groups.index(match)] = (match[0] | own, match[1] + [st])
        else:
            groups.append((own, [st]))
    return groups


def _side(statements: list[Statement], keys: frozenset[str]) -> Side:
    """The side these statements give: named by the value words in keys as the first writes them."""
    first = statements[0]
    return Side(
        value=surface(first.text, first.slot, keys) or ", ".join(sorted(keys)),
        citations=tuple(quote_of(st) for st in _one_per_doc(statements)),
        sources=len({st.passage.chunk.doc_id for st in statements}),
    )


def _one_per_doc(statements: list[Statement]) -> list[Statement]:
    seen, out = set(), []
    for st in statements:
        if st.passage.chunk.doc_id not in seen:
            seen.add(st.passage.chunk.doc_id)
            out.append(st)
    return out


def quote_of(st: Statement) -> Citation:
    """The statement as a verbatim citation (numbered 0: the caller numbers it)."""
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
                by_span[key] = replace(c, n=len(out_cits) + 1)
                out_cits.append(by_span[key])
            cits.append(by_span[key])
        out_sides.append(Side(side.value, tuple(cits), side.drafted, side.sources))
    return tuple(out_sides), tuple(out_cits)


def disagreement(sides: tuple[Side, ...]) -> str:
    """"The sources disagree: [1] and [2] say Mara Lindqvist; [3] says Tomas Brekke." """
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

    A claim has no question to fix its slot; its runs of value words ("Mara Lindqvist", "2018")
    are the candidates. A sentence that keeps every run and most of the claim's other words
    states it. One that keeps all runs but one, puts a value of the same kind in its place (a name
    for a name, a number or a date for a number or a date) and keeps most of the other words
    states a rival, unless its passage also gives the value it replaces. A sentence that drops
    two runs is telling another story, not swapping a fact."""
    c_slot = read_slot(claim, AnswerForm.CLAIM, "")
    runs = value_runs(c_slot)
    # Too little besides the swapped value to tell that two sentences say the same thing.
    # A line of names and numbers only ("October 27, 2017 ; No.") says nothing to compare.
    if not runs or not c_slot.frame or len(c_slot.frame | c_slot.values) - min(len(r) for r in runs) < MIN_CONTEXT:
        return ()
    states, rivals = [], []
    for st in statements("", AnswerForm.CLAIM, passages):  # a claim has no question: no constraints
        if overlap(set(c_slot.frame), set(st.slot.frame) | st.slot.values) < CLAIM_FRAME:
            continue
        lost = [r for r in runs if not {t.key for t in r} & st.slot.values]
        if not lost:
            states.append(st)
        elif len(lost) == 1 and _in_place(lost[0], c_slot, st.slot) and not _same_day(lost[0], c_slot, st.slot):
            if not {t.key for t in lost[0]} <= _passage_values(st, AnswerForm.CLAIM, ""):
                rivals.append(st)
    if not states or not rivals:
        return ()
    groups = _grouped(rivals, c_slot.values)
    swapped = c_slot.values - rivals[0].slot.values  # the claim's value the rivals replace
    stated = replace(_side(states, swapped), drafted=True)
    return tuple(_trimmed(s) for s in [stated, *(_side(sts, keys) for keys, sts in groups)])


def _same_day(run: list[Token], claim: Slot, other: Slot) -> bool:
    """The run is part of a date the other sentence gives too, with a field left open: "November 18,
    2020" and "Wednesday, Nov. 18" are one day."""
    if not any(t.key in TIME_WORDS or YEAR.fullmatch(t.key) for t in run):
        return False
    return same_date(_quantities(claim), _quantities(other))


def _quantities(slot: Slot) -> frozenset[str]:
    return frozenset(t.key for t in slot.tokens if t.value and is_quantity(t))


def _in_place(run: list[Token], claim: Slot, other: Slot) -> bool:
    """other puts a value of its own, of the run's kind (a name for a name), where the claim has
    the run: next to the same word ("awarded to Mara Lindqvist" / "awarded to Tomas Brekke")."""
    seq, oseq = _sequence(claim), _sequence(other)
    i0 = next(i for i, t in enumerate(seq) if t is run[0])
    i1 = i0 + len(run)
    before = seq[i0 - 1].key if i0 > 0 else None
    after = seq[i1].key if i1 < len(seq) else None
    quantity = is_quantity(run[0])
    where = {id(t): j for j, t in enumerate(oseq)}
    for other_run in value_runs(other):
        if not any(_new_value(t, claim.values) and is_quantity(t) == quantity for t in other_run):
            continue
        j0, j1 = where[id(other_run[0])], where[id(other_run[-1])] + 1
        if (before and j0 > 0 and oseq[j0 - 1].key == before) or (after and j1 < len(oseq) and oseq[j1].key == after):
            return True
    return False


def _new_value(t: Token, values: frozenset[str]) -> bool:
    """t is a value not among values, nor one of them compounded ("Chinese-born" for "Chinese")."""
    return t.key not in values and not {stem(p) for p in t.key.split("-")} & values


def _sequence(slot: Slot) -> list[Token]:
    """The slot's tokens that carry meaning: values and content words, in order."""
    return [t for t in slot.tokens if t.value or (t.key not in stopwords() and len(t.key) > 1)]
