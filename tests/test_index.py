"""Ingest into the real Chroma with the real MiniLM: incremental, idempotent, bad files skipped,
interrupted runs invisible and cleaned up, retrieval over what is stored."""

from __future__ import annotations

import logging

import pytest
from conftest import (
    BRIDGE, CORPUS, HTML, KELLOGG_DOC, OBSERVATORY, ORCHARD, docx_bytes, encrypted_pdf, forget_chroma_client, pdf_bytes,
    write,
)  # fmt: skip

from factbot.index.ingest import doc_id_for


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    write(folder, "bridge.txt", BRIDGE)
    write(folder, "orchard.txt", ORCHARD)
    write(folder, "observatory.md", OBSERVATORY)
    return folder


def _stored_chunk_ids(bot) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in bot.store.all_chunks():
        out.setdefault(c.doc_id, []).append(c.id)
    return out


def _assert_consistent(bot) -> None:
    """Every stored chunk belongs to a recorded document, and each record counts its chunks."""
    records = bot.store.documents()
    chunks = _stored_chunk_ids(bot)
    assert set(chunks) == {d for d, r in records.items() if r.chunks}, "orphan chunks or chunkless records"
    for doc_id, rec in records.items():
        assert len(chunks.get(doc_id, [])) == rec.chunks, doc_id
    assert bot.store.count() == sum(r.chunks for r in records.values())


def _retrieved_texts(bot, question: str) -> list[str]:
    return [p.chunk.text for p in bot.retriever.retrieve(question, bot.embedder.embed_one(question))]


# The bundled corpus ---------------------------------------------------------------------------
def test_bundled_corpus_ingests_once_then_everything_is_unchanged(make_bot):
    bot = make_bot(CORPUS)
    first = bot.ingest(progress=False)
    assert len(first.added) == 5 and not first.skipped and not first.unchanged
    assert first.chunk_count == first.chunks_written == bot.store.count() > 5
    _assert_consistent(bot)
    ids_before = _stored_chunk_ids(bot)

    second = bot.ingest(progress=False)
    assert sorted(second.unchanged) == sorted(first.added)
    assert not (second.added or second.updated or second.removed or second.skipped)
    assert second.chunks_written == 0
    assert second.chunk_count == first.chunk_count
    assert _stored_chunk_ids(bot) == ids_before


def test_index_survives_reopening(make_bot, tmp_path):
    bot = make_bot(CORPUS)
    count = bot.ingest(progress=False).chunk_count
    ids = _stored_chunk_ids(bot)
    forget_chroma_client(tmp_path / "data" / "chroma")
    again = make_bot(CORPUS)  # opens the data dir from disk, as a new process would
    assert again.store.client is not bot.store.client
    assert again.store.count() == count and _stored_chunk_ids(again) == ids
    report = again.ingest(progress=False)
    assert len(report.unchanged) == 5 and not report.added and report.chunks_written == 0


def test_html_and_markdown_files_go_through_the_whole_ingest(make_bot, tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "bridge.html", HTML)
    write(corpus, "comet.md", "# Comet Spotted\n\n" + OBSERVATORY.split("\n", 2)[2])
    bot = make_bot(corpus)
    report = bot.ingest(progress=False)
    assert len(report.added) == 2 and not report.skipped
    titles = {r.title for r in bot.store.documents().values()}
    assert titles == {"Harbor Bridge Reopens After Repairs", "Comet Spotted"}
    texts = _retrieved_texts(bot, "How much did the Harbor Bridge repairs cost?")
    assert "4.2 million dollars" in texts[0]
    assert not any("World News Section" in t or "tracker" in t for t in texts)


def test_pdf_and_word_files_go_through_the_whole_ingest(make_bot, tmp_path, caplog):
    corpus = tmp_path / "corpus"
    write(corpus, "bridge.pdf", pdf_bytes([BRIDGE.splitlines()[:3], BRIDGE.splitlines()[3:]], title="Bridge Bulletin"))
    write(corpus, "orchard.docx", docx_bytes([("Title", "Valley Orchards"), *(("Normal", line) for line in ORCHARD.splitlines()[2:])]))
    write(corpus, "locked.pdf", encrypted_pdf(pdf_bytes([OBSERVATORY.splitlines()])))
    bot = make_bot(corpus)
    with caplog.at_level(logging.WARNING):
        report = bot.ingest(progress=False)
    assert len(report.added) == 2 and [(p.name, why[:13]) for p, why in report.skipped] == [("locked.pdf", "encrypted PDF")]
    assert any("locked.pdf" in r.getMessage() for r in caplog.records)
    docs = {r.title: bot.store.document(r.id) for r in bot.store.documents().values()}
    assert set(docs) == {"Bridge Bulletin", "Valley Orchards"}
    assert docs["Bridge Bulletin"].pages and docs["Valley Orchards"].pages == ()
    for c in bot.store.all_chunks():
        doc = bot.store.document(c.doc_id)
        assert doc.text[c.start : c.end] == c.text
    texts = _retrieved_texts(bot, "How much did the Harbor Bridge repairs cost?")
    assert "4.2 million dollars" in texts[0]
    assert bot.ingest(progress=False).unchanged and not bot.ingest(progress=False).added  # idempotent


def test_stored_chunks_and_documents_round_trip(make_bot):
    bot = make_bot(CORPUS)
    bot.ingest(progress=False)
    docs = {rec.id: bot.store.document(rec.id) for rec in bot.store.documents().values()}
    assert len(docs) == 5
    for c in bot.store.all_chunks():
        assert docs[c.doc_id].text[c.start : c.end] == c.text
    kellogg = docs[doc_id_for(CORPUS / KELLOGG_DOC)]
    assert kellogg.title == "Trump and Putin Eye Key Meeting as Ukraine Ceasefire Talks Intensify"
    assert kellogg.source == str((CORPUS / KELLOGG_DOC).resolve())
    assert "Written by Published" not in kellogg.text
    assert bot.store.document("no-such-doc") is None


def test_retrieval_finds_the_kellogg_paragraph(make_bot):
    bot = make_bot(CORPUS)
    bot.ingest(progress=False)
    question = "What did Kellogg clarify?"
    passages = bot.retriever.retrieve(question, bot.embedder.embed_one(question))
    assert passages[0].source.endswith(KELLOGG_DOC)
    assert "resiliency force" in passages[0].chunk.text
    assert passages == sorted(passages, key=lambda p: -p.score)
    found = bot.find_evidence(question)
    evidence, relevance = found.evidence, found.relevance
    assert relevance > bot.config.min_relevance
    assert 1 <= len(evidence) <= bot.config.evidence_k
    assert [e.n for e in evidence] == list(range(1, len(evidence) + 1))
    assert "Kellogg" in evidence[0].text and evidence[0].source.endswith(KELLOGG_DOC)
    for e in evidence:
        doc = bot.store.document(e.doc_id)
        assert doc.text[e.start : e.end] == e.text
        assert all(e.start <= s0 < s1 <= e.end for s0, s1 in e.sentences)


# Incremental sync -----------------------------------------------------------------------------
def test_modified_file_replaces_its_chunks(make_bot, corpus):
    bot = make_bot(corpus)
    bot.ingest(progress=False)
    bridge_id = doc_id_for(corpus / "bridge.txt")
    assert any("4.2 million dollars" in t for t in _retrieved_texts(bot, "How much did the bridge repairs cost?"))

    long_version = (
        "Harbor Bridge Closed Again\n\n"
        + "\n".join(f"Inspectors found defect number {i} in the northern span of the ferry terminal." for i in range(30))
    )
    write(corpus, "bridge.txt", long_version)
    report = bot.ingest(progress=False)
    assert report.updated == [str(corpus / "bridge.txt")]
    assert len(report.unchanged) == 2 and not report.added
    _assert_consistent(bot)

    new_doc = bot.store.document(bridge_id)
    assert new_doc.text == long_version and new_doc.title == "Harbor Bridge Closed Again"
    bridge_chunks = [c for c in bot.store.all_chunks() if c.doc_id == bridge_id]
    assert len(bridge_chunks) > 1  # the count changed with the text
    assert all(new_doc.text[c.start : c.end] == c.text for c in bridge_chunks)
    for text in _retrieved_texts(bot, "How much did the bridge repairs cost? Mayor Lena Ortiz"):
        assert "4.2 million" not in text and "Lena Ortiz" not in text


def test_deleted_file_loses_its_chunks(make_bot, corpus):
    bot = make_bot(corpus)
    first = bot.ingest(progress=False)
    orchard_id = doc_id_for(corpus / "orchard.txt")
    orchard_chunks = len(_stored_chunk_ids(bot)[orchard_id])

    (corpus / "orchard.txt").unlink()
    report = bot.ingest(progress=False)
    assert report.removed == [str((corpus / "orchard.txt").resolve())]
    assert report.chunk_count == first.chunk_count - orchard_chunks
    assert orchard_id not in _stored_chunk_ids(bot)
    assert bot.store.document(orchard_id) is None
    _assert_consistent(bot)
    assert not any("Omar Haddad" in t for t in _retrieved_texts(bot, "What did Omar Haddad warn about apple pickers?"))


def test_documents_of_another_folder_are_not_removed(make_bot, corpus, tmp_path):
    bot = make_bot(corpus)
    bot.ingest(progress=False)
    other = tmp_path / "corpus-2"  # shares the prefix "corpus" with the first folder
    write(other, "extra.txt", BRIDGE.replace("Harbor", "River"))
    report = bot.ingest(other, progress=False)
    assert len(report.added) == 1 and not report.removed
    assert len(bot.store.documents()) == 4
    report = bot.ingest(corpus, progress=False)
    assert not report.removed and len(bot.store.documents()) == 4


def test_new_file_is_added_and_others_untouched(make_bot, corpus):
    bot = make_bot(corpus)
    bot.ingest(progress=False)
    before = _stored_chunk_ids(bot)
    write(corpus, "nested/bridge-2.txt", BRIDGE.replace("Harbor", "Canal"))
    report = bot.ingest(progress=False)
    assert report.added == [str(corpus / "nested" / "bridge-2.txt")]
    after = _stored_chunk_ids(bot)
    assert {k: v for k, v in after.items() if k in before} == before
    _assert_consistent(bot)


# Bad files ------------------------------------------------------------------------------------
BAD_FILES = {
    "invalid-utf8": ("latin1.txt", "Café près de la gare, dit le maire à Genève.".encode("latin-1"), "not UTF-8"),
    "empty": ("empty.txt", b"", "empty"),
    "binary": ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary"),
    "too-large": ("huge.txt", ("A long article sentence repeats here. " * 200).encode(), "too large"),
}


@pytest.mark.parametrize("name, data, reason", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_unreadable_file_is_skipped_with_a_warning_and_others_go_in(make_bot, corpus, caplog, name, data, reason):
    bot = make_bot(corpus, max_file_bytes=4000)  # the crafted articles are far smaller
    write(corpus, name, data)
    with caplog.at_level(logging.WARNING):
        report = bot.ingest(progress=False)
    assert [p.name for p, _ in report.skipped] == [name]
    assert reason in report.skipped[0][1]
    assert any(name in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert len(report.added) == 3
    assert doc_id_for(corpus / name) not in bot.store.documents()
    _assert_consistent(bot)


@pytest.mark.parametrize("name, data, reason", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_added_later_loses_nothing_stored(make_bot, corpus, name, data, reason):
    bot = make_bot(corpus, max_file_bytes=4000)
    first = bot.ingest(progress=False)
    before = _stored_chunk_ids(bot)
    write(corpus, name, data)
    report = bot.ingest(progress=False)
    assert [p.name for p, _ in report.skipped] == [name]
    assert len(report.unchanged) == 3
    assert report.chunk_count == first.chunk_count
    assert _stored_chunk_ids(bot) == before


def test_missing_and_empty_corpus_folders_are_bad_input(make_bot, corpus, tmp_path):
    from factbot.core.errors import BadInput

    bot = make_bot(corpus)
    count = bot.ingest(progress=False).chunk_count
    (tmp_path / "empty").mkdir()
    write(tmp_path / "only-slides", "deck.pptx", b"PK\x03\x04")
    for folder, match in [(tmp_path / "empty", "no articles"), (tmp_path / "only-slides", "no articles"),
                          (tmp_path / "missing", "does not exist")]:  # fmt: skip
        with pytest.raises(BadInput, match=match) as err:
            bot.ingest(folder, progress=False)
        assert str(folder) in str(err.value)
    assert bot.store.count() == count
    _assert_consistent(bot)


# Interrupted ingest ---------------------------------------------------------------------------
def add_raw_chunk(store, embedder, chunk) -> None:
    """Write one chunk straight into Chroma, as an ingest does before it commits the document record."""
    store.chunks.add(
        ids=[chunk.id], embeddings=embedder.embed([chunk.text]).tolist(), documents=[chunk.text],
        metadatas=[{"doc_id": chunk.doc_id, "start": chunk.start, "end": chunk.end}],
    )  # fmt: skip


def test_retrieval_during_an_ingest_ignores_chunks_it_has_not_indexed_yet(make_bot, corpus, embedder):
    """A question asked while an ingest is writing a changed document's new chunks (the retriever's
    BM25 snapshot does not know them yet) is answered from the snapshot, without an error."""
    from factbot.core.types import Chunk

    bot = make_bot(corpus)
    bot.ingest(progress=False)
    doc_id = next(iter(bot.store.documents()))
    text = "Astronomers at the Osprey Ridge observatory have spotted a faint comet."
    new = Chunk(id=f"{doc_id}:999", doc_id=doc_id, text=text, start=0, end=len(text))
    add_raw_chunk(bot.store, embedder, new)
    question = "Which observatory at Osprey Ridge spotted a comet?"
    passages = bot.retriever.retrieve(question, embedder.embed_one(question))
    assert passages and all(p.chunk.id != new.id for p in passages)


def test_orphan_chunks_are_invisible_and_purged_next_run(make_bot, corpus, embedder):
    """Chunks written for a document whose record was never committed (a crash in between)."""
    from factbot.core.types import Chunk

    bot = make_bot(corpus)
    bot.ingest(progress=False)
    consistent_count = bot.store.count()

    path = write(corpus, "comet.txt", OBSERVATORY.replace("Kestrel Peak", "Osprey Ridge"))
    half_id = doc_id_for(path)
    text = "Astronomers at the Osprey Ridge observatory have spotted a faint comet."
    add_raw_chunk(bot.store, embedder, Chunk(id=f"{half_id}:0", doc_id=half_id, text=text, start=0, end=len(text)))
    bot.retriever.rebuild()  # as a new process would on start

    question = "Which observatory at Osprey Ridge spotted a comet?"
    assert all(p.chunk.doc_id != half_id for p in bot.retriever.retrieve(question, embedder.embed_one(question)))
    evidence = bot.find_evidence(question).evidence
    assert all(e.doc_id != half_id for e in evidence)

    report = bot.ingest(progress=False)
    assert report.added == [str(path)]
    assert bot.store.count() == consistent_count + bot.store.documents()[half_id].chunks
    _assert_consistent(bot)
    assert any(p.chunk.doc_id == half_id for p in bot.retriever.retrieve(question, embedder.embed_one(question)))


def test_crash_between_chunks_and_record_then_next_ingest_repairs(make_bot, corpus, monkeypatch):
    """A crash in put_document after its chunks were added: no half document is shown."""
    bot = make_bot(corpus)
    collection_type = type(bot.store.docs)
    real_upsert = collection_type.upsert
    calls = []

    def crash_on_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("simulated crash while writing the document record")
        return real_upsert(self, *args, **kwargs)

    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        m.setattr(collection_type, "upsert", crash_on_second)
        bot.ingest(progress=False)

    records = bot.store.documents()
    assert len(records) == 1  # the first file committed, the second crashed, the third never started
    half_id = doc_id_for(corpus / "observatory.md")  # sorted: bridge.txt, observatory.md, orchard.txt
    assert half_id not in records
    assert half_id in _stored_chunk_ids(bot), "the crash left chunks behind (what this test simulates)"

    bot.retriever.rebuild()
    question = "Which observatory spotted a comet?"
    assert all(p.chunk.doc_id != half_id for p in bot.retriever.retrieve(question, bot.embedder.embed_one(question)))

    report = bot.ingest(progress=False)
    assert len(report.unchanged) == 1 and len(report.added) == 2
    assert len(bot.store.documents()) == 3
    _assert_consistent(bot)


def test_failed_update_in_a_running_bot_shows_no_half_document(make_bot, corpus, monkeypatch):
    """A long-running FactBot (the UI) whose re-ingest of a changed file fails half-way keeps
    answering: it must show neither the half-written new chunks nor the deleted old ones."""
    bot = make_bot(corpus)
    bot.ingest(progress=False)
    bridge_id = doc_id_for(corpus / "bridge.txt")
    question = "How much did the Harbor Bridge repairs cost?"
    assert any(p.chunk.doc_id == bridge_id for p in bot.retriever.retrieve(question, bot.embedder.embed_one(question)))

    write(corpus, "bridge.txt", BRIDGE.replace("4.2 million", "9.9 million"))
    with monkeypatch.context() as m, pytest.raises(OSError):
        m.setattr(type(bot.store.docs), "upsert", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
        bot.ingest(progress=False)
    assert bot.store.document(bridge_id) is None  # the crash happened between chunks and record

    stored = {c.id: c.text for c in bot.store.all_chunks()}
    for p in bot.retriever.retrieve(question, bot.embedder.embed_one(question)):
        assert p.chunk.doc_id != bridge_id, f"half-written document shown: {p.chunk.text[:80]!r}"
        assert stored.get(p.chunk.id) == p.chunk.text, "a chunk that is no longer stored was shown"


def test_rebuild_removes_only_the_index(make_bot, corpus, tmp_path):
    from factbot.core.config import Config
    from factbot.index.store import rebuild_data_dir

    data = tmp_path / "data"
    bot = make_bot(corpus, data_dir=data)
    bot.ingest(progress=False)
    del bot
    keep = write(data, "notes-the-user-left.txt", "keep me")
    rebuild_data_dir(Config().with_(data_dir=data))
    assert keep.read_text() == "keep me"
    # left: the user's file, and the writers' lock and change stamp (factbot's own, no index data)
    assert sorted(p.name for p in data.iterdir()) == ["generation", "notes-the-user-left.txt", "write.lock"]
