"""The embedder (index/embed.py) is sentence-transformers' SentenceTransformer on the packaged MiniLM,
and gives the vectors every existing index was built with: tests/data/minilm_vectors.npz holds
vectors and token counts recorded from the plain-torch MiniLM factbot ran before (index/minilm.py,
removed), so stored indexes and every threshold stay valid without a re-ingest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).parent / "data" / "minilm_vectors.npz"


@pytest.fixture(scope="module")
def recorded():
    data = np.load(REFERENCE)
    return [str(t) for t in data["texts"]], data["vectors"], [int(n) for n in data["tokens"]]


def test_the_model_is_a_sentence_transformer(embedder):
    from sentence_transformers import SentenceTransformer

    assert isinstance(embedder.model, SentenceTransformer)
    assert embedder.model.get_max_seq_length() == 256  # longer text is cut, as the chunker's budget assumes


def test_vectors_equal_the_ones_indexes_were_built_with_bit_for_bit(embedder, recorded):
    texts, vectors, _ = recorded
    ours = embedder.embed(texts)
    assert ours.dtype == np.float32 and ours.shape == (len(texts), 384)
    assert np.array_equal(ours, vectors)
    # Alone, a text is not padded to its batch's longest: the last bits move, nothing more.
    assert np.allclose(embedder.embed_one(texts[0]), vectors[0], atol=1e-6)


def test_vectors_are_unit_length(embedder, recorded):
    norms = np.linalg.norm(embedder.embed(recorded[0]), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-6)


def test_token_counts_are_word_pieces_without_special_tokens_or_truncation(embedder, recorded):
    texts, _, counts = recorded
    assert [embedder.count_tokens(t) for t in texts] == counts
    assert embedder.count_tokens("word " * 400) == 400  # past the model's 256: counted, not cut


def test_nothing_to_embed_is_an_empty_matrix(embedder):
    assert embedder.embed([]).shape == (0, 384)
