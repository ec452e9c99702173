"""The plain-torch MiniLM (index/minilm.py) gives sentence-transformers' vectors bit for bit, and
its token counts are the Hugging Face tokenizer's: stored indexes and every threshold stay valid."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CORPUS

from factbot.index.embed import model_path


@pytest.fixture(scope="module")
def reference():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path(), device="cpu")


def _texts() -> list[str]:
    lines = [line for f in sorted(CORPUS.glob("*.txt")) for line in f.read_text().splitlines() if line.strip()]
    odd = ["What did Kellogg clarify?", "a", "Zelenskyy’s “resiliency force” — 30-day ceasefire", "über café 東京 😀",
           "word " * 400]  # fmt: skip
    return lines[:70] + odd


def test_vectors_equal_sentence_transformers_bit_for_bit(embedder, reference):
    texts = _texts()
    ours = embedder.embed(texts)
    theirs = reference.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (len(texts), 384)
    assert np.array_equal(ours, theirs)
    assert np.array_equal(embedder.embed_one(texts[0]), reference.encode([texts[0]], normalize_embeddings=True)[0])


def test_token_counts_equal_the_hugging_face_tokenizer(embedder, reference):
    for text in _texts():
        expected = len(reference.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])
        assert embedder.count_tokens(text) == expected, text[:60]


def test_nothing_to_embed_is_an_empty_matrix(embedder):
    assert embedder.embed([]).shape == (0, 384)
