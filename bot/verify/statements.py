"""What the verifier is asked: hypotheses built the same way in training and at run time."""

from __future__ import annotations


def answer_statement(question: str, answer: str) -> str:
    """A question and a candidate answer as one hypothesis: "Who won the 2022 Wimbledon men's
    singles? Novak Djokovic". The verifier was trained on this form (evals/verifier_data.py)."""
    q = " ".join(question.split())
    a = " ".join(answer.split()).rstrip(".")
    return f"{q} {a}".strip()
