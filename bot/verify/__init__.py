"""The verifier: a small entailment model trained here and shipped in the package (verifier.py)."""
