"""FactBot's control flow around the model, with a scripted FAKE model (parsing and control flow
only; the real model is in test_e2e.py). Retrieval, Chroma and MiniLM are real."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace

import pytest
from conftest import CORPUS, KELLOGG_DOC, base_config

from factbot.core.errors import IndexMissing
from factbot.pipeline.factbot import FactBot
from factbot.core.types import Done, EvidenceReady, Token

KELLOGG_Q = "What did Kellogg clarify?"
ZONES_LINE = "“In discussions of partitioning, I was referencing zones of responsibility for allied forces—no U.S. troops involved.”"
RESILIENCY = "Kellogg said he was speaking of a post-ceasefire resiliency force in support of Ukraine's sovereignty"


class ScriptedLLM:  # FAKE: replays canned replies, in word-sized deltas like a streaming LLM
    def __init__(self):
        self.replies: list[str] = []
        self.calls: list[list] = []

    def stream_chat(self, messages):
        self.calls.append(messages)
        for piece in re.findall(r"\S+\s*", self.replies.pop(0)):
            yield SimpleNamespace(delta=piece)


class ScriptedModel:  # FAKE: stands in for bot.llm.ModelHandle (.llm and .lock)
    def __init__(self):
        self.llm = ScriptedLLM()
        self.lock = threading.Lock()


def scripted_bot(root, files: dict[str, str], embedder, **config_changes) -> FactBot:
    """A FactBot over `files` (name -> text) written under root/corpus, ingested, with a ScriptedModel."""
    from conftest import write

    for name, text in files.items():
        write(root / "corpus", name, text)
    bot = FactBot(base_config(**config_changes), corpus=root / "corpus", data_dir=root / "data", embedder=embedder,
                  model=ScriptedModel())  # fmt: skip
    bot.ingest(progress=False)
    return bot


@pytest.fixture(scope="module")
def fake():
    return ScriptedModel()


@pytest.fixture(scope="module")
def bot(tmp_path_factory, embedder, fake):
    data_dir = tmp_path_factory.mktemp("flow") / "data"
    bot = FactBot(base_config(), corpus=CORPUS, data_dir=data_dir, embedder=embedder, model=fake)
    bot.ingest(progress=False)
    return bot


@pytest.fixture(autouse=True)
def _reset(fake):
    fake.llm.replies.clear()
    fake.llm.calls.clear()
    yield
    assert not fake.llm.replies, "a scripted reply was not used"


def _run(bot, fake, question: str, reply: str | None):
    if reply is not None:
        fake.llm.replies.append(reply)
    return list(bot.stream(question))


def _assert_citations_verbatim(bot, answer):
    for c in answer.citations:
        assert bot.store.document(c.doc_id).text[c.start : c.end] == c.quote


def test_stream_order_evidence_then_tokens_then_done(bot, fake):
    reply = f"{RESILIENCY} [1]."
    events = _run(bot, fake, KELLOGG_Q, reply)
    assert isinstance(events[0], EvidenceReady) and not events[0].will_abstain and events[0].evidence
    assert all(isinstance(e, Token) for e in events[1:-1]) and len(events) > 3
    assert isinstance(events[-1], Done)
    answer = events[-1].answer
    assert "".join(e.text for e in events[1:-1]) == reply == answer.raw_text
    assert answer.evidence == events[0].evidence
    assert not answer.abstained and answer.citations
    assert answer.citations[0].source.endswith(KELLOGG_DOC)
    # The cited quotation continues on the next line of the passage; the pipeline completes it.
    assert answer.text == f"{RESILIENCY} [1]. The quotation continues: {ZONES_LINE} [2]"
    _assert_citations_verbatim(bot, answer)


def test_prompt_shows_the_numbered_evidence_and_the_question(bot, fake):
    events = _run(bot, fake, KELLOGG_Q, f"{RESILIENCY} [1].")
    (messages,) = fake.llm.calls
    system, user = messages
    assert system.role == "system" and "NOT IN SOURCES" in system.content
    assert user.content.rstrip().endswith(f"Question: {KELLOGG_Q}\nAnswer:")
    for e in events[0].evidence:
        assert f"[{e.n}] {' '.join(e.text.split())}" in user.content


def test_answer_returns_the_done_answer(bot, fake):
    fake.llm.replies.append(f"{RESILIENCY} [1].")
    answer = bot.answer(KELLOGG_Q)
    assert not answer.abstained and answer.question == KELLOGG_Q


def test_model_decline_abstains_and_keeps_the_evidence(bot, fake):
    events = _run(bot, fake, KELLOGG_Q, "NOT IN SOURCES")
    answer = events[-1].answer
    assert answer.abstained and answer.reason == "model_declined"
    assert answer.citations == () and answer.evidence == events[0].evidence
    assert answer.raw_text == "NOT IN SOURCES"


def test_unsupported_reply_abstains(bot, fake):
    answer = _run(bot, fake, KELLOGG_Q, "Angela Merkel said the ceasefire would hold until 2030 [1].")[-1].answer
    assert answer.abstained and answer.reason == "unsupported"
    assert answer.citations == ()
    assert any("no source supports it" in d for d in answer.dropped)


def test_bad_citation_numbers_are_fixed_in_the_answer(bot, fake):
    reply = f"{RESILIENCY} [9]. Kellogg said Ukraine will join NATO by spring [1]."
    answer = _run(bot, fake, KELLOGG_Q, reply)[-1].answer
    assert not answer.abstained
    # The cited quotation continues on the next line of the passage; the pipeline completes it.
    assert answer.text == f"{RESILIENCY} [1]. The quotation continues: {ZONES_LINE} [2]"
    assert any("[9] removed" in d for d in answer.dropped)
    assert any("no source supports it" in d for d in answer.dropped)
    _assert_citations_verbatim(bot, answer)


def test_irrelevant_question_abstains_without_calling_the_model(bot, fake):
    events = _run(bot, fake, "How do I bake sourdough bread?", None)
    assert len(events) == 2
    assert isinstance(events[0], EvidenceReady) and events[0].will_abstain
    answer = events[1].answer
    assert answer.abstained and answer.reason == "no_relevant_passages"
    assert fake.llm.calls == []


def test_empty_index_without_auto_ingest_says_how_to_build_it(embedder, tmp_path, fake):
    config = base_config()
    bot = FactBot(config, corpus=CORPUS, data_dir=tmp_path / "data", embedder=embedder, model=fake, auto_ingest=False)
    with pytest.raises(IndexMissing, match="factbot ingest"):
        bot.answer(KELLOGG_Q)
    assert fake.llm.calls == []


def test_the_reply_is_read_no_further_than_its_fourth_sentence(bot, fake):
    from factbot.answer.citations import MAX_REPLY_SENTENCES

    lines = [f"{RESILIENCY} [1]."] + [f"Kellogg made point number {n} about the force [1]." for n in range(2, 8)]
    events = _run(bot, fake, KELLOGG_Q, " ".join(lines))
    answer = events[-1].answer
    assert answer.raw_text == " ".join(lines[:MAX_REPLY_SENTENCES])  # the rest was never read
    assert "".join(e.text for e in events if isinstance(e, Token)).strip() == answer.raw_text
    assert not fake.lock.locked()  # the stream was closed, so the model is free for the next question


PRIZE = {"vesper.txt": "Vesper prize\n\nThe jury met in Bergen on Thursday. Mara Lindqvist won the 2018 Vesper Prize "
                       "for poetry, the jury announced. Tomas Brekke was named the 2019 laureate.\n"}  # fmt: skip


def test_the_verifier_keeps_an_unbacked_draft_it_reads_as_entailed(tmp_path, embedder):
    """FACTBOT_RESCUE_ENTAILED: the draft fails the citation check (its one source number is
    wrong and its wording is the model's), the verifier reads the answer in a passage shown."""
    bot = scripted_bot(tmp_path, PRIZE, embedder, rescue_entailed=0.5)
    q = "Who won the 2018 Vesper Prize for poetry?"
    answer = _run(bot, bot.model, q, "The Swedish writer Lindqvist took the verse award that year [7].")[-1].answer
    assert not answer.abstained, answer.dropped
    assert answer.text.startswith("The Swedish writer Lindqvist") and answer.text.endswith("[1]")
    assert answer.citations and "Mara Lindqvist won the 2018" in answer.citations[0].quote
    assert any("kept by the verifier" in d for d in answer.dropped)
    doc = bot.store.document(answer.citations[0].doc_id)
    assert doc.text[answer.citations[0].start : answer.citations[0].end] == answer.citations[0].quote


def test_the_verifier_does_not_keep_a_draft_the_passages_contradict(tmp_path, embedder):
    bot = scripted_bot(tmp_path, PRIZE, embedder, rescue_entailed=0.5)
    q = "Who won the 2018 Vesper Prize for poetry?"
    answer = _run(bot, bot.model, q, "Anna Berg took the poetry prize that year [7].")[-1].answer
    assert answer.abstained and answer.reason == "unsupported"
