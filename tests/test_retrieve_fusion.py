"""bot.retrieve without Chroma or BM25: reciprocal rank fusion (fuse) on id lists, and the shortlist
on hand-built Passages. Pure inputs, no model."""

from __future__ import annotations

import pytest

from factbot.answer.retrieve import RRF_K, fuse, shortlist
from factbot.core.types import Chunk, Passage

KNOWN = {"a", "b", "c", "d", "e"}


def rrf(*ranks: int) -> float:
    """The fused score of a chunk at these 1-based ranks, one per retriever that ranks it."""
    return sum(1.0 / (RRF_K + r) for r in ranks)


# fuse -------------------------------------------------------------------------------------------
def test_a_chunk_both_retrievers_rank_beats_one_only_one_ranks():
    # "b" is second for both; "a" is first for dense only, "c" first for BM25 only.
    fused = fuse(["a", "b"], [("c", 3.0), ("b", 2.0)], KNOWN)
    assert [cid for cid, _ in fused] == ["b", "a", "c"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(rrf(2, 2))
    assert scores["a"] == pytest.approx(rrf(1)) and scores["c"] == pytest.approx(rrf(1))
    assert scores["b"] > scores["a"]


def test_fused_scores_follow_the_ranks_and_are_sorted():
    fused = fuse(["a", "b", "c"], [], KNOWN)
    assert fused == [("a", pytest.approx(rrf(1))), ("b", pytest.approx(rrf(2))), ("c", pytest.approx(rrf(3)))]
    lexical_only = fuse([], [("d", 9.0), ("e", 4.0), ("a", 0.5)], KNOWN)
    assert [cid for cid, _ in lexical_only] == ["d", "e", "a"]
    assert [s for _, s in lexical_only] == sorted((s for _, s in lexical_only), reverse=True)


def test_the_bm25_score_only_decides_whether_a_hit_counts_not_how_much():
    # Rank, not the raw BM25 score, is what fuses: a huge score is worth no more than a small one.
    assert dict(fuse([], [("a", 1000.0)], KNOWN))["a"] == dict(fuse([], [("a", 0.01)], KNOWN))["a"]


@pytest.mark.parametrize("score", [0.0, -1.5])
def test_bm25_hits_without_a_positive_score_are_ignored(score):
    fused = fuse(["a"], [("b", score), ("a", score)], KNOWN)
    assert fused == [("a", pytest.approx(rrf(1)))]  # "a" gets nothing from BM25 either


def test_bm25_ids_not_known_are_ignored():
    fused = fuse([], [("stale:0", 5.0), ("a", 4.0)], KNOWN)
    assert [cid for cid, _ in fused] == ["a"]
    # The unknown hit still held rank 1: "a" scores as BM25's second, not its first.
    assert dict(fused)["a"] == pytest.approx(rrf(2))


def test_dense_ids_are_taken_as_given():
    """The caller filters dense hits (by document record); fuse does not check them against known."""
    assert [cid for cid, _ in fuse(["zzz"], [], KNOWN)] == ["zzz"]


def test_ties_keep_the_dense_order_first():
    # Each chunk ranked once at the same rank: equal scores; the sort is stable, dense hits first.
    fused = fuse(["a", "b"], [("c", 2.0), ("d", 1.0)], KNOWN)
    assert [cid for cid, _ in fused] == ["a", "c", "b", "d"]
    assert dict(fused)["a"] == dict(fused)["c"]
    # Both rank both chunks, in opposite orders: a true tie, dense order kept.
    swapped = fuse(["a", "b"], [("b", 2.0), ("a", 1.0)], KNOWN)
    assert [cid for cid, _ in swapped] == ["a", "b"]
    assert swapped[0][1] == pytest.approx(swapped[1][1])


def test_nothing_retrieved_fuses_to_nothing():
    assert fuse([], [], KNOWN) == []
    assert fuse([], [("a", 0.0)], KNOWN) == []


# shortlist --------------------------------------------------------------------------------------
def passage(cid: str, score: float, dense: float = 0.0, lexical: float = 0.0) -> Passage:
    chunk = Chunk(id=cid, doc_id=cid.split(":")[0], text=f"text of {cid}", start=0, end=len(f"text of {cid}"))
    return Passage(chunk, title=f"title {cid}", source=f"{cid}.txt", score=score, dense=dense, lexical=lexical)


def ids(passages: list[Passage]) -> list[str]:
    return [p.chunk.id for p in passages]


# Fused order, as retrieve() returns it. "d:0" is dense's best but fused low; "e:0" is BM25's best.
FUSED = [
    passage("a:0", 0.032, dense=0.50, lexical=3.0),
    passage("b:0", 0.031, dense=0.45, lexical=2.0),
    passage("c:0", 0.030, dense=0.40, lexical=1.5),
    passage("d:0", 0.016, dense=0.90, lexical=0.0),
    passage("e:0", 0.015, dense=0.10, lexical=7.0),
    passage("f:0", 0.014, dense=0.20, lexical=0.0),
]


@pytest.mark.parametrize(
    "n, per_retriever, expected",
    [
        (2, 1, ["a:0", "b:0", "d:0", "e:0"]),  # top 2 + dense's best + BM25's best
        (2, 2, ["a:0", "b:0", "d:0", "e:0"]),  # dense's 2nd (a) and BM25's 2nd (a) are already in
        (3, 0, ["a:0", "b:0", "c:0"]),  # the fused top alone
        (1, 3, ["a:0", "b:0", "d:0", "e:0"]),  # dense top 3: d, a, b; BM25 top 3: e, a, b
        (6, 2, ids(FUSED)),
        (10, 2, ids(FUSED)),
    ],
)
def test_shortlist_keeps_top_n_plus_each_retrievers_best(n, per_retriever, expected):
    assert ids(shortlist(FUSED, n, per_retriever)) == expected


def test_shortlist_keeps_the_fused_order():
    got = shortlist(FUSED, 1, 1)
    assert ids(got) == ["a:0", "d:0", "e:0"]  # not dense's best first
    assert [p.score for p in got] == sorted((p.score for p in got), reverse=True)


def test_shortlist_returns_the_same_passage_objects():
    got = shortlist(FUSED, 2, 1)
    assert all(any(g is p for p in FUSED) for g in got)


def test_a_passage_without_a_bm25_score_is_not_bm25s_top():
    # Nothing has a BM25 score: the lexical top is empty, not the first passages by position.
    zero = [passage(f"{x}:0", 0.03 - i / 1000, dense=d) for i, (x, d) in enumerate(zip("abcd", (0.4, 0.3, 0.2, 0.9)))]
    assert ids(shortlist(zero, 1, 2)) == ["a:0", "d:0"]  # top 1 + dense top 2 (d, a); no lexical extras
    # One positive BM25 score among zeros: only it joins from the lexical side.
    mixed = zero + [passage("e:0", 0.001, dense=0.0, lexical=0.0), passage("f:0", 0.0005, lexical=0.2)]
    assert ids(shortlist(mixed, 1, 2)) == ["a:0", "d:0", "f:0"]


def test_shortlist_of_nothing():
    assert shortlist([], 4) == []
