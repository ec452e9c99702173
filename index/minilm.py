"""all-MiniLM-L6-v2 in plain torch: the BERT forward pass, mean pooling and normalization that
sentence-transformers runs, without importing sentence-transformers or transformers (about 3 s of
every start on 2 cores). The vectors are bit-identical to SentenceTransformer.encode(...,
normalize_embeddings=True) (tests/test_embed.py): the same operations in the same order, the same
length-sorted batches, and its double normalization (the model's Normalize module, then encode's)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json): longer input is cut


class MiniLM:
    def __init__(self, path: str | Path):
        from safetensors.torch import load_file  # torch is loaded here, with the model, not at import
        from tokenizers import Tokenizer

        path = Path(path)
        self.config = json.loads((path / "config.json").read_text())
        self.weights = load_file(str(path / "model.safetensors"))
        self.batch_tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.batch_tokenizer.enable_truncation(MAX_TOKENS)
        self.batch_tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.count_tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.count_tokenizer.no_truncation()
        self.count_tokenizer.no_padding()

    def count_tokens(self, text: str) -> int:
        """Word pieces of text, without [CLS]/[SEP] and without truncation."""
        return len(self.count_tokenizer.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Normalized sentence vectors, batched longest first as sentence-transformers batches them."""
        import torch

        order = np.argsort([-len(t) for t in texts])
        out: list = [None] * len(texts)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            enc = self.batch_tokenizer.encode_batch([texts[i] for i in idx])
            ids = torch.tensor([e.ids for e in enc])
            mask = torch.tensor([e.attention_mask for e in enc])
            vectors = self._forward(ids, mask)
            for j, i in enumerate(idx):
                out[i] = vectors[j]
        return torch.stack(out).numpy()

    def _forward(self, ids, mask):
        import torch
        import torch.nn.functional as F

        w, cfg = self.weights, self.config
        eps, heads = cfg["layer_norm_eps"], cfg["num_attention_heads"]

        def linear(x, name):
            return F.linear(x, w[name + ".weight"], w[name + ".bias"])

        def norm(x, name):
            return F.layer_norm(x, (x.shape[-1],), w[name + ".weight"], w[name + ".bias"], eps)

        with torch.inference_mode():
            batch, length = ids.shape
            x = F.embedding(ids, w["embeddings.word_embeddings.weight"])
            x = x + F.embedding(torch.zeros_like(ids), w["embeddings.token_type_embeddings.weight"])
            x = x + F.embedding(torch.arange(length).unsqueeze(0), w["embeddings.position_embeddings.weight"])
            x = norm(x, "embeddings.LayerNorm")
            attend = mask.bool()[:, None, None, :].expand(batch, 1, length, length)
            size = x.shape[-1] // heads
            for i in range(cfg["num_hidden_layers"]):
                p = f"encoder.layer.{i}."
                q, k, v = (
                    linear(x, p + f"attention.self.{n}").view(batch, length, heads, size).transpose(1, 2)
                    for n in ("query", "key", "value")
                )
                a = F.scaled_dot_product_attention(q, k, v, attn_mask=attend, dropout_p=0.0, scale=size**-0.5)
                a = a.transpose(1, 2).contiguous().reshape(batch, length, -1)
                x = norm(linear(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
                h = F.gelu(linear(x, p + "intermediate.dense"))
                x = norm(linear(h, p + "output.dense") + x, p + "output.LayerNorm")
            m = mask.unsqueeze(-1).to(x.dtype)
            mean = (x * m).sum(dim=1, dtype=x.dtype) / torch.clamp(m.sum(dim=1, dtype=x.dtype), min=1e-9)
            return F.normalize(F.normalize(mean, p=2, dim=1), p=2, dim=1)
