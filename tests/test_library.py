"""Managing the library from Python: asking within chosen articles, adding files without ever
dropping an article, removing, replacing and restoring. Real Chroma, real MiniLM; claim checks in
code mode (no model)."""

from __future__ import annotations

import pytest
from conftest import BRIDGE, OBSERVATORY, ORCHARD, docx_bytes, encrypted_pdf, forget_chroma_client, pdf_bytes, write

from factbot.core.errors import BadInput
from factbot.core.types import Label
from factbot.index.ingest import doc_id_for

OMAR = "What did Omar Haddad warn about the apple harvest?"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    write(folder, "bridge.txt", BRIDGE)
    write(folder, "orchard.txt", ORCHARD)
    write(folder, "observatory.md", OBSERVATORY)
    return folder


@pytest.fixture
def bot(make_bot, corpus):
    b = make_bot(corpus, check_mode="code")
    b.ingest(progress=False)
    return b


def _docs_of(passages) -> set[str]:
    return {p.chunk.doc_id for p in passages}


def _consistent(bot) -> None:
    records = bot.store.documents()
    chunks = {}
    for c in bot.store.all_chunks():
        chunks.setdefault(c.doc_id, []).append(c)
    assert set(chunks) == set(records)
    assert all(len(chunks[d]) == r.chunks for d, r in records.items())


# Asking within ---------------------------------------------------------------------------------
def test_within_filters_both_retrievers(bot, corpus):
    bridge, orchard = doc_id_for(corpus / "bridge.txt"), doc_id_for(corpus / "orchard.txt")
    q_vec = bot.embedder.embed_one(OMAR)
    assert orchard in _docs_of(bot.retriever.retrieve(OMAR, q_vec))
    only = bot.retriever.retrieve(OMAR, q_vec, within={bridge})
    assert only and _docs_of(only) == {bridge}  # dense (Chroma where) and BM25 (masked) alike
    assert all(p.lexical == 0 or p.chunk.doc_id == bridge for p in only)
    dense = bot.store.query(q_vec, 8, [bridge])
    assert dense and {h.chunk.doc_id for h in dense} == {bridge}
    assert bot.store.query(q_vec, 8, []) == []


def test_bm25_within_ranks_the_allowed_chunks_even_when_others_score_higher(bot, corpus):
    bridge = doc_id_for(corpus / "bridge.txt")
    allowed = {c.id for c in bot.store.all_chunks() if c.doc_id == bridge}
    question = "Omar Haddad warned about apple pickers; the Harbor Bridge"
    assert {cid for cid, _ in bot.retriever.lexical.search(question, 1)} - allowed  # unfiltered: the orchard wins
    hits = bot.retriever.lexical.search(question, 1, within={bridge})
    assert len(hits) == 1 and hits[0][0] in allowed and hits[0][1] > 0


def test_answers_and_checks_within_chosen_articles(bot, corpus):
    found = bot.find_evidence(OMAR, within=["bridge.txt", "Mountain Observatory Spots a New Comet"])  # file, title
    assert found.evidence and all(e.doc_id != doc_id_for(corpus / "orchard.txt") for e in found.evidence)
    assert found.relevance < bot.find_evidence(OMAR).relevance

    claim = "Cooperative chair Omar Haddad warned that a shortage of pickers could leave fruit on the branches."
    assert bot.check(claim).label == Label.SUPPORTED
    v = bot.check(claim, within=["bridge.txt"])
    assert v.label == Label.NOT_ENOUGH_INFO and v.within == (doc_id_for(corpus / "bridge.txt"),)
    v = bot.check(claim, within=[doc_id_for(corpus / "orchard.txt")])  # by id
    assert v.label == Label.SUPPORTED and {c.doc_id for c in v.evidence} == {doc_id_for(corpus / "orchard.txt")}
    for verdict in bot.check_text(claim + " The Harbor Bridge repairs cost 4.2 million dollars.", within=["orchard.txt"]):
        assert all(c.source.endswith("orchard.txt") for c in verdict.evidence)


def test_within_unknown_or_empty_is_bad_input(bot):
    with pytest.raises(BadInput, match="No article in the library is called 'nope.txt'"):
        bot.find_evidence(OMAR, within=["orchard.txt", "nope.txt"])
    with pytest.raises(BadInput, match="names no article"):
        bot.check("Omar Haddad warned about pickers.", within=[])


def test_scope_statistics_stay_global(bot, corpus):
    """The scope check's word statistics describe the whole library, whatever the selection."""
    share = bot.retriever.chunk_share("haddad")
    bot.find_evidence(OMAR, within=["bridge.txt"])
    assert bot.retriever.chunk_share("haddad") == share > 0


# Adding files ----------------------------------------------------------------------------------
def test_uploads_never_drop_an_article(bot, tmp_path):
    first = write(tmp_path / "a", "notes.txt", BRIDGE.replace("Harbor", "Canal"))
    second = write(tmp_path / "b", "notes.txt", ORCHARD.replace("Tamsin", "Brook"))
    (out,) = bot.add_files([first])
    assert (out.status, out.stored_as) == ("added", "notes.txt")
    (out,) = bot.add_files([first])
    assert out.status == "unchanged" and "Canal Bridge" in out.message
    (out,) = bot.add_files([second])  # another article under the same name: kept beside the first
    assert (out.status, out.stored_as) == ("added beside", "notes (2).txt") and "notes.txt already holds" in out.message
    titles = {r.title for r in bot.articles()}
    assert {"Canal Bridge Reopens After Repairs", "Valley Orchards Expect a Record Apple Harvest"} <= titles
    assert sorted(p.name for p in bot.config.uploads_dir.iterdir()) == ["notes (2).txt", "notes.txt"]

    third = write(tmp_path / "c", "notes.txt", OBSERVATORY.replace("Kestrel", "Falcon"))
    (out,) = bot.add_files([third], replace=True)  # the user chose to replace the one of that name
    assert out.status == "replaced" and out.stored_as == "notes.txt"
    assert "Canal Bridge Reopens After Repairs" not in {r.title for r in bot.articles()}
    assert bot.store.document(doc_id_for(bot.config.uploads_dir / "notes (2).txt")) is not None
    _consistent(bot)


def test_same_content_as_a_corpus_article_is_unchanged(bot, corpus, tmp_path):
    copy = write(tmp_path / "elsewhere", "bridge-copy.txt", BRIDGE)
    (out,) = bot.add_files([copy])
    assert out.status == "unchanged" and out.doc_id == doc_id_for(corpus / "bridge.txt")
    assert not bot.config.uploads_dir.exists() or not any(bot.config.uploads_dir.iterdir())


def test_bad_files_are_named_and_the_rest_goes_in(bot, tmp_path):
    files = {
        "good.pdf": pdf_bytes([["Cooper Tunnel Opens", "The Cooper Tunnel opened to cars on Sunday morning."],
                               ["Officials said the tunnel cost 90 million dollars to build."]]),  # fmt: skip
        "good.docx": docx_bytes([("Title", "Library Extends Hours"), ("Normal", "The city library will stay open until ten at night from May.")]),
        "locked.pdf": encrypted_pdf(pdf_bytes([["The tunnel opened on Sunday morning after delays."]])),
        "scan.pdf": pdf_bytes([[]]),
        "broken.docx": b"PK\x03\x04 broken",
        "slides.pptx": b"PK\x03\x04",
    }
    paths = [write(tmp_path / "in", name, data) for name, data in files.items()]
    before = len(bot.articles())
    outcomes = {o.name: o for o in bot.add_files(paths)}
    assert outcomes["good.pdf"].ok and outcomes["good.docx"].ok
    assert "encrypted PDF" in outcomes["locked.pdf"].message and "no text in this PDF" in outcomes["scan.pdf"].message
    assert "not a readable Word .docx file" in outcomes["broken.docx"].message
    assert "wrong type (.pptx)" in outcomes["slides.pptx"].message
    assert len(bot.articles()) == before + 2
    assert sorted(p.name for p in bot.config.uploads_dir.iterdir()) == ["good.docx", "good.pdf"]  # no bad file copied
    _consistent(bot)


def test_pdf_citations_carry_their_page(bot, tmp_path):
    pdf = write(tmp_path / "in", "tunnel.pdf", pdf_bytes([
        ["Cooper Tunnel Opens", "The Cooper Tunnel opened to cars on Sunday morning after four years of work."],
        ["Transport officials said the Cooper Tunnel cost 90 million dollars to build."],
    ]))  # fmt: skip
    (out,) = bot.add_files([pdf])
    v = bot.check("The Cooper Tunnel cost 90 million dollars to build.", within=["tunnel.pdf"])
    assert v.label == Label.SUPPORTED and v.evidence
    assert [c.page for c in v.evidence] == [2] * len(v.evidence)
    doc = bot.store.document(out.doc_id)
    assert doc.pages and all(doc.text[c.start : c.end] == c.quote for c in v.evidence)
    text_v = bot.check("Omar Haddad warned of a shortage of pickers.")
    assert all(c.page is None for c in text_v.evidence)  # a .txt article has no pages


# Removing, replacing, restoring -----------------------------------------------------------------
def test_remove_an_upload_deletes_its_copy(bot, tmp_path):
    (out,) = bot.add_files([write(tmp_path / "in", "canal.txt", BRIDGE.replace("Harbor", "Canal"))])
    copy = bot.config.uploads_dir / "canal.txt"
    (removal,) = bot.remove("canal.txt")
    assert removal.file_deleted and not removal.excluded and not copy.exists()
    assert out.doc_id not in bot.store.documents()
    report = bot.ingest(progress=False)  # the next sync brings nothing back
    assert out.doc_id not in bot.store.documents() and not report.added
    _consistent(bot)


def test_remove_a_corpus_article_keeps_the_file_and_the_sync_skips_it(bot, corpus):
    orchard = doc_id_for(corpus / "orchard.txt")
    (removal,) = bot.remove("Valley Orchards Expect a Record Apple Harvest")  # by title
    assert removal.excluded and not removal.file_deleted and "stays where it is" in removal.message
    assert (corpus / "orchard.txt").read_text() == ORCHARD  # the user's file is untouched
    assert orchard not in bot.store.documents()
    assert not any(p.chunk.doc_id == orchard for p in bot.retriever.retrieve(OMAR, bot.embedder.embed_one(OMAR)))
    report = bot.ingest(progress=False)
    assert report.excluded == [str(corpus / "orchard.txt")] and not report.added and not report.removed
    assert orchard not in bot.store.documents()
    assert list(bot.removed()) == [str((corpus / "orchard.txt").resolve())]

    assert bot.restore("orchard.txt") == [str((corpus / "orchard.txt").resolve())]
    assert orchard in bot.store.documents() and bot.removed() == {}
    assert not bot.ingest(progress=False).excluded
    _consistent(bot)


def test_removal_survives_a_new_process(make_bot, corpus, tmp_path):
    bot = make_bot(corpus)
    bot.ingest(progress=False)
    bot.remove("orchard.txt")
    forget_chroma_client(tmp_path / "data" / "chroma")
    again = make_bot(corpus)
    again.ingest(progress=False)
    assert doc_id_for(corpus / "orchard.txt") not in again.store.documents()


def test_remove_refuses_unknown_and_ambiguous_names_and_removes_nothing(bot, corpus, tmp_path):
    bot.add_files([write(tmp_path / "in", "bridge.txt", BRIDGE.replace("Harbor", "Canal"))])  # a second bridge.txt
    before = set(bot.store.documents())
    with pytest.raises(BadInput, match="'bridge.txt' fits 2 articles"):
        bot.remove("bridge.txt")
    with pytest.raises(BadInput, match="No article in the library is called 'nope'"):
        bot.remove("orchard.txt", "nope")  # one bad name: none is removed
    with pytest.raises(BadInput, match="Name the articles"):
        bot.remove()
    assert set(bot.store.documents()) == before
    bot.remove(doc_id_for(corpus / "bridge.txt"))  # the id names exactly one
    assert len(before) - len(bot.store.documents()) == 1


def test_replace_puts_the_new_file_in_only_once_it_is_in(bot, corpus, tmp_path):
    old = doc_id_for(corpus / "bridge.txt")
    with pytest.raises(BadInput, match="scan.pdf was not added: no text in this PDF.*is kept"):
        bot.replace("bridge.txt", write(tmp_path / "in", "scan.pdf", pdf_bytes([[]])))
    assert old in bot.store.documents()

    new = write(tmp_path / "in", "bridge-v2.txt", BRIDGE.replace("4.2 million", "4.5 million"))
    outcome, removal = bot.replace("bridge.txt", new)
    assert outcome.status == "added" and removal.excluded and old not in bot.store.documents()
    texts = [p.chunk.text for p in bot.retriever.retrieve("bridge repairs cost", bot.embedder.embed_one("bridge repairs cost"))]
    assert any("4.5 million" in t for t in texts) and not any("4.2 million" in t for t in texts)

    # an uploaded article replaced by a file of the same name: in place, no copy left behind
    outcome, removal = bot.replace("bridge-v2.txt", write(tmp_path / "in2", "bridge-v2.txt", BRIDGE.replace("4.2", "4.7")))
    assert outcome.status == "replaced" and removal is None
    assert sorted(p.name for p in bot.config.uploads_dir.iterdir()) == ["bridge-v2.txt"]
    _consistent(bot)


def test_rebuild_keeps_uploaded_articles(make_bot, corpus, tmp_path):
    from factbot.index.store import rebuild_data_dir

    bot = make_bot(corpus)
    bot.ingest(progress=False)
    (out,) = bot.add_files([write(tmp_path / "in", "canal.txt", BRIDGE.replace("Harbor", "Canal"))])
    config = bot.config
    del bot
    forget_chroma_client(config.data_dir / "chroma")
    rebuild_data_dir(config)
    again = make_bot(corpus)  # the uploads folder beside the index does not make the data dir "foreign"
    report = again.ingest(progress=False)
    assert out.doc_id in again.store.documents() and len(report.added) == 4
