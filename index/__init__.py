"""Indexing stages: ingest -> clean -> chunk -> embed and store; build_index runs them."""
