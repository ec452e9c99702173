"""Chunks: exact offsets into the document, at most 200 MiniLM tokens, whole sentences."""

from __future__ import annotations

import pytest
from conftest import CORPUS

from factbot.core.types import Document
from factbot.index.chunk import chunk_document
from factbot.index.ingest import find_files, load_document, read_source
from factbot.text.sentences import sentence_spans

MAX_TOKENS = 200

BUNDLED = find_files(CORPUS)

CRAFTED = {
    "paragraphs": "First paragraph has a sentence. And another one here.\n\nSecond paragraph, after a blank line.",
    "curly quotes and dashes": "“I was speaking of a force,” he said—firmly. ‘Fine,’ she replied… The end.",
    "heading then text": "A Short Heading\n\n" + " ".join(f"Sentence number {i} says something useful." for i in range(60)),
    "one sentence over budget": "Intro sentence. " + " ".join(["word"] * 700) + ". Outro sentence.",
    "double spaces inside a long sentence": "Intro. " + "  ".join(["alpha beta"] * 400) + ".",
    "long line of many sentences": " ".join(f"Item {i} is listed here." for i in range(200)),
    "bullets": "\n".join(f"  • Point {i}: the committee agreed on item {i}." for i in range(80)),
    "tabs between words": "Start. " + "\t".join(["word"] * 400) + ".",
    "no-break spaces between words": "Start. " + "\u00a0".join(["word"] * 400) + ".",
    "text without spaces (Chinese)": "这是一个很长的句子，没有空格。" * 120,
    "windows line endings kept as is": "Line one is here.\r\nLine two is here.\r\n",
}


def _doc(text: str) -> Document:
    return Document(id="doc", title="t", source="s", text=text, sha256="0")


def _bundled_doc(path) -> Document:
    return load_document(read_source(path, 10_000_000))


def _check_chunks(doc: Document, chunks, count_tokens) -> None:
    assert chunks, "a document with text has at least one chunk"
    for c in chunks:
        assert c.text, f"empty chunk {c.id} at {c.start}:{c.end}"
        assert 0 <= c.start < c.end <= len(doc.text), (c.id, c.start, c.end)
        assert doc.text[c.start : c.end] == c.text, c.id
        assert c.text == c.text.strip(), f"chunk {c.id} starts or ends with whitespace"
        assert count_tokens(c.text) <= MAX_TOKENS, (c.id, count_tokens(c.text))
        assert c.doc_id == doc.id
    assert [c.id for c in chunks] == [f"{doc.id}:{i}" for i in range(len(chunks))]
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:])), "chunks are in order and do not overlap"
    # Nothing is lost: every non-space character of the document is in some chunk.
    covered = sum(len("".join(c.text.split())) for c in chunks)
    assert covered == len("".join(doc.text.split()))


def _check_whole_sentences(doc: Document, chunks, count_tokens) -> None:
    """No sentence that fits the budget straddles a chunk boundary."""
    for s0, s1 in sentence_spans(doc.text):
        if count_tokens(doc.text[s0:s1]) > MAX_TOKENS:
            continue  # a sentence longer than the budget must be cut (checked elsewhere)
        inside = [c for c in chunks if c.start <= s0 and s1 <= c.end]
        assert len(inside) == 1, f"sentence split across chunks: {doc.text[s0:s1]!r}"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_article_chunks(path, embedder):
    doc = _bundled_doc(path)
    chunks = chunk_document(doc, MAX_TOKENS, embedder.count_tokens)
    _check_chunks(doc, chunks, embedder.count_tokens)
    _check_whole_sentences(doc, chunks, embedder.count_tokens)


def test_bundled_corpus_is_all_there():
    assert [p.name for p in BUNDLED] == [
        "000_ea43c841d0afd95c.txt",
        "001_93b11b6d99d7b0f3.txt",
        "002_a866e3e8c53c6af1.txt",
        "003_8114263770172673.txt",
        "004_71cfdc51eac5ef26.txt",
    ]


@pytest.mark.parametrize("text", CRAFTED.values(), ids=CRAFTED.keys())
def test_crafted_text_chunks(text, embedder):
    doc = _doc(text)
    chunks = chunk_document(doc, MAX_TOKENS, embedder.count_tokens)
    _check_chunks(doc, chunks, embedder.count_tokens)
    _check_whole_sentences(doc, chunks, embedder.count_tokens)


def test_sentence_over_budget_is_cut_between_words(embedder):
    text = CRAFTED["one sentence over budget"]
    chunks = chunk_document(_doc(text), MAX_TOKENS, embedder.count_tokens)
    assert len(chunks) >= 4  # 700 words cannot fit in fewer than 4 chunks of 200 tokens
    for c in chunks:
        assert c.start == 0 or text[c.start - 1] == " ", f"cut inside a word at {c.start}"
        assert c.end == len(text) or text[c.end] in " .", f"cut inside a word at {c.end}"


def test_short_sentences_pack_together(embedder):
    text = " ".join(f"Item {i} is listed here." for i in range(10))
    chunks = chunk_document(_doc(text), MAX_TOKENS, embedder.count_tokens)
    assert [c.text for c in chunks] == [text]


def test_heading_starts_a_new_chunk_once_the_current_one_has_substance(embedder):
    body = " ".join(f"Sentence number {i} says something useful." for i in range(12))  # ~100 tokens
    text = f"{body}\n\nSecond Section Heading\n\nThe second section starts here with a sentence."
    chunks = chunk_document(_doc(text), MAX_TOKENS, embedder.count_tokens)
    assert [c.text for c in chunks] == [body, "Second Section Heading\n\nThe second section starts here with a sentence."]


def test_chunk_ids_are_stable(embedder):
    doc = _bundled_doc(BUNDLED[4])
    first = chunk_document(doc, MAX_TOKENS, embedder.count_tokens)
    again = chunk_document(doc, MAX_TOKENS, embedder.count_tokens)
    assert first == again
