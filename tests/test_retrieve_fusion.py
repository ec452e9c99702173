"""Retrieval (bot/answer/retrieve.py, retrievers.py) in llama-index's terms, on real Chroma, MiniLM and
BM25: the two retrievers' lists fused by QueryFusionRetriever's reciprocal rank, one passage per
chunk with each retriever's own score, TextNodes carrying the article's id, title, offsets and
date. Then the shortlist, on hand-built Passages."""

from __future__ import annotations

import pytest
from conftest import BRIDGE, OBSERVATORY, ORCHARD, write

from factbot.answer.retrieve import shortlist
from factbot.core.types import Chunk, Passage

RRF_K = 60.0  # llama-index's reciprocal rank constant: a list's first item scores 1 / 60
DATED = """---
title: Harbor Ferry Timetable Changes
date: 2025-03-04
---
The harbor ferry will run every twenty minutes from Monday, the transport office said.
Commuters asked for later evening crossings, and the office promised a review of the timetable in May.
"""


@pytest.fixture(scope="module")
def bot(tmp_path_factory, embedder):
    from conftest import base_config

    from factbot.pipeline.factbot import FactBot

    root = tmp_path_factory.mktemp("fusion")
    for name, text in {"bridge.txt": BRIDGE, "orchard.txt": ORCHARD, "observatory.txt": OBSERVATORY,
                       "ferry.md": DATED}.items():  # fmt: skip
        write(root / "corpus", name, text)
    bot = FactBot(base_config(), corpus=root / "corpus", data_dir=root / "data", embedder=embedder)
    bot.ingest(progress=False)
    return bot


def _lists(bot, question: str):
    """What each retriever returns alone, as (chunk id, score) lists, best first."""
    from llama_index.core.schema import QueryBundle

    dense, lexical = bot.retriever.as_retriever()._retrievers
    bundle = QueryBundle(question, embedding=bot.embedder.embed_one(question).tolist())
    return [[(n.node.node_id, n.score) for n in r.retrieve(bundle)] for r in (dense, lexical)]


QUESTIONS = ["What did Mayor Lena Ortiz say the repairs cost?", "Who warned about a shortage of pickers?",
             "How often will the harbor ferry run?", "comet binoculars March"]  # fmt: skip


@pytest.mark.parametrize("question", QUESTIONS)
def test_passages_are_the_reciprocal_rank_fusion_of_both_lists(bot, question):
    dense, lexical = _lists(bot, question)
    expected: dict[str, float] = {}
    for hits in (dense, lexical):
        for rank, (cid, _) in enumerate(hits):
            expected[cid] = expected.get(cid, 0.0) + 1.0 / (RRF_K + rank)
    passages = bot.retriever.retrieve(question, bot.embedder.embed_one(question))
    got = {p.chunk.id: p.score for p in passages}
    assert len(got) == len(passages)  # a chunk both retrievers find is one passage, not two
    assert got == pytest.approx(expected)
    assert [p.score for p in passages] == sorted(got.values(), reverse=True)
    assert {cid for cid, _ in dense} & {cid for cid, _ in lexical}, "no chunk found by both: the test proves little"


def test_each_passage_keeps_each_retrievers_own_score(bot):
    question = QUESTIONS[0]
    q_vec = bot.embedder.embed_one(question)
    bm25 = dict(bot.retriever.lexical.search(question, 8))
    stored = {c.id: c for c in bot.store.all_chunks()}
    for p in bot.retriever.retrieve(question, q_vec):
        assert p.chunk == stored[p.chunk.id]
        # cosine similarity: Chroma's for dense hits, the stored vector's for BM25-only hits
        assert p.dense == pytest.approx(float(bot.embedder.embed_one(p.chunk.text) @ q_vec), abs=1e-4)
        assert p.lexical == bm25.get(p.chunk.id, 0.0)


def test_a_chunk_only_bm25_ranks_still_gets_its_dense_similarity(bot):
    from factbot.answer.retrieve import HybridRetriever

    one = HybridRetriever(bot.store, 1, None, bot.embedder)  # each retriever's top 1 only
    question = "Crimson Vale comet"  # MiniLM reads a comet (the observatory); BM25 the rare words (the orchard)
    q_vec = bot.embedder.embed_one(question)
    passages = one.retrieve(question, q_vec)
    assert len(passages) == 2
    (bm25_only,) = [p for p in passages if p.lexical > 0 and "Crimson Vale" in p.chunk.text]
    assert bm25_only.dense == pytest.approx(float(bot.embedder.embed_one(bm25_only.chunk.text) @ q_vec), abs=1e-4)
    assert bm25_only.dense > 0


def test_nodes_carry_the_article_id_title_offsets_and_date(bot):
    from llama_index.core.schema import QueryBundle

    question = QUESTIONS[2]
    fusion = bot.retriever.as_retriever()
    nodes = fusion.retrieve(QueryBundle(question, embedding=bot.embedder.embed_one(question).tolist()))
    ferry = next(n.node for n in nodes if n.node.metadata["title"] == "Harbor Ferry Timetable Changes")
    doc = bot.store.document(ferry.metadata["doc_id"])
    assert ferry.ref_doc_id == doc.id and ferry.metadata["source"].endswith("ferry.md")
    assert doc.text[ferry.start_char_idx : ferry.end_char_idx] == ferry.text
    assert (ferry.metadata["start"], ferry.metadata["end"]) == (ferry.start_char_idx, ferry.end_char_idx)
    assert ferry.metadata["published"] == "2025-03-04"
    assert all("published" not in n.node.metadata for n in nodes if n.node.metadata["doc_id"] != doc.id)


def test_the_vector_index_answers_a_text_query_with_factbots_embedder(bot):
    """A llama-index user's own retriever over the same VectorStoreIndex (the question embedded by it)."""
    retriever = bot.retriever.vector_index.as_retriever(similarity_top_k=1)
    (hit,) = retriever.retrieve("Who warned about a shortage of pickers?")
    assert "Omar Haddad warned" in hit.node.get_content() and hit.node.metadata["doc_id"]


def test_within_nothing_retrieves_nothing(bot):
    assert bot.retriever.retrieve(QUESTIONS[0], bot.embedder.embed_one(QUESTIONS[0]), within=set()) == []


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
