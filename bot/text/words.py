"""Closed-class English words (question words, auxiliaries, pronouns, ...) in one place, lowercase.

Each site builds its own set from these: `matching.NOT_NAMES` (capitalized words that are not
names), the follow-up rewriter's function words and question openers, the claim checker's
question test. The sites differ on purpose where noted."""

from __future__ import annotations

QUESTION_WORDS = frozenset("who whom whose what which when where why how".split())
# Auxiliaries that open a yes/no question ("Did ...", "Has ...").
AUXILIARIES = frozenset("do does did is are was were has have had can could will would should".split())
# Also auxiliaries, but never taken as "not a name": "May" is a month.
MODALS = frozenset("may might must shall".split())

ARTICLES = frozenset("the a an".split())
CONNECTIVES = frozenset("and or but if as so".split())
PREPOSITIONS = frozenset("in on at for with after before during since".split())

PERSON_SUBJECT = frozenset("he she they".split())
PERSON_OBJECT = frozenset("him them".split())
PERSON_POSSESSIVE = frozenset("his their hers".split())  # "her" is object or possessive: see its users
PERSON_PRONOUNS = PERSON_SUBJECT | PERSON_OBJECT | PERSON_POSSESSIVE | {"her"}
THING_PRONOUNS = frozenset("it its there".split())
DEMONSTRATIVES = frozenset("this that these those".split())
SPEAKER_PRONOUNS = frozenset("i you we me my our your".split())  # the asker and the bot

# Verbs that open a request instead of a question ("Tell me ...", "List the ...").
REQUEST_VERBS = frozenset("tell list give name describe".split())


def capitalized(words: frozenset[str] | set[str]) -> frozenset[str]:
    """"the" -> "The": the form a word has opening a sentence."""
    return frozenset(w.capitalize() for w in words)

# The legal forms a company's name may carry ("the LEGO Group", "Nintendo Co., Ltd."): a name
# followed by one of these is the same body, where one followed by another word ("the LEGO
# Foundation", "the NFL Players Association") is another.
LEGAL_FORMS = frozenset(
    "group inc incorporated corp corporation co company companies ltd limited llc plc ag sa nv gmbh holdings".split()
)

# Verbs that report what someone said or wrote, in base and irregular forms (others are stemmed
# alike: "stated", "announcing"). Not "suggest" or "report": data suggest and papers report.
REPORTING_VERBS = frozenset(
    "say said tell told state write wrote written announce add note remark claim insist stress emphasize "
    "emphasise warn explain declare argue call urge confirm deny acknowledge admit accuse describe criticize "
    "criticise praise promise vow threaten ask reply respond comment tweet post reiterate testify recall".split()
)
