"""bot.evidence on hand-built passages: Chunks with real offsets into small made-up articles, and
hand-set score arrays (numpy) in place of the embedder. No model, no embedder."""

from __future__ import annotations

import numpy as np
import pytest

from factbot.answer.evidence import (
    CARRY_OVER,
    CONSTRAINT_PENALTY,
    FORM_BONUS,
    CONTEXT_CHARS,
    MAX_UNIT_WORDS,
    MIN_SEED_WORDS,
    Sentence,
    question_words,
    score_sentences,
    select_evidence,
    split_passages,
)
from factbot.core.types import Chunk, Evidence, Passage

BRIDGE = """Harbor Bridge Reopens After Repairs

The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs, officials said.
Mayor Lena Ortiz spoke to reporters at a short ceremony on the bridge deck.
“The repairs cost less than the budget we approved in spring,” she said.
Why now?
Engineers replaced corroded cables and resurfaced the whole deck this summer.
Inspectors signed off on the work late on Friday evening after final checks.
Traffic Returns

Commuters crowded onto the bridge within an hour of the reopening on Monday.
Bus routes that had been diverted for eleven weeks return to the bridge next week.
"""
# Sentence indices of BRIDGE split into its two chunks (the second starts at "Traffic Returns").
TITLE, REOPENED, ORTIZ, QUOTE, WHY, ENGINEERS, INSPECTORS, TRAFFIC, COMMUTERS, BUSES = range(10)

BOARD_LINES = [
    "The harbor board met on Monday to review the bridge budget.",
    "Engineers presented a report on the corroded cables.",
    "The report listed twelve cables that need replacing soon.",
    "Board members asked for a second opinion on the costs.",
    "A consultant will deliver the second opinion by March.",
    "Repairs would start once the board approves the final plan.",
    "The harbor board meets again in the spring.",
]
BOARD = "\n".join(BOARD_LINES) + "\n"

SPEAKER = """Mayor Lena Ortiz opened the bridge on Monday morning.
On her radio show, she later said:
“The repairs cost far less than any of us feared.”
"""

# Three lines of 49 words each: any two fit MAX_UNIT_WORDS, all three do not.
LONG_LINES = [" ".join(f"{w}{i}" for i in range(44)) + f" ends the {w} line here." for w in ("alpha", "beta", "gamma")]
LONG = "\n".join(LONG_LINES) + "\n"
HUGE = " ".join(f"word{i}" for i in range(MAX_UNIT_WORDS + 20)) + "."


def chunks_of(doc_id: str, text: str, *cuts: str) -> list[Chunk]:
    """text cut into consecutive chunks, each new one starting where a cut string first occurs."""
    bounds = [0, *(text.index(c) for c in cuts), len(text)]
    return [Chunk(f"{doc_id}:{n}", doc_id, text[a:b], a, b) for n, (a, b) in enumerate(zip(bounds, bounds[1:]))]


def passages_of(chunks: list[Chunk]) -> list[Passage]:
    return [Passage(c, title=f"Title of {c.doc_id}", source=f"{c.doc_id}.txt", score=1.0 / (n + 1))
            for n, c in enumerate(chunks)]  # fmt: skip


BRIDGE_PASSAGES = passages_of(chunks_of("bridge", BRIDGE, "Traffic Returns"))
BOARD_PASSAGES = passages_of(chunks_of("board", BOARD))
ZONES = """The plan divides the country into three zones of control along the front.
Northern forces would hold the west, while southern troops keep the east.
Between them: a demilitarized buffer zone.
Monitors from neutral states would patrol the line for several years.
"""
HOLD, BETWEEN = 1, 2
ZONES_PASSAGES = passages_of(chunks_of("zones", ZONES))
DOCS = {"bridge": BRIDGE, "board": BOARD, "speaker": SPEAKER, "long": LONG, "huge": HUGE, "zones": ZONES,
        "table": "2019 Harbor Draft and 2021 Harbor Draft.\nDate: Wednesday, November 18, 2020.\n"}


def scores_for(n: int, high: dict[int, float], low: float = 0.1) -> np.ndarray:
    s = np.full(n, low)
    for i, v in high.items():
        s[i] = v
    return s


def dense_ids(n: int) -> np.ndarray:
    """A distinct 'dense similarity' per sentence: an Evidence's relevance names its seed."""
    return np.arange(n) / 100.0


def seed_of(e: Evidence) -> int:
    return round(e.relevance * 100)


def select(passages, high: dict[int, float], k: int = 3, low: float = 0.1):
    sentences = split_passages(passages)
    ev = select_evidence(passages, sentences, scores_for(len(sentences), high, low), dense_ids(len(sentences)), k)
    assert_well_formed(ev, passages, k)
    return sentences, ev


def assert_well_formed(evidence: list[Evidence], passages: list[Passage], k: int) -> None:
    """Numbered 1..k at most; text, sentence spans and context are all slices of the document."""
    assert len(evidence) <= k
    assert [e.n for e in evidence] == list(range(1, len(evidence) + 1))
    for e in evidence:
        doc = DOCS[e.doc_id]
        assert doc[e.start : e.end] == e.text
        assert e.sentences and e.sentences[0][0] == e.start and e.sentences[-1][1] == e.end
        assert all(s0 < s1 <= t0 for (s0, s1), (t0, _) in zip(e.sentences, e.sentences[1:]))  # in order, disjoint
        chunk = next(p.chunk for p in passages if p.chunk.doc_id == e.doc_id and p.chunk.start <= e.start < p.chunk.end)
        assert e.end <= chunk.end
        assert e.context == doc[max(chunk.start, e.start - CONTEXT_CHARS) : e.start]
        assert e.title == f"Title of {e.doc_id}" and e.source == f"{e.doc_id}.txt"


def scored_with_one_close_line(passages: list[Passage], close: int) -> tuple[list[Sentence], np.ndarray]:
    """score_sentences with every sentence at similarity 0.1 but one at 0.9, no question word present."""
    sentences = split_passages(passages)
    s_vecs = np.tile([0.1, 0.0], (len(sentences), 1))
    s_vecs[close] = [0.9, 0.0]
    return sentences, score_sentences("weather", sentences, np.array([1.0, 0.0]), s_vecs)


def texts(sentences: list[Sentence], e: Evidence) -> list[str]:
    by_span = {(s.start, s.end): s.text for s in sentences}
    return [by_span[span] for span in e.sentences]


# split_passages ---------------------------------------------------------------------------------
def test_split_passages_gives_document_offsets():
    sentences = split_passages(BRIDGE_PASSAGES)
    assert len(sentences) == 10
    assert [s.passage for s in sentences] == [0] * 7 + [1] * 3
    for s in sentences:
        assert BRIDGE[s.start : s.end] == s.text
    assert sentences[TITLE].text == "Harbor Bridge Reopens After Repairs"
    assert sentences[QUOTE].text.startswith("“The repairs")
    assert sentences[WHY].text == "Why now?"
    assert sentences[TRAFFIC].text == "Traffic Returns"


def test_split_passages_numbers_passages_in_the_order_given():
    second, first = BRIDGE_PASSAGES[1], BRIDGE_PASSAGES[0]
    sentences = split_passages([second, first])
    assert sentences[0].text == "Traffic Returns" and sentences[0].passage == 0
    assert sentences[-1].passage == 1 and BRIDGE[sentences[-1].start : sentences[-1].end] == sentences[-1].text


# select_evidence: count, numbering, spans -------------------------------------------------------
@pytest.mark.parametrize("k", [1, 2, 3])
def test_at_most_k_units_numbered_from_one_best_seed_first(k):
    # Four well separated strong sentences: k of them become units, in score order.
    high = {REOPENED: 1.0, ENGINEERS: 0.95, COMMUTERS: 0.9, BUSES: 0.85}
    sentences, ev = select(BRIDGE_PASSAGES, high, k=k)
    assert len(ev) == k
    assert [seed_of(e) for e in ev][:1] == [REOPENED]
    assert [e.relevance for e in ev] == sorted((e.relevance for e in ev))  # dense_ids grow with the index...
    assert [seed_of(e) for e in ev] == sorted(seed_of(e) for e in ev)  # ...and so do the seeds here


def test_nothing_above_zero_gives_no_evidence():
    sentences, ev = select(BRIDGE_PASSAGES, {}, low=0.0)
    assert ev == []
    assert select_evidence([], [], np.zeros(0), np.zeros(0), 3) == []


def test_a_unit_is_the_document_slice_of_its_sentences():
    sentences, ev = select(BRIDGE_PASSAGES, {COMMUTERS: 1.0, BUSES: 0.8})
    assert len(ev) == 1
    (e,) = ev
    assert texts(sentences, e) == [sentences[COMMUTERS].text, sentences[BUSES].text]
    assert e.text == BRIDGE[sentences[COMMUTERS].start : sentences[BUSES].end]
    assert e.doc_id == "bridge" and e.relevance == pytest.approx(COMMUTERS / 100)
    # Its context is the chunk's text before it, never text of the chunk before.
    assert e.context == BRIDGE[BRIDGE.index("Traffic Returns") : e.start]


def test_sentences_below_the_seed_floor_do_not_seed():
    # MIN_SEED_SHARE: 0.5 is under 0.6 of the top score, so it stays out even with k free.
    sentences, ev = select(BRIDGE_PASSAGES, {REOPENED: 1.0, BUSES: 0.5}, k=3)
    assert [seed_of(e) for e in ev] == [REOPENED]


def test_a_first_seed_is_shown_second_whatever_its_score():
    # The best sentence for the second part of a two-part question: under the seed floor for the
    # whole question, shown right after the best one anyway.
    sentences = split_passages(BRIDGE_PASSAGES)
    scores = scores_for(len(sentences), {REOPENED: 1.0, ENGINEERS: 0.9, BUSES: 0.3})

    def shown(ev: list[Evidence]) -> list[list[str]]:
        return [texts(sentences, e) for e in ev]

    ev = select_evidence(BRIDGE_PASSAGES, sentences, scores, dense_ids(len(sentences)), 3, first=(BUSES,))
    assert_well_formed(ev, BRIDGE_PASSAGES, 3)
    assert [seed_of(e) for e in ev] == [REOPENED, BUSES, ENGINEERS]
    without = select_evidence(BRIDGE_PASSAGES, sentences, scores, dense_ids(len(sentences)), 3)
    assert [seed_of(e) for e in without] == [REOPENED, ENGINEERS]
    assert not any(sentences[BUSES].text in unit for unit in shown(without))


# Widening ---------------------------------------------------------------------------------------
def test_a_quote_pulls_in_the_line_naming_its_speaker():
    # The line before scores low (0.1 < NEIGHBOUR_SHARE of the seed) but the quote needs it.
    sentences, ev = select(BRIDGE_PASSAGES, {QUOTE: 1.0})
    (e,) = ev
    assert seed_of(e) == QUOTE
    assert texts(sentences, e) == [sentences[ORTIZ].text, sentences[QUOTE].text]
    assert e.text.startswith("Mayor Lena Ortiz") and e.text.endswith("she said.")


def test_a_line_opening_with_a_preposition_and_pronoun_joins_the_line_it_refers_to():
    # "Between them" is the two forces of the line before: scored low on its own, it inherits
    # most of that line's score and joins its unit.
    sentences, scores = scored_with_one_close_line(ZONES_PASSAGES, HOLD)
    assert scores[BETWEEN] == pytest.approx(CARRY_OVER * scores[HOLD])
    assert scores[BETWEEN + 1] == pytest.approx(0.1)  # "Monitors from ..." names its own subject
    ev = select_evidence(ZONES_PASSAGES, sentences, scores, dense_ids(len(sentences)), 1)
    assert_well_formed(ev, ZONES_PASSAGES, 1)
    assert texts(sentences, ev[0]) == [sentences[HOLD].text, sentences[BETWEEN].text]


def test_a_next_line_holding_question_words_the_seed_lacks_joins_it():
    # "When will the consultant deliver the report's second opinion?": the seed (the report line)
    # lacks "consultant" and "deliver", which the next line holds; scored at half the seed, it joins.
    question = "When will the consultant deliver a second opinion on the report?"
    sentences = split_passages(BOARD_PASSAGES)
    scores = scores_for(len(sentences), {3: 1.0, 4: 0.5, 5: 0.5})
    ev = select_evidence(BOARD_PASSAGES, sentences, scores, dense_ids(len(sentences)), 1,
                         asked=question_words(question, sentences))  # fmt: skip
    assert_well_formed(ev, BOARD_PASSAGES, 1)
    # Line 5 ("Repairs would start ...") holds no question word the window lacks: it stays out.
    assert texts(sentences, ev[0]) == BOARD_LINES[3:5]
    # Without the question's words, the same scores give the seed alone.
    alone = select_evidence(BOARD_PASSAGES, sentences, scores, dense_ids(len(sentences)), 1)
    assert texts(sentences, alone[0]) == BOARD_LINES[3:4]


def test_a_next_line_sharing_no_word_with_the_unit_stays_out():
    # A table heading and the row after it: the row holds the question's word "date", but shares
    # no word with the heading, so it does not continue its story.
    text = "2019 Harbor Draft and 2021 Harbor Draft.\nDate: Wednesday, November 18, 2020.\n"
    passages = passages_of(chunks_of("table", text))
    sentences = split_passages(passages)
    asked = question_words("What is the date of the 2021 Harbor Draft?", sentences)
    assert asked[1] - asked[0]  # the row adds a question word
    ev = select_evidence(passages, sentences, scores_for(2, {0: 1.0, 1: 0.5}), dense_ids(2), 1, asked=asked)
    assert_well_formed(ev, passages, 1)
    assert [e.text for e in ev] == [sentences[0].text]


def test_a_next_line_holding_only_words_the_window_has_stays_out():
    question = "What did board members ask for on the costs?"
    sentences = split_passages(BOARD_PASSAGES)
    scores = scores_for(len(sentences), {3: 1.0, 4: 0.5})
    ev = select_evidence(BOARD_PASSAGES, sentences, scores, dense_ids(len(sentences)), 1,
                         asked=question_words(question, sentences))  # fmt: skip
    assert texts(sentences, ev[0]) == BOARD_LINES[3:4]


def test_a_plain_sentence_with_weak_neighbours_stands_alone():
    sentences, ev = select(BRIDGE_PASSAGES, {ENGINEERS: 1.0})
    (e,) = ev
    assert texts(sentences, e) == [sentences[ENGINEERS].text]


def test_a_strong_neighbour_joins_the_window():
    sentences, ev = select(BRIDGE_PASSAGES, {ENGINEERS: 1.0, INSPECTORS: 0.8})  # 0.8 >= NEIGHBOUR_SHARE
    (e,) = ev
    assert texts(sentences, e) == [sentences[ENGINEERS].text, sentences[INSPECTORS].text]


def test_a_quote_after_an_unnamed_speaker_reaches_back_to_the_name():
    passages = passages_of(chunks_of("speaker", SPEAKER))
    sentences, ev = select(passages, {2: 1.0})
    (e,) = ev
    assert texts(sentences, e) == [s.text for s in sentences]  # name line, "she later said:", quote
    assert e.text == SPEAKER.strip()


def test_a_heading_is_never_the_line_before():
    # REOPENED is the first line after the title; even a high-scoring title is not pulled in backwards.
    sentences, ev = select(BRIDGE_PASSAGES, {REOPENED: 1.0, TITLE: 0.9}, k=1)
    (e,) = ev
    assert sentences[TITLE].text not in e.text
    assert e.start == sentences[REOPENED].start


def test_windows_stay_inside_their_passage():
    # BOARD cut in two chunks: sentences 3 and 4 are neighbours by index, not by passage.
    passages = passages_of(chunks_of("board", BOARD, BOARD_LINES[4]))
    sentences, ev = select(passages, {3: 1.0, 4: 0.95})
    assert [s.passage for s in sentences] == [0, 0, 0, 0, 1, 1, 1]
    assert [texts(sentences, e) for e in ev] == [[BOARD_LINES[3]], [BOARD_LINES[4]]]


# Word cap ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scores, kept",
    [
        ({0: 0.9, 1: 1.0, 2: 0.8}, [0, 1]),  # the weaker edge (2) goes
        ({0: 0.8, 1: 1.0, 2: 0.9}, [1, 2]),  # the weaker edge (0) goes
    ],
)
def test_units_over_the_word_cap_are_trimmed_keeping_the_seed(scores, kept):
    passages = passages_of(chunks_of("long", LONG))
    sentences, ev = select(passages, scores)
    assert [len(s.text.split()) for s in sentences] == [49, 49, 49]
    (e,) = ev
    assert seed_of(e) == 1
    assert texts(sentences, e) == [LONG_LINES[i] for i in kept]
    assert len(e.text.split()) <= MAX_UNIT_WORDS


def test_a_single_sentence_over_the_cap_is_kept_whole():
    passages = passages_of(chunks_of("huge", HUGE))
    sentences, ev = select(passages, {0: 1.0})
    assert [e.text for e in ev] == [HUGE]


# Seeds ------------------------------------------------------------------------------------------
def test_a_short_sentence_never_seeds():
    assert len(BRIDGE.split("\n")[5].split()) < MIN_SEED_WORDS  # "Why now?"
    sentences, ev = select(BRIDGE_PASSAGES, {WHY: 1.0, ENGINEERS: 0.9, COMMUTERS: 0.8})
    assert WHY not in [seed_of(e) for e in ev]
    assert [seed_of(e) for e in ev] == [ENGINEERS, COMMUTERS]
    # It may still stand in a window as a neighbour of a seed.
    assert texts(sentences, ev[0])[0] == "Why now?"


def test_a_short_top_sentence_does_not_silence_the_others():
    sentences, ev = select(BRIDGE_PASSAGES, {WHY: 1.0, COMMUTERS: 0.5})
    assert [seed_of(e) for e in ev] == [COMMUTERS]


def test_headings_never_seed():
    """score_sentences scores a heading -1 whatever its similarity, so it never seeds a unit."""
    sentences = split_passages(BRIDGE_PASSAGES)
    q_vec = np.array([1.0, 0.0])
    s_vecs = np.tile([0.2, 0.98], (len(sentences), 1))
    s_vecs[TITLE] = s_vecs[TRAFFIC] = [1.0, 0.0]  # the headings are the most similar lines
    s_vecs[ENGINEERS] = [0.6, 0.8]
    scores = score_sentences("When did the Harbor Bridge reopen after repairs?", sentences, q_vec, s_vecs)
    assert scores[TITLE] == -1.0 and scores[TRAFFIC] == -1.0
    ev = select_evidence(BRIDGE_PASSAGES, sentences, scores, s_vecs @ q_vec, 3)
    assert_well_formed(ev, BRIDGE_PASSAGES, 3)
    assert ev
    for e in ev:
        assert all(span not in e.sentences for span in ((sentences[i].start, sentences[i].end) for i in (TITLE, TRAFFIC)))


# score_sentences --------------------------------------------------------------------------------
def test_score_sentences_is_similarity_plus_question_words():
    sentences = split_passages(BRIDGE_PASSAGES)
    q_vec = np.array([1.0, 0.0])
    s_vecs = np.tile([0.5, 0.0], (len(sentences), 1))  # equal similarity everywhere
    # "Describe ..." fixes no answer form: similarity and words alone.
    scores = score_sentences("Describe how engineers replaced corroded cables.", sentences, q_vec, s_vecs)
    assert int(np.argmax(scores)) == ENGINEERS  # the words decide between equally similar lines
    assert scores[COMMUTERS] == pytest.approx(0.5)  # no question word: similarity alone
    assert score_sentences("anything", [], q_vec, np.zeros((0, 2))).shape == (0,)


def _equally_similar(question: str, text: str) -> tuple[list, np.ndarray]:
    """The sentences of text and their scores for question when every sentence is equally similar
    to it: what differs is word share and fit to the question."""
    sentences = split_passages(passages_of(chunks_of("doc", text)))
    s_vecs = np.tile([0.5, 0.0], (len(sentences), 1))
    return sentences, score_sentences(question, sentences, np.array([1.0, 0.0]), s_vecs)


def _at(sentences, word: str) -> int:
    return next(i for i, s in enumerate(sentences) if word in s.text)


def test_sentences_holding_the_asked_form_score_higher():
    """A when-question: the line that gives a date gains FORM_BONUS over an equally similar line."""
    text = "Museum\n\nThe city museum reopens after long repairs by the city.\nThe city museum reopens on 4 March 2024.\n"
    sentences, scores = _equally_similar("When does the city museum reopen?", text)
    dated, undated = _at(sentences, "March"), _at(sentences, "repairs")
    assert scores[dated] - scores[undated] == pytest.approx(FORM_BONUS, abs=0.06)  # less any word-share difference
    assert scores[dated] > scores[undated]


def test_a_sentence_giving_another_year_than_the_question_is_penalized():
    text = "Results\n\nThe 2014 final was won by the Eagles in extra time.\nThe 2018 final was won by the Hawks.\n"
    sentences, scores = _equally_similar("Who won the 2018 final?", text)
    assert scores[_at(sentences, "2018")] - scores[_at(sentences, "2014")] >= CONSTRAINT_PENALTY - 1e-9


def test_a_sentence_naming_the_title_only_inside_a_longer_one_is_penalized():
    text = ("Credits\n\nPretty Woman: The Musical is directed by Jerry Mitchell on Broadway.\n"
            "Pretty Woman is directed by Garry Marshall on film.\n")  # fmt: skip
    sentences, scores = _equally_similar('Who directed "Pretty Woman"?', text)
    # less any word-share difference
    assert scores[_at(sentences, "film")] - scores[_at(sentences, "Musical")] >= CONSTRAINT_PENALTY - 0.1


def test_a_sentence_giving_the_role_to_another_body_is_penalized():
    text = ("Football\n\nJC Tretter was re-elected as president of the NFL Players Association on Monday.\n"
            "Roger Goodell was re-elected as president of the NFL on Monday.\n")  # fmt: skip
    sentences, scores = _equally_similar("Who is the president of the NFL?", text)
    # less any word-share difference
    assert scores[_at(sentences, "Goodell")] - scores[_at(sentences, "Tretter")] >= CONSTRAINT_PENALTY - 0.1


def test_a_quote_inherits_most_of_the_score_of_the_line_before():
    sentences, scores = scored_with_one_close_line(BRIDGE_PASSAGES, ORTIZ)
    assert scores[QUOTE] == pytest.approx(CARRY_OVER * scores[ORTIZ])
    assert scores[ENGINEERS] == pytest.approx(0.1)  # not a quote: no carry-over from "Why now?"


# Merging ----------------------------------------------------------------------------------------
def test_overlapping_windows_merge_into_one_unit():
    # Seed 2 stands alone (its neighbours are weak); seed 4's window reaches back over 3, which
    # adjoins the first unit: one unit 2..4, not two.
    sentences, ev = select(BOARD_PASSAGES, {2: 1.0, 3: 0.55, 4: 0.7})
    assert len(ev) == 1
    (e,) = ev
    assert texts(sentences, e) == BOARD_LINES[2:5]
    assert seed_of(e) == 2  # the merged unit keeps its first seed's relevance


def test_a_seed_inside_a_unit_adds_nothing():
    sentences, ev = select(BOARD_PASSAGES, {2: 1.0, 3: 0.9})
    assert [texts(sentences, e) for e in ev] == [BOARD_LINES[2:4]]


def test_units_never_overlap():
    # Units {2} and {5}; then seed 4's window 3..5 adjoins the first and overlaps the second.
    sentences, ev = select(BOARD_PASSAGES, {2: 1.0, 3: 0.5, 4: 0.65, 5: 0.9})
    spans = [span for e in ev for span in e.sentences]
    assert len(spans) == len(set(spans)), [texts(sentences, e) for e in ev]

