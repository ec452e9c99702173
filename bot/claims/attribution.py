"""A quotation given to the wrong speaker: the claim's quoted words stand in an article, word for
word, beside someone else's name and never beside the claim's speaker. The most common
misattribution in the news ("X said ..." for words Y said) is decided here in code."""

from __future__ import annotations

from collections.abc import Sequence

from factbot.core.types import Citation, Passage, Stance
from factbot.text.matching import content_stems, missing_names, name_groups, names, words
from factbot.text.quotations import outside_quotes, quotations, same_words
from factbot.text.sentences import sentences_in
from factbot.text.words import PERSON_SUBJECT


def misattributed(claim: str, passages: Sequence[Passage]) -> Citation | None:
    """The article sentence that gives the claim's quotation to someone else, when no retrieved
    sentence gives it to the claim's speaker; None otherwise (no quotation, no speaker named,
    the quotation not found, or found beside the claim's speaker)."""
    speaker = outside_quotes(claim)
    named = name_groups(speaker)
    found = [hit for q in quotations(claim) for hit in _holding(q, passages)]
    if not named or not found:
        return None
    for cit, around in found:
        if len(missing_names(speaker, content_stems(around))) < len(named):
            return None  # some article gives it to someone the claim names
    return next((cit for cit, around in found if names(around)), None)


def _holding(quotation: str, passages: Sequence[Passage]) -> list[tuple[Citation, str]]:
    """Each sentence holding the quotation word for word, with the words around it that name the
    speaker, quotes cut: the sentence and the one before it ("Healey wasn't having it: / "...," he
    told reporters"). Where the sentence gives its speaker as a pronoun, all of its passage up to
    it: "he" may be someone named lines earlier, and a refutation must not rest on a guess."""
    out = []
    for p in passages:
        sents = sentences_in(p.chunk.text, p.chunk.start)
        for i, (start, end, text) in enumerate(sents):
            if not same_words(quotation, text):
                continue
            pronoun = bool(PERSON_SUBJECT & set(words(outside_quotes(text))))
            before = p.chunk.text[: start - p.chunk.start] if pronoun else (sents[i - 1][2] if i else "")
            cit = Citation(1, p.chunk.doc_id, p.title, p.source, text, start, end, 1.0, Stance.REFUTES)
            out.append((cit, outside_quotes(f"{before} {text}")))
    return out
