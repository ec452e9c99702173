"""The model's raw reply + the evidence it was shown -> a checked Answer body. Pure, no I/O.

Each sentence of the reply must be supported by a passage it cites. Support is measured in
code: shared content words, numbers and names that must all be present, and embedding
similarity. A wrong citation is moved to the passage that supports the sentence; a sentence no
passage supports is dropped. A citation never points at a passage that does not back it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from factbot.text.datelines import as_date_evidence
from factbot.text.matching import content_stems, missing_names, month_stems, normalize, numbers, overlap
from factbot.core.types import Citation, Evidence
from factbot.text.markers import LEADING_MARKERS, cited_numbers, strip_markers
from factbot.text.signals import compare
from factbot.text.questions import AnswerForm, asked_parts, form_tokens, missing_constraints
from factbot.text.sentences import ends_finished, sentences_in, texts_at

# Similarity of each text in a to each text in b, as a matrix (embedding cosine in production).
Similarity = Callable[[list[str], list[str]], np.ndarray]

_DECLINE = re.compile(
    r"not in (?:the )?sources|(?:sources|passages|articles|context) (?:do not|don't|does not|doesn't)"
    r" (?:contain|mention|say|provide|answer|include)|no information (?:about|on|regarding)",
    re.IGNORECASE,
)
SUPPORT_LEXICAL_WEIGHT = 0.6  # share of the claim's content words in the passage, next to embedding similarity
MISSING_FACT_PENALTY = 0.5  # a number or name the passage does not contain halves the support


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    citations: tuple[Citation, ...]
    declined: bool
    dropped: tuple[str, ...]
    answers: bool = True  # some sentence holds what the question asks for (a name for who, ...)


@dataclass(frozen=True)
class ReplySentence:
    text: str  # without citation markers
    cited: tuple[int, ...]


def parse_reply(raw: str) -> list[ReplySentence]:
    """Split the reply into sentences and the [n] markers each carries.

    A marker standing after the full stop ("... troops. [1]") belongs to the sentence before it."""
    out: list[ReplySentence] = []
    for _, _, piece in sentences_in(raw):
        lead = LEADING_MARKERS.match(piece)
        if lead and out:  # "A. [1] B [2]." splits as "A." and "[1] B [2].": [1] cites A
            out[-1] = ReplySentence(out[-1].text, out[-1].cited + cited_numbers(lead.group()))
            piece = piece[lead.end() :]
        cited = cited_numbers(piece)
        text = strip_markers(piece).strip()
        if not re.search(r"[A-Za-z0-9]", text):  # only markers: they cite the previous sentence
            if out:
                out[-1] = ReplySentence(out[-1].text, out[-1].cited + cited)
            continue
        out.append(ReplySentence(text, cited))
    return out


# The prompt asks for one to three sentences; a fourth leaves room for a quotation's next line.
# Past it the 1.5B model copies its sources out, at ~0.1 s a token. Chosen on replays of the
# recorded replies: cut after 3, RGB dev noise lost item 53 (its date was in the 4th sentence);
# after 4, no bundled or RGB dev answer changed, and the three slowest bundled replies get shorter.
MAX_REPLY_SENTENCES = 4


def cut_after(raw: str, n: int = MAX_REPLY_SENTENCES) -> str | None:
    """raw up to the end of its n-th sentence and the markers that follow it, once a sentence
    after it has begun; None while raw holds n sentences or fewer."""
    spans = [(s0, s1) for s0, s1, t in sentences_in(raw) if re.search(r"[A-Za-z0-9]", strip_markers(t))]
    if len(spans) <= n:
        return None
    end = spans[n - 1][1]
    markers = LEADING_MARKERS.match(raw, end)
    return raw[: markers.end() if markers else end]


def _finished(sentences: list[ReplySentence]) -> list[ReplySentence]:
    """The reply's sentences without a last one the token limit cut off ("He has also stated that
    he would like [2]"); a reply of one sentence is kept whole, for the check to judge."""
    if len(sentences) > 1 and not ends_finished(sentences[-1].text):
        return sentences[:-1]
    return sentences


def _said_once(sentences: list[ReplySentence]) -> list[ReplySentence]:
    """A small model can loop, repeating one sentence to its token limit: each is said once."""
    seen: dict[str, int] = {}
    out: list[ReplySentence] = []
    for s in sentences:
        key = normalize(s.text).lower()
        if key in seen:
            first = out[seen[key]]
            out[seen[key]] = ReplySentence(first.text, first.cited + tuple(n for n in s.cited if n not in first.cited))
            continue
        seen[key] = len(out)
        out.append(s)
    return out


def is_decline(raw: str) -> bool:
    return bool(_DECLINE.search(normalize(raw))) or not raw.strip()


def support(claim: str, passage: str, similarity: float, context: str = "", given: frozenset[str] = frozenset()) -> float:
    """How well passage backs claim, 0..1: words, then numbers and names that must all be there.

    Names may also stand in the context before the passage ("He" named a line earlier); numbers
    in `given` (the question's own, like "two capitals") need not be in the passage. The date a
    passage opens with backs a number only where the passage gives no date of its own (text/datelines)."""
    terms = content_stems(passage) | month_stems(passage)  # "October" is in "Oct." and "10/27/2017"
    score = (SUPPORT_LEXICAL_WEIGHT * overlap(content_stems(claim), terms)
             + (1 - SUPPORT_LEXICAL_WEIGHT) * max(similarity, 0.0))
    unbacked = numbers(claim) - given - numbers(as_date_evidence(passage))
    if unbacked or missing_names(claim, terms | content_stems(context)):
        score *= MISSING_FACT_PENALTY
    return score


def evidence_sentences(e: Evidence) -> list[tuple[int, int, str]]:
    """(start, end, text) of each sentence of e, in document offsets; e whole when it has no sentences."""
    return texts_at(e.text, e.start, e.sentences or ((e.start, e.end),))


def _best_quote(claim: str, e: Evidence, sim: Similarity, given: frozenset[str]) -> tuple[int, int, str, float]:
    """The sentence of e that backs claim best; two adjacent ones when the claim needs both."""
    sents = evidence_sentences(e)
    sims = sim([claim], [t for _, _, t in sents])[0]
    around = f"{e.context} {e.text}"  # names may stand anywhere in the passage or just before it
    scored = [(support(claim, t, float(s), around, given), s0, s1, t) for (s0, s1, t), s in zip(sents, sims)]
    best = max(scored)
    for a, b in zip(scored, scored[1:]):
        joined = e.text[a[1] - e.start : b[2] - e.start]
        both = support(claim, joined, max(float(s) for s in sims), around, given)
        if both >= best[0] + 0.15:
            return a[1], b[2], joined, both
    return best[1], best[2], best[3], best[0]


def check_reply(
    raw: str, evidence: list[Evidence], similarity: Similarity, min_support: float, question: str = ""
) -> CheckedAnswer:
    sentences = parse_reply(raw)
    declines = [s for s in sentences if is_decline(s.text)]
    kept = [s for s in sentences if s not in declines]
    finished = _finished(kept)
    sentences = _said_once(finished)
    # "NOT IN SOURCES" alone is a decline; tacked onto a cited answer it is only dropped.
    if is_decline(raw) and not (declines and any(s.cited for s in sentences)):
        return CheckedAnswer(text="", citations=(), declined=True, dropped=())
    by_n = {e.n: e for e in evidence}
    given = frozenset(numbers(question))
    dropped: list[str] = [f"dropped the remark {s.text!r}" for s in declines]
    if len(finished) < len(kept):
        dropped.append(f"dropped the unfinished last sentence {kept[-1].text!r}")
    if not sentences or not evidence:
        return CheckedAnswer("", (), False, ("the reply had no checkable sentence",))
    sims = similarity([s.text for s in sentences], [e.text for e in evidence])

    citations: list[Citation] = []
    keyed: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    asks = Asked(question)
    answered = False
    for i, s in enumerate(sentences):
        scores = {e.n: support(s.text, e.text, float(sims[i][j]), e.context, given) for j, e in enumerate(evidence)}
        valid = _supporting(s, scores, by_n, min_support, dropped)
        if not valid:
            continue
        markers = []
        quotes = [(by_n[n], *_best_quote(s.text, by_n[n], similarity, given)) for n in valid[:2]]
        grounded = [q for q in quotes if not asks.problem(s.text, q[0], q[1], q[2])]
        if not grounded:
            dropped.append(f"sentence dropped: {asks.problem(s.text, *quotes[0][:3])}: {s.text!r}")
            continue
        said = s.text
        e, start, _, quote, _ = grounded[0]
        wrong = misstated(s.text, e, start, quote)
        if wrong:  # the quote itself is the answer, nothing of the model's wording
            dropped.append(f"sentence replaced by its quote ({wrong}): {s.text!r}")
            grounded, said = grounded[:1], " ".join(quote.split())
        answered = answered or any(asks.answered_by(said, e, start, end) for e, start, end, _, _ in grounded)
        for e, start, end, quote, score in grounded:
            key = (e.doc_id, start, end)
            if key not in keyed:
                keyed[key] = len(citations) + 1
                citations.append(Citation(keyed[key], e.doc_id, e.title, e.source, quote, start, end, round(score, 3)))
            if keyed[key] not in markers:
                markers.append(keyed[key])
        parts.append(_with_markers(said, markers))
    return CheckedAnswer(" ".join(parts), tuple(citations), False, tuple(dropped), answered or not citations)


def misstated(sentence: str, e: Evidence, start: int, quote: str) -> str | None:
    """How an answer sentence misstates the quote (of e, at start) it rests on: a negation dropped
    or added, an opposite verb, the statement given to someone the quote does not involve; or None."""
    sig = compare(sentence, quote, f"{e.context} {e.text[: start - e.start]}")
    if sig.swapped_name:
        return "the quote attributes it to someone else"
    if sig.opposite:
        return f"the quote says {sig.opposite[1]!r} where the answer says {sig.opposite[0]!r}"
    if sig.negation_flip:
        return "the quote states the negation"
    return None


def _supporting(s: ReplySentence, scores: dict[int, float], by_n: dict, min_support: float, dropped: list) -> list[int]:
    """The passages that back sentence s: those it cites that do, else the best one that does."""
    dropped.extend(f"[{n}] removed: no source {n} was given" for n in s.cited if n not in by_n)
    valid = [n for n in dict.fromkeys(s.cited) if n in by_n and scores[n] >= min_support]
    if valid:
        return valid
    best = max(scores, key=scores.get)
    if scores[best] < min_support:
        dropped.append(f"sentence dropped, no source supports it: {s.text!r}")
        return []
    if s.cited:
        dropped.append(f"{list(s.cited)} re-cited to [{best}] for: {s.text!r}")
    return [best]


class Asked:
    """What the question pins down and asks for, checked against each quote an answer sentence
    cites. A question that asks two things ("..., and what has he criticized Russia for?") is
    read part by part: a sentence answers one part and need hold only that part's constraints."""

    def __init__(self, question: str):
        self.parts = asked_parts(question)

    def problem(self, sentence: str, e: Evidence, start: int, end: int) -> str | None:
        """Why the quote at start:end cannot back this sentence of an answer, or None."""
        # Numbers must hold right around the quote; names anywhere in the passage shown or just before it.
        window, around = quote_window(e, start, end), f"{e.context} {e.text}"
        quote = e.text[start - e.start : end - e.start]
        lost = [missing_constraints(p.constraints, window, around, quote) for p in self.parts]
        return None if not all(lost) else f"its source does not hold the question's {', '.join(lost[0])}"

    def answered_by(self, sentence: str, e: Evidence, start: int, end: int) -> bool:
        """The sentence holds something of the asked-for form (of some part) that its quote holds too."""
        window = quote_window(e, start, end)
        return any(p.form == AnswerForm.ANY or form_tokens(sentence, p.form, p.text) & form_tokens(window, p.form, p.text)
                   for p in self.parts)  # fmt: skip


def quote_window(e: Evidence, start: int, end: int) -> str:
    """The quote and the sentence on each side of it, within its evidence unit."""
    sents = evidence_sentences(e)
    inside = [i for i, (s0, s1, _) in enumerate(sents) if s0 < end and s1 > start] or [0]
    lo, hi = max(inside[0] - 1, 0), min(inside[-1] + 1, len(sents) - 1)
    return e.text[sents[lo][0] - e.start : sents[hi][1] - e.start]


_OPENS_QUOTE = re.compile(r"^\s*[“\"]")


def complete_quotations(checked: CheckedAnswer, evidence: list[Evidence]) -> CheckedAnswer:
    """A cited quotation that goes on in the next line of its passage ("...,” he clarified. /
    “In discussions of partitioning, ...”) is completed verbatim, so nobody is quoted by halves."""
    citations = list(checked.citations)
    keyed = {(c.doc_id, c.start, c.end) for c in citations}
    added = []
    answer_terms = content_stems(checked.text)
    for c in checked.citations:
        if not re.search(r"[“\"]", c.quote):
            continue
        e = next((e for e in evidence if e.doc_id == c.doc_id and e.start <= c.start and c.end <= e.end), None)
        following = [t for t in (texts_at(e.text, e.start, e.sentences) if e else ()) if t[0] >= c.end]
        if not following:
            continue
        s0, s1, text = following[0]
        if not _OPENS_QUOTE.match(text) or (c.doc_id, s0, s1) in keyed:
            continue
        if overlap(content_stems(text), answer_terms) >= 0.5:  # the answer already says it
            continue
        keyed.add((c.doc_id, s0, s1))
        citations.append(Citation(len(citations) + 1, c.doc_id, c.title, c.source, text, s0, s1, 1.0))
        added.append(f"The quotation continues: {' '.join(text.split())} [{len(citations)}]")
    if not added:
        return checked
    return replace(checked, text=" ".join([checked.text, *added]), citations=tuple(citations))


def _with_markers(text: str, markers: list[int]) -> str:
    tag = "".join(f"[{n}]" for n in markers)
    m = re.search(r"[.!?]+[”\"']?$", text)
    return f"{text[: m.start()]} {tag}{text[m.start():]}" if m else f"{text} {tag}"
