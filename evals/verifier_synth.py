"""Synthetic entailment pairs from real news sentences (FactCC-style transformations).

Each transformation takes one spaCy-parsed sentence and returns a hypothesis, or None where it
does not apply. The premise is the sentence in its own context (evals/verifier_data.py builds
it); the label says what the premise does to the hypothesis:

- ENTAILED: the sentence itself, or the sentence with one optional phrase removed (`clause`);
- CONTRADICTED: a named entity swapped for another of the same type from the same article
  (`entity_swap`), a number changed (`number`), a date changed (`date`), a negation added or
  removed (`negation`), subject and object swapped (`swap_roles`), a role noun or a verb swapped
  for its counterpart (`role_noun`);
- NEUTRAL: the same event in another year, where the year names an edition ("the 2019 Open":
  `other_year`); other articles' sentences and the sentence's neighbours are neutral premises
  (built in verifier_data.py).

Used only to make training data: the word pairs below describe training transformations, not
run-time rules."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

ENTAILED, CONTRADICTED, NEUTRAL = 0, 1, 2
LABELS = ("entailed", "contradicted", "neutral")

SWAPPABLE_ENTS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT")
NUMBER_ENTS = ("CARDINAL", "MONEY", "PERCENT", "QUANTITY")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty")
# Counterpart pairs for role_noun: each word is replaced by its partner (both directions).
COUNTERPARTS = (
    ("winner", "runner-up"), ("founder", "chief executive"), ("president", "vice president"),
    ("won", "lost"), ("wins", "loses"), ("increased", "decreased"), ("rose", "fell"), ("raised", "cut"),
    ("approved", "rejected"), ("higher", "lower"), ("more", "fewer"), ("before", "after"),
    ("accepted", "declined"), ("confirmed", "denied"), ("supports", "opposes"), ("supported", "opposed"),
    ("allowed", "banned"), ("largest", "smallest"), ("first", "last"), ("gained", "lost"),
    ("buyer", "seller"), ("guilty", "innocent"), ("open", "closed"), ("began", "ended"),
)  # fmt: skip
_PARTNER = {a: b for a, b in COUNTERPARTS} | {b: a for a, b in COUNTERPARTS}
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")
_REMOVABLE = ("advcl", "prep", "appos", "relcl", "npadvmod", "advmod", "acl")


@dataclass(frozen=True)
class Made:
    """One hypothesis made from a sentence."""

    hypothesis: str
    label: int
    kind: str


def _replace(text: str, start: int, end: int, new: str) -> str:
    return _tidy(text[:start] + new + text[end:])


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    text = re.sub(r"^[,;:\s]+", "", text)
    return text[:1].upper() + text[1:] if text else text


def identity(doc, rng: random.Random, **_) -> Made | None:
    return Made(doc.text, ENTAILED, "identity")


def clause(doc, rng: random.Random, **_) -> Made | None:
    """Drop one optional phrase (an adverbial clause, a prepositional phrase off the verb, an
    apposition, a relative clause): what is left is still stated by the sentence."""
    options = []
    for t in doc:
        if t.dep_ in _REMOVABLE and t.head.dep_ == "ROOT" or t.dep_ in ("appos", "relcl"):
            sub = list(t.subtree)
            if 2 <= len(sub) <= 14 and len(sub) < len(doc) - 4 and not any(x.dep_ == "neg" for x in sub):
                options.append((sub[0].idx, sub[-1].idx + len(sub[-1].text)))
    if not options:
        return None
    s, e = rng.choice(options)
    out = _replace(doc.text, s, e, "")
    return Made(out, ENTAILED, "clause") if len(out.split()) >= 5 and out != doc.text else None


def entity_swap(doc, rng: random.Random, pool: dict[str, list[str]], **_) -> Made | None:
    """A named entity replaced by another of the same type (from the same article where possible)."""
    ents = [e for e in doc.ents if e.label_ in SWAPPABLE_ENTS and len(e.text) > 1]
    rng.shuffle(ents)
    low = doc.text.lower()
    for e in ents:
        others = [o for o in pool.get(e.label_, ()) if o.lower() not in low and e.text.lower() not in o.lower()]
        if others:
            return Made(_replace(doc.text, e.start_char, e.end_char, rng.choice(others)), CONTRADICTED, "entity_swap")
    return None


def _other_number(s: str, rng: random.Random) -> str | None:
    m = _DIGITS.search(s)
    if not m:
        low = s.lower()
        for w in NUMBER_WORDS:
            if re.search(rf"\b{w}\b", low):
                new = rng.choice([x for x in NUMBER_WORDS if x != w])
                return re.sub(rf"\b{w}\b", new, s, count=1, flags=re.I)
        return None
    raw = m.group().replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        return None
    for _ in range(5):
        factor = rng.choice((0.5, 0.6, 0.75, 1.3, 1.5, 2, 3))
        new = value * factor if value > 3 else value + rng.choice((1, 2, 3, 5))
        new_s = f"{new:,.{len(raw.split('.')[1]) if '.' in raw else 0}f}"
        if "," not in m.group():
            new_s = new_s.replace(",", "")
        if new_s != m.group():
            return s[: m.start()] + new_s + s[m.end() :]
    return None


def number(doc, rng: random.Random, **_) -> Made | None:
    ents = [e for e in doc.ents if e.label_ in NUMBER_ENTS]
    rng.shuffle(ents)
    for e in ents:
        new = _other_number(e.text, rng)
        if new:
            return Made(_replace(doc.text, e.start_char, e.end_char, new), CONTRADICTED, "number")
    return None


def _edition_year(doc, idx: int) -> bool:
    """The year at character idx names an edition of something ("the 2019 Open", "Oscars 2021"):
    its token modifies a noun rather than dating the verb."""
    for t in doc:
        if t.idx == idx:  # "the 2019 Open", "the 2020 election": a noun's modifier that is no date itself
            return t.dep_ in ("nummod", "compound", "amod") and t.head.pos_ in ("PROPN", "NOUN") \
                and t.head.ent_type_ != "DATE"
    return False


def date(doc, rng: random.Random, **_) -> Made | None:
    """A year, month or weekday changed. A year naming an edition makes a NEUTRAL pair (the
    premise speaks of another edition), any other date a CONTRADICTED one."""
    text = doc.text
    years = list(_YEAR.finditer(text))
    if years:
        m = rng.choice(years)
        new = str(int(m.group()) + rng.choice((-3, -2, -1, 1, 2)))
        out = text[: m.start()] + new + text[m.end() :]
        if _edition_year(doc, m.start()):
            return Made(out, NEUTRAL, "other_year")
        return Made(out, CONTRADICTED, "date")
    for names in (MONTHS, WEEKDAYS):
        found = [n for n in names if re.search(rf"\b{n}\b", text)]
        if found:
            old = rng.choice(found)
            new = rng.choice([n for n in names if n != old and n not in text])
            return Made(re.sub(rf"\b{old}\b", new, text, count=1), CONTRADICTED, "date")
    return None


def negation(doc, rng: random.Random, **_) -> Made | None:
    """Remove the main verb's negation, or add one (after its auxiliary, or with do-support)."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX"):
        return None
    neg = [c for c in root.children if c.dep_ == "neg"]
    text = doc.text
    if neg:
        t = neg[0]
        if t.lower_ == "n't":
            aux = doc[t.i - 1]
            fixed = {"ca": "can", "wo": "will", "do": "do", "does": "does", "did": "did"}.get(aux.lower_, aux.text)
            return Made(_replace(text, aux.idx, t.idx + len(t.text), fixed), CONTRADICTED, "negation")
        return Made(_replace(text, t.idx, t.idx + len(t.text), ""), CONTRADICTED, "negation")
    aux = [c for c in root.children if c.dep_ in ("aux", "auxpass") and c.i < root.i]
    if root.lemma_ == "be" and root.pos_ == "AUX":
        aux = [root]
    if aux:
        a = aux[0]
        end = a.idx + len(a.text)
        return Made(_tidy(text[:end] + " not" + text[end:]), CONTRADICTED, "negation")
    do = {"VBD": "did not", "VBZ": "does not", "VBP": "do not"}.get(root.tag_)
    if do:
        return Made(_replace(text, root.idx, root.idx + len(root.text), f"{do} {root.lemma_}"), CONTRADICTED, "negation")
    return None


def swap_roles(doc, rng: random.Random, **_) -> Made | None:
    """Subject and object of the main verb swapped, where both are short names or noun phrases."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ != "VERB":
        return None
    subj = next((c for c in root.children if c.dep_ == "nsubj"), None)
    obj = next((c for c in root.children if c.dep_ in ("dobj", "pobj")), None)
    if subj is None or obj is None or subj.pos_ == "PRON" or obj.pos_ == "PRON":
        return None
    s, o = list(subj.subtree), list(obj.subtree)
    if not (1 <= len(s) <= 5 and 1 <= len(o) <= 5) or s[-1].i >= o[0].i:
        return None
    s0, s1 = s[0].idx, s[-1].idx + len(s[-1].text)
    o0, o1 = o[0].idx, o[-1].idx + len(o[-1].text)
    st, ot = doc.text[s0:s1], doc.text[o0:o1]
    if st.lower() == ot.lower():
        return None
    text = doc.text
    out = text[:s0] + ot + text[s1:o0] + st + text[o1:]
    return Made(_tidy(out), CONTRADICTED, "swap_roles")


def role_noun(doc, rng: random.Random, **_) -> Made | None:
    """A role noun or a verb swapped for its counterpart (winner / runner-up, rose / fell)."""
    hits = [t for t in doc if t.lower_ in _PARTNER]
    if not hits:
        return None
    t = rng.choice(hits)
    new = _PARTNER[t.lower_]
    new = new[:1].upper() + new[1:] if t.text[:1].isupper() else new
    return Made(_replace(doc.text, t.idx, t.idx + len(t.text), new), CONTRADICTED, "role_noun")


TRANSFORMS = (identity, clause, entity_swap, number, date, negation, swap_roles, role_noun)
