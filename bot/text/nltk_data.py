"""Where the NLTK data comes from: the copy shipped inside llama-index-core (Punkt sentence model,
English stopwords), so nothing is downloaded at run time."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def nltk_cache_dir() -> Path:
    """llama_index.core's `_static/nltk_cache` folder (an NLTK data directory), found without
    importing llama_index.core (a second of every start)."""
    import importlib.util

    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("llama-index-core is not installed; it ships the NLTK data factbot uses.")
    return Path(list(spec.submodule_search_locations)[0]) / "_static" / "nltk_cache"
