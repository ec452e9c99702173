"""Claim checking: evidence -> code checks + the model's label -> a Verdict with verbatim quotes.

Code decides what it can decide reliably (different numbers, swapped people, negations and
opposite verbs in the best-matching sentence; nothing relevant found); the model labels the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from factbot.text.signals import Signals, compare, with_context_names
from factbot.text.words import AUXILIARIES, MODALS, QUESTION_WORDS
from factbot.model.generate import Prompt
from factbot.model.prompts import format_sources, load_prompt
from factbot.core.types import Citation, Evidence, Label, Stance

_LABEL = re.compile(r"\b(SUPPORTED|REFUTED|NOT[_ ]ENOUGH[_ ]INFO|CONFLICTING)\b(?:\s*\[(\d+)\])?", re.I)
_CLAIM_QUESTION = re.compile(
    r"^\s*(?:is it (?:true|correct|accurate|right|the case) that|true or false\s*:|fact[- ]check\s*:)\s*", re.I
)
_DID_QUESTION = re.compile(r"^\s*(?:did|does|do|has|have|was|were)\s+(.+?)\s*\?*\s*$", re.I)
# Reporting verbs in their base, -s and past forms ("did X say", "has X denied").
_REPORTING = (
    r"(?:say|says|said|told|wrote|written|denied|denies|(?:claim|call|state|announce|propose|confirm|deny|reject|"
    r"agree|accuse|write|tell|describe|threaten|suggest)(?:s|d|ed)?)"
)
_NEGATED = re.compile(r"(?:\bnot|n['’]t)\s*$", re.I)
# A sentence asks when the verb comes before its subject (subject-auxiliary inversion): it opens
# with an auxiliary ("Did Kellogg say ...") or a question word followed by one ("What did he ...").
# A statement may open with a question word ("When CO2 was higher, the sun was cooler."); it then
# ends as statements do, with a full stop, where a question typed without "?" has no end mark.
_AUX = "|".join(sorted(AUXILIARIES | MODALS))
_WH = "|".join(sorted(QUESTION_WORDS))
_INVERTED = re.compile(r"^\s*(?:(?:%s)\s+)?(?:%s)\b" % (_WH, _AUX), re.I)
_OPENS_WH = re.compile(r"^\s*(?:%s)\b" % _WH, re.I)


@dataclass(frozen=True)
class Aligned:
    """A source sentence compared with the claim."""

    evidence: Evidence
    start: int
    end: int
    text: str
    support: float
    signals: Signals


def as_claim(text: str) -> str | None:
    """The claim inside "Is it true that X?" or "Did X say Y?", else None (not a claim question)."""
    m = _CLAIM_QUESTION.match(text)
    if m:
        return text[m.end() :].rstrip(" ?").strip() or None
    m = _DID_QUESTION.match(text)
    if m and re.search(rf"\b{_REPORTING}\b", m.group(1), re.I):
        return m.group(1)
    return None


def is_question(text: str) -> bool:
    """A sentence that asks: a question mark, an inverted word order, or a question word of the
    main clause and no end mark. A question word that opens a subordinate clause ("When the same
    experts now claim X you can see why ...") starts a statement: the parse tells which."""
    text = text.rstrip()
    if text.endswith("?") or _INVERTED.match(text):
        return True
    if not _OPENS_WH.match(text) or text.endswith((".", "!", '."', ".”")):
        return False
    return _asks(text)


def _asks(text: str) -> bool:
    """The opening question word belongs to the main clause: the first verb above it is the root."""
    from factbot.text.parse import nlp

    t = nlp()(text)[0]
    while t.dep_ != "ROOT" and t.pos_ not in ("VERB", "AUX"):  # up through its phrase ("which company")
        t = t.head
    return t.dep_ == "ROOT"  # not a verb of a subordinate clause (advcl, csubj, ccomp)


def is_checkworthy(sentence: str) -> bool:
    """A statement naming someone or something, or giving a number: worth checking."""
    from factbot.text.matching import names, numbers

    return bool(names(sentence) or numbers(sentence))


def verdict_prompt(claim: str, evidence: list[Evidence]) -> Prompt:
    return Prompt(
        system=load_prompt("check_system"),
        user=load_prompt("check_user", sources=format_sources(evidence), claim=claim),
    )


def parse_label(raw: str, given: set[int]) -> tuple[Label | None, int | None]:
    """The first label the reply states, with the passage number after it; a negated label
    ("NOT SUPPORTED") states only that the passages do not decide the claim."""
    m = _LABEL.search(raw)
    if not m:
        return None, None
    n = int(m.group(2)) if m.group(2) and int(m.group(2)) in given else None
    if _NEGATED.search(raw[: m.start()]) and m.group(1).upper() in ("SUPPORTED", "REFUTED"):
        return Label.NOT_ENOUGH_INFO, n
    return Label(m.group(1).upper().replace(" ", "_")), n


def align(claim: str, evidence: list[Evidence], sims: np.ndarray) -> list[Aligned]:
    """Every sentence of the evidence, scored for how closely it speaks to the claim."""
    from factbot.answer.citations import evidence_sentences, support

    out = []
    k = 0
    for e in evidence:
        prev = ""
        for s0, s1, text in evidence_sentences(e):
            sig = with_context_names(compare(claim, text, prev), claim, e.text)
            out.append(Aligned(e, s0, s1, text, support(claim, f"{prev} {text}", float(sims[k])), sig))
            prev, k = text, k + 1
    return sorted(out, key=lambda a: -a.support)


def sentence_texts(evidence: list[Evidence]) -> list[str]:
    from factbot.answer.citations import evidence_sentences

    return [text for e in evidence for _, _, text in evidence_sentences(e)]


@dataclass(frozen=True)
class Decision:
    """A verdict before its quotes are verified against the stored documents."""

    label: Label
    explanation: str
    picks: tuple[tuple[Aligned, Stance], ...]  # the deciding sentences, each with what it does to the claim
    confidence: float


def decide(aligned: list[Aligned], model_label: Label | None, model_n: int | None, min_topic: float) -> Decision:
    """Combine code signals and the model's label into a Decision."""
    label, explanation, picks, confidence = _decide(aligned, model_label, model_n, min_topic)
    return Decision(label, explanation, tuple((a, Stance(s)) for a, s in picks), confidence)


def model_decision(aligned: list[Aligned], model_label: Label | None, model_n: int | None) -> Decision:
    """CheckMode.MODEL: the model's label as it is, quoting the passage it named (or the closest)."""
    picks = [a for a in aligned if a.evidence.n == model_n][:1] or aligned[:1]
    label = model_label or Label.NOT_ENOUGH_INFO
    stance = {Label.SUPPORTED: Stance.SUPPORTS, Label.REFUTED: Stance.REFUTES}.get(label, Stance.RELATED)
    return Decision(label, f"The model's verdict: {label}.", tuple((a, stance) for a in picks), 0.5)


def _decide(aligned: list[Aligned], model_label: Label | None, model_n: int | None, min_topic: float):
    if not any(a.signals.overlap >= min_topic for a in aligned):
        return Label.NOT_ENOUGH_INFO, "The articles do not discuss what this claim is about.", [], 0.8
    on_topic = [a for a in aligned if a.signals.overlap >= min_topic]
    refuting = [a for a in on_topic[:3] if a.signals.contradiction]
    agreeing = [a for a in on_topic[:3] if not a.signals.contradiction and not a.signals.missing_names
                and a.signals.overlap >= 0.6]  # fmt: skip
    best = on_topic[0]

    if refuting and agreeing and refuting[0].evidence.doc_id != agreeing[0].evidence.doc_id and agreeing[0].signals.overlap >= 0.8:
        return (
            Label.CONFLICTING,
            f"The articles disagree: one supports the claim, another does not ({refuting[0].signals.contradiction}).",
            [(agreeing[0], "supports"), (refuting[0], "refutes")],
            0.6,
        )
    if refuting and (not agreeing or refuting[0].support >= agreeing[0].support):
        a = refuting[0]
        picks = [(r, "refutes") for r in refuting[:2]]
        return Label.REFUTED, f"Refuted: {a.signals.contradiction}.", picks, 0.9 if model_label == Label.REFUTED else 0.75
    if model_label == Label.SUPPORTED or (agreeing and best.signals.overlap >= 0.8 and model_label != Label.REFUTED):
        a = agreeing[0] if agreeing else best
        if a.signals.missing_names or a.signals.overlap < 0.5:
            return Label.NOT_ENOUGH_INFO, "The closest passage does not state this claim.", [(a, "related")], 0.5
        conf = 0.9 if model_label == Label.SUPPORTED and a in agreeing else 0.7
        return Label.SUPPORTED, "Supported: the passage states this.", [(a, "supports")], conf
    if model_label == Label.REFUTED and model_n is not None:
        picks = [a for a in on_topic if a.evidence.n == model_n] or on_topic
        return Label.REFUTED, "Refuted by the passage shown (the model's reading; no code check fired).", [(picks[0], "refutes")], 0.55
    return Label.NOT_ENOUGH_INFO, "The articles do not state this claim, nor its opposite.", [(best, "related")], 0.6


def to_citations(picks: tuple[tuple[Aligned, Stance], ...]) -> tuple[Citation, ...]:
    return tuple(
        Citation(i, a.evidence.doc_id, a.evidence.title, a.evidence.source, a.text, a.start, a.end, round(a.support, 3), stance)
        for i, (a, stance) in enumerate(picks, start=1)
    )
