"""Quoted words in a text, and the text around them: who a quotation is given to.

"Karoline Leavitt said, "Putin has the cards, and Zelenskyy does not."" gives the quotation to
Leavitt; an article that prints the same words beside "Trump remarked" gives it to Trump."""

from __future__ import annotations

import re

from factbot.text.matching import normalize, words

_QUOTED = re.compile(r'"([^"]+)"')
# Shorter quoted bits are scare quotes or titles ("unclear", "dragging his feet"), which many
# people may say; a quotation of this many words is one statement by one speaker.
MIN_QUOTED_WORDS = 5


def quotations(text: str) -> list[str]:
    """The quoted passages of text long enough to be one speaker's statement."""
    return [q for q in _QUOTED.findall(normalize(text)) if len(words(q)) >= MIN_QUOTED_WORDS]


def outside_quotes(text: str) -> str:
    """text with every quoted passage cut out: the words that say who speaks."""
    return _QUOTED.sub(" ", normalize(text))


def same_words(quotation: str, text: str) -> bool:
    """text holds the quotation word for word (case, punctuation and quote marks aside)."""
    return f" {' '.join(words(quotation))} " in f" {' '.join(words(text))} "
