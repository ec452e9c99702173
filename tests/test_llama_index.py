"""factbot as llama-index components (factbot.llama_index): FactbotQueryEngine through llama-index's own
query(), and FactbotEvidencePostprocessor after llama-index retrievers. Real Chroma and MiniLM; the
real model where marked."""

from __future__ import annotations

import asyncio

import pytest
from conftest import CORPUS, KELLOGG_DOC, base_config

from factbot.core.errors import FactbotError
from factbot.core.types import Answer
from factbot.index.ingest import doc_id_for
from factbot.llama_index import FactbotEvidencePostprocessor, FactbotQueryEngine

KELLOGG_Q = "What did Kellogg clarify?"
OFF_TOPIC = "What is the recipe for sourdough bread?"


@pytest.fixture(scope="module")
def bot(tmp_path_factory, embedder):
    from factbot.pipeline.factbot import FactBot

    bot = FactBot(base_config(), corpus=CORPUS, data_dir=tmp_path_factory.mktemp("li") / "data", embedder=embedder)
    bot.ingest(progress=False)
    return bot


def _spans_are_the_articles_text(bot, nodes) -> None:
    for hit in nodes:
        node = hit.node
        doc = bot.store.document(node.metadata["doc_id"])
        assert doc.text[node.start_char_idx : node.end_char_idx] == node.get_content()
        assert node.ref_doc_id == doc.id and node.metadata["title"] == doc.title


# The evidence postprocessor ------------------------------------------------------------------------
def test_postprocessor_on_factbots_retriever_gives_factbots_evidence(bot):
    """factbot's fused llama-index retriever, then the postprocessor: the numbered passages
    FactBot.find_evidence shows the model, as nodes with their spans."""
    from llama_index.core.schema import QueryBundle

    fusion = bot.retriever.as_retriever()
    bundle = QueryBundle(KELLOGG_Q, embedding=bot.embedder.embed_one(KELLOGG_Q).tolist())
    nodes = FactbotEvidencePostprocessor.of(bot).postprocess_nodes(fusion.retrieve(bundle), query_bundle=bundle)
    expected = bot.find_evidence(KELLOGG_Q).evidence
    assert [(n.node.metadata["n"], n.node.metadata["doc_id"], n.node.start_char_idx, n.node.end_char_idx)
            for n in nodes] == [(e.n, e.doc_id, e.start, e.end) for e in expected]  # fmt: skip
    assert [n.score for n in nodes] == [e.relevance for e in expected]
    _spans_are_the_articles_text(bot, nodes)


def test_postprocessor_after_a_plain_vector_index_retriever(bot):
    retriever = bot.retriever.vector_index.as_retriever(similarity_top_k=4)
    raw = retriever.retrieve(KELLOGG_Q)
    nodes = FactbotEvidencePostprocessor.of(bot).postprocess_nodes(raw, query_str=KELLOGG_Q)
    assert 0 < len(nodes) <= bot.config.evidence_k
    assert sum(len(n.node.get_content().split()) for n in nodes) < sum(len(n.node.get_content().split()) for n in raw)
    assert any("resiliency force" in n.node.get_content() for n in nodes)
    assert {n.node.metadata["doc_id"] for n in nodes} == {doc_id_for(CORPUS / KELLOGG_DOC)}


def test_postprocessor_on_nodes_without_offsets_reads_each_node_as_its_own_text(embedder):
    from llama_index.core.schema import NodeWithScore, TextNode

    texts = ["The ferry will run every twenty minutes from Monday, the office said. Tickets cost two euros.",
             "Commuters asked for later crossings. The office promised a review in May."]  # fmt: skip
    nodes = [NodeWithScore(node=TextNode(id_=f"n{i}", text=t), score=1.0 - i / 10) for i, t in enumerate(texts)]
    out = FactbotEvidencePostprocessor(embedder, base_config()).postprocess_nodes(nodes, query_str="How often will the ferry run?")
    assert out and out[0].node.metadata["doc_id"] == "n0"
    for hit in out:
        own = texts[int(hit.node.metadata["doc_id"][1:])]
        assert own[hit.node.start_char_idx : hit.node.end_char_idx] == hit.node.get_content()


def test_postprocessor_needs_the_question(bot):
    with pytest.raises(ValueError, match="question"):
        FactbotEvidencePostprocessor.of(bot).postprocess_nodes([])


# The query engine ----------------------------------------------------------------------------------
def test_an_unanswerable_question_is_an_abstention_without_sources(bot):
    engine = FactbotQueryEngine(bot)
    response = engine.query(OFF_TOPIC)  # abstains before any model call
    answer = response.metadata["answer"]
    assert isinstance(answer, Answer) and answer.abstained and response.metadata["abstained"]
    assert str(response) == answer.text and response.source_nodes == []
    again = asyncio.run(engine.aquery(OFF_TOPIC))
    assert str(again) == answer.text


def test_engine_retrieve_gives_the_numbered_evidence(bot):
    from llama_index.core.schema import QueryBundle

    nodes = FactbotQueryEngine(bot).retrieve(QueryBundle(KELLOGG_Q))
    assert [n.node.metadata["n"] for n in nodes] == [e.n for e in bot.find_evidence(KELLOGG_Q).evidence]
    _spans_are_the_articles_text(bot, nodes)


def test_within_restricts_the_engine(bot):
    from llama_index.core.schema import QueryBundle

    other = next(p.name for p in sorted(CORPUS.glob("*.txt")) if p.name != KELLOGG_DOC)
    nodes = FactbotQueryEngine(bot, within=[other]).retrieve(QueryBundle(KELLOGG_Q))
    assert {n.node.metadata["doc_id"] for n in nodes} <= {doc_id_for(CORPUS / other)}


def test_prompts_are_shown_and_edited_only_in_their_files(bot):
    from llama_index.core.prompts import ChatPromptTemplate

    prompts = FactbotQueryEngine(bot).get_prompts()
    assert set(prompts) == {"answer", "check"} and all(isinstance(p, ChatPromptTemplate) for p in prompts.values())
    with pytest.raises(FactbotError, match="prompts/"):
        FactbotQueryEngine(bot).update_prompts({"answer": prompts["answer"]})


@pytest.mark.model
def test_query_engine_answers_through_llama_index_query_with_the_real_model(bot):
    response = FactbotQueryEngine(bot).query(KELLOGG_Q)
    answer = response.metadata["answer"]
    assert not answer.abstained and "resiliency force" in str(response)
    assert str(response) == answer.text
    assert len(response.source_nodes) == len(answer.citations) > 0
    for hit, c in zip(response.source_nodes, answer.citations):
        assert f"[{c.n}]" in str(response) and hit.node.metadata["n"] == c.n
        assert (hit.node.start_char_idx, hit.node.end_char_idx, hit.node.get_content()) == (c.start, c.end, c.quote)
        assert hit.node.metadata["doc_id"] == doc_id_for(CORPUS / KELLOGG_DOC)
    _spans_are_the_articles_text(bot, response.source_nodes)


@pytest.mark.model
def test_a_plain_llama_index_query_engine_with_factbots_parts(bot):
    """The README's example: llama-index's RetrieverQueryEngine with factbot's retriever, evidence
    selection and local model (llama-index's own prompt and synthesizer: no citation check)."""
    from llama_index.core.query_engine import RetrieverQueryEngine

    fusion = bot.retriever.as_retriever()
    engine = RetrieverQueryEngine.from_args(fusion, llm=bot.model.llm,
                                            node_postprocessors=[FactbotEvidencePostprocessor.of(bot)])  # fmt: skip
    response = engine.query(KELLOGG_Q)
    assert str(response).strip() and response.source_nodes
    assert [n.node.metadata["n"] for n in response.source_nodes] == [e.n for e in bot.find_evidence(KELLOGG_Q).evidence]
