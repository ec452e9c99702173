"""The lexical index (index/lexical.py): BM25 scores equal llama-index's BM25Retriever (bm25s) bit for
bit, per-document updates and reloads give what a fresh build gives, and chunk_share from the
stem counts equals the old scan over every chunk's stems."""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import BRIDGE, CORPUS, OBSERVATORY, ORCHARD, write

from factbot.core.types import Chunk
from factbot.index.lexical import STOPWORDS, DocEntry, LexicalIndex, analyze, bm25_tokens
from factbot.text.matching import content_stems, stem_in

QUESTIONS = [
    "What did Kellogg clarify?", "How much territory did Russia gain per day on average in May 2025?",
    "Where did Witkoff meet Putin?", "What did John Healey say about the coalition's plans?",
    "Who mediated the direct talks between Russia and Ukraine?", "What did Peskov tell Russian state media?",
    "Is it true that the summit will happen right away?", "the of and", "", "zzzz qqqq",
    "Russia Russia Russia sanctions", "What did Mayor Lena Ortiz say about the repairs?",
]  # fmt: skip


@pytest.fixture(scope="module")
def bundled(embedder, tmp_path_factory):
    """The bundled corpus as the store holds it: {doc id: (record, chunks)}, in store order."""
    from conftest import base_config

    from factbot.pipeline.factbot import FactBot

    bot = FactBot(base_config(), corpus=CORPUS, data_dir=tmp_path_factory.mktemp("lexical") / "d", embedder=embedder)
    bot.ingest(progress=False)
    by_doc = defaultdict(list)
    for c in sorted(bot.store.all_chunks(), key=lambda c: (c.doc_id, c.start)):
        by_doc[c.doc_id].append(c)
    records = bot.store.documents()
    return {d: (records[d], by_doc[d]) for d in sorted(records)}


def entry(rec) -> DocEntry:
    return DocEntry(rec.title, rec.source, rec.sha256, rec.chunks, rec.ingested_at)


def fill(index: LexicalIndex, docs: dict) -> LexicalIndex:
    for d, (rec, chunks) in docs.items():
        index.put(d, entry(rec), [analyze(c.id, c.text) for c in chunks])
    return index


def reference(chunks: list[Chunk], k: int):
    """llama-index's BM25Retriever as retrieve.py built it before the lexical index."""
    import Stemmer
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    nodes = [TextNode(id_=c.id, text=c.text) for c in chunks]
    return BM25Retriever.from_defaults(
        nodes=nodes, similarity_top_k=min(k, len(nodes)), stemmer=Stemmer.Stemmer("english"), language="english"
    )


def ref_hits(bm25, question: str) -> list[tuple[str, float]]:
    return [(n.node.node_id, float(n.score or 0.0)) for n in bm25.retrieve(question)]


def results(index: LexicalIndex, k: int = 8) -> list:
    return [index.search(q, k) for q in QUESTIONS]


# Same scores as bm25s ---------------------------------------------------------------------------
def test_stopwords_and_tokens_are_bm25s_own():
    import bm25s
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    assert STOPWORDS == set(STOPWORDS_EN)
    stemmer = Stemmer.Stemmer("english")
    for text in QUESTIONS + [BRIDGE, ORCHARD, "Zelenskyy’s 30-day “resiliency force”; U.S. café Ünïcode x y 42"]:
        expected = bm25s.tokenize(text, stemmer=stemmer, return_ids=False, show_progress=False)[0]
        assert bm25_tokens(text) == expected


@pytest.mark.parametrize("k", [1, 8, 1000])
def test_search_equals_llama_index_bm25_bit_for_bit(bundled, k):
    chunks = [c for _, cs in bundled.values() for c in cs]
    index = fill(LexicalIndex(None, "c"), bundled)
    bm25 = reference(chunks, k)
    for q in QUESTIONS:
        assert index.search(q, k) == ref_hits(bm25, q), q


def test_within_equals_the_bm25s_weight_mask(bundled):
    import bm25s
    import numpy as np

    chunks = [c for _, cs in bundled.values() for c in cs]
    index = fill(LexicalIndex(None, "c"), bundled)
    bm25 = reference(chunks, 8)
    within = list(bundled)[1:3]
    mask = np.array([float(c.doc_id in within) for c in chunks], dtype=np.float32)
    for q in QUESTIONS:
        tokens = bm25s.tokenize(q, stemmer=bm25.stemmer, show_progress=False)
        ids, scores = bm25.bm25.retrieve(tokens, k=8, weight_mask=mask, show_progress=False)
        expected = [(chunks[int(i)].id, float(s)) for i, s in zip(ids[0], scores[0]) if chunks[int(i)].doc_id in within]
        assert index.search(q, 8, within) == expected, q
    assert index.search(QUESTIONS[0], 8, []) == []


# Updates, persistence ---------------------------------------------------------------------------
def _changed(bundled) -> tuple[dict, dict]:
    """The bundled docs, then a new version: doc 1 rewritten, doc 3 removed, a new doc added."""
    docs = dict(bundled)
    ids = list(docs)
    rec1, old1 = docs[ids[1]]
    text = ORCHARD + OBSERVATORY
    new1 = [Chunk(f"{ids[1]}:{i}", ids[1], t, 0, len(t)) for i, t in enumerate([ORCHARD, OBSERVATORY, BRIDGE])]
    rec1 = type(rec1)(rec1.id, "New title", rec1.source, "sha-new", len(new1), rec1.ingested_at + 1)
    extra_rec = type(rec1)("extra", "Extra", "/x/extra.txt", "sha-x", 1, 0.0)
    after = {d: v for d, v in docs.items() if d != ids[3]}
    after[ids[1]] = (rec1, new1)
    after["extra"] = (extra_rec, [Chunk("extra:0", "extra", text, 0, len(text))])
    return docs, after


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_per_document_updates_give_a_fresh_builds_results(bundled, tmp_path, where):
    before, after = _changed(bundled)
    ids = list(before)
    index = fill(LexicalIndex(tmp_path / "lex" if where == "disk" else None, "c"), before)
    index.delete(ids[3])
    index.put(ids[1], entry(after[ids[1]][0]), [analyze(c.id, c.text) for c in after[ids[1]][1]])
    index.put("extra", entry(after["extra"][0]), [analyze(c.id, c.text) for c in after["extra"][1]])

    order = [d for d in ids if d not in (ids[1], ids[3])] + [ids[1], "extra"]
    fresh = fill(LexicalIndex(None, "c"), {d: after[d] for d in order})
    chunks = [c for d in order for c in after[d][1]]
    bm25 = reference(chunks, 8)
    expected = results(fresh)
    assert expected == [ref_hits(bm25, q) for q in QUESTIONS]
    assert results(index) == expected
    assert index.count == fresh.count == len(chunks)
    for stem in ["russia", "kellogg", "bridg", "comet", "harbor", "apple", "cooper", "2025", "30"]:
        assert index.share(stem) == fresh.share(stem), stem
    index.save()  # merged into a new snapshot: nothing changes
    assert results(index) == expected
    if where == "disk":
        again = LexicalIndex(tmp_path / "lex", "c")  # a new process
        assert results(again) == expected and again.count == len(chunks)


def test_reopening_replays_the_log_then_reads_the_snapshot(bundled, tmp_path):
    index = fill(LexicalIndex(tmp_path / "lex", "c"), bundled)
    expected = results(index)
    assert not list((tmp_path / "lex").glob("snap-*")), "few changes stay in the log"
    assert results(LexicalIndex(tmp_path / "lex", "c")) == expected  # log replayed
    index.save()
    assert [p.name for p in (tmp_path / "lex").glob("snap-*")] == ["snap-1"]
    assert (tmp_path / "lex" / "log-1.jsonl").stat().st_size == 0
    reopened = LexicalIndex(tmp_path / "lex", "c")
    assert results(reopened) == expected
    assert reopened.document(list(bundled)[0]).title == list(bundled.values())[0][0].title


def test_another_process_sees_changes_on_refresh(bundled, tmp_path):
    writer, reader = LexicalIndex(tmp_path / "lex", "c"), LexicalIndex(tmp_path / "lex", "c")
    fill(writer, bundled)
    assert reader.count == 0
    reader.refresh()
    assert reader.count == writer.count and results(reader) == results(writer)
    writer.save()  # a new snapshot: the reader reloads
    first = list(bundled)[0]
    writer.delete(first)
    reader.refresh()
    assert reader.document(first) is None and results(reader) == results(writer)
    reader.put(first, entry(bundled[first][0]), [analyze(c.id, c.text) for c in bundled[first][1]])
    writer.refresh()
    assert writer.count == reader.count


def test_a_folder_of_another_collection_starts_over(bundled, tmp_path):
    fill(LexicalIndex(tmp_path / "lex", "collection-a"), bundled)
    assert LexicalIndex(tmp_path / "lex", "collection-a").count > 0
    assert LexicalIndex(tmp_path / "lex", "collection-b").count == 0


def test_a_torn_last_log_line_is_ignored_and_cut(bundled, tmp_path):
    index = fill(LexicalIndex(tmp_path / "lex", "c"), dict(list(bundled.items())[:2]))
    log = tmp_path / "lex" / "log-0.jsonl"
    with open(log, "ab") as f:
        f.write(b'{"put": "half')  # a crash in the middle of a write
    again = LexicalIndex(tmp_path / "lex", "c")
    assert again.count == index.count
    d, (rec, chunks) = list(bundled.items())[2]
    again.put(d, entry(rec), [analyze(c.id, c.text) for c in chunks])
    assert LexicalIndex(tmp_path / "lex", "c").count == index.count + len(chunks)


def test_has_knows_the_version_of_a_chunk(bundled):
    index = fill(LexicalIndex(None, "c"), bundled)
    c = next(iter(bundled.values()))[1][0]
    assert index.has(c)
    assert not index.has(Chunk(c.id, c.doc_id, c.text + " changed", c.start, c.end))
    assert not index.has(Chunk("nope:0", c.doc_id, c.text, c.start, c.end))


# chunk_share --------------------------------------------------------------------------------------
def test_chunk_share_from_counts_equals_the_scan_over_every_chunk(bundled):
    index = fill(LexicalIndex(None, "c"), bundled)
    chunk_stems = [content_stems(c.text) for _, cs in bundled.values() for c in cs]
    vocabulary = set().union(*chunk_stems)
    probes = vocabulary | {s[:5] for s in vocabulary} | {"zzzzz", "ab", "russ", "russi", "kellog", "30", "2025x"}
    for stem in sorted(probes):
        scan = sum(stem_in(stem, s) for s in chunk_stems) / len(chunk_stems)
        assert index.share(stem) == scan, stem
    assert LexicalIndex(None, "c").share("russia") == 0.0


def test_sync_reads_back_only_what_changed(make_bot, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    write(corpus, "bridge.txt", BRIDGE)
    write(corpus, "orchard.txt", ORCHARD)
    bot = make_bot(corpus)
    bot.ingest(progress=False)
    asked = []
    real = type(bot.store).chunks_of
    monkeypatch.setattr(type(bot.store), "chunks_of", lambda self, ids: asked.append(list(ids)) or real(self, ids))
    write(corpus, "orchard.txt", ORCHARD.replace("3,000", "4,000"))
    bot.ingest(progress=False)
    assert len(asked) == 1 and len(asked[0]) == 1  # the changed document only
    assert bot.retriever.lexical.count == bot.store.count()


def test_bm25_hits_are_fetched_in_one_request(make_bot, embedder, monkeypatch):
    """The BM25 retriever returns nodes (llama-index's terms), so its hits' texts and stored vectors
    come from the store: in one request per question, whatever the number of hits."""
    import numpy as np

    bot = make_bot(CORPUS, top_k=4)
    bot.ingest(progress=False)
    bot.retriever.lexical  # loaded before counting
    calls = []
    collection = type(bot.store.chunks)
    real_get = collection.get
    monkeypatch.setattr(collection, "get", lambda self, *a, **k: calls.append(k.get("ids")) or real_get(self, *a, **k))
    bm25_only_seen = 0
    for q in QUESTIONS[:6]:
        calls.clear()
        q_vec = embedder.embed_one(q)
        passages = bot.retriever.retrieve(q, q_vec)
        hits = [cid for cid, score in bot.retriever.lexical.search(q, 4) if score > 0]
        assert calls == ([hits] if hits else []), q  # one request for all of them, none without
        dense_ids = {h.chunk.id for h in bot.store.query(q_vec, 4)}
        bm25_only = [p for p in passages if p.chunk.id not in dense_ids]
        if bm25_only:
            bm25_only_seen += 1
            stored = real_get(bot.store.chunks, ids=[p.chunk.id for p in bm25_only], include=["embeddings"])
            vectors = dict(zip(stored["ids"], stored["embeddings"]))
            for p in bm25_only:
                assert p.dense == float(np.dot(np.asarray(vectors[p.chunk.id], np.float32), q_vec))
    assert bm25_only_seen, "no question had a BM25-only hit: the test proves little"


def test_a_bulk_sync_merges_as_it_goes_and_equals_a_fresh_build(bundled, tmp_path, monkeypatch):
    """Many documents at once (an initial sync, a new worker): not logged, merged along the way."""
    import factbot.index.lexical as L
    from factbot.index.store import DocRecord

    monkeypatch.setattr(L, "MERGE_MIN", 50)  # several merges on the way
    chunks = [c for _, cs in bundled.values() for c in cs]
    records, stored = {}, {}
    for i in range(300):
        d = f"doc{i:03d}"
        cs = [Chunk(f"{d}:{j}", d, f"{c.text} Item {i}.", 0, 1) for j, c in enumerate(chunks[i % 40 : i % 40 + 2])]
        records[d] = DocRecord(d, f"Title {i}", f"/x/{d}.txt", f"sha{i}", len(cs), float(i))
        stored[d] = cs
    index = LexicalIndex(tmp_path / "lex", "c")
    assert index.sync(records, lambda ids: {d: stored[d] for d in ids}) == 300
    assert not (tmp_path / "lex" / f"log-{index._snap.generation}.jsonl").read_bytes()  # nothing logged
    fresh = fill(LexicalIndex(None, "c"), {d: (records[d], stored[d]) for d in records})
    assert results(index) == results(fresh) and index.count == fresh.count == 600
    assert results(LexicalIndex(tmp_path / "lex", "c")) == results(fresh)
    assert index.sync(records, lambda ids: pytest.fail("nothing changed: nothing to read")) == 0


def test_a_restart_reads_back_nothing_and_an_ingest_reads_the_records_once(make_bot, tmp_path, monkeypatch):
    from conftest import forget_chroma_client

    corpus = tmp_path / "corpus"
    write(corpus, "bridge.txt", BRIDGE)
    write(corpus, "orchard.txt", ORCHARD)
    make_bot(corpus).ingest(progress=False)
    forget_chroma_client(tmp_path / "data" / "chroma")
    bot = make_bot(corpus)  # a new process: its lexical index from disk, in step with the store
    store_type = type(bot.store)
    reads, fetched = [], []
    real_read, real_fetch = store_type._read_documents, store_type.chunks_of
    monkeypatch.setattr(store_type, "_read_documents", lambda self: reads.append(1) or real_read(self))
    monkeypatch.setattr(store_type, "chunks_of", lambda self, ids: fetched.append(ids) or real_fetch(self, ids))
    assert bot.retriever.lexical.count == bot.store.count() and not fetched
    reads.clear()
    bot.ingest(progress=False)  # nothing changed: the records are read once (by the ingest), nothing fetched
    assert len(reads) == 1 and not fetched
