"""Claim checking: compare a claim with source sentences, combine with the model's label, decide a verdict."""
