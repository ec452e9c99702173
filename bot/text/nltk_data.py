"""Where the NLTK data comes from: the copy shipped inside llama-index-core (Punkt sentence model,
English stopwords), so nothing is downloaded at run time."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def nltk_cache_dir() -> Path:
    """llama_index.core's `_static/nltk_cache` folder (an NLTK data directory)."""
    import llama_index.core

    return Path(llama_index.core.__file__).parent / "_static" / "nltk_cache"
