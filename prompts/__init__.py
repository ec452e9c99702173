"""Prompt files (*.md) the model sees, shipped with the package as data."""
