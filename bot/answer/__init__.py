"""Answering a question: retrieve -> select evidence -> scope check -> generate -> verify citations."""
