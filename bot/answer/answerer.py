"""The answer path after retrieval: scope check -> generate -> verify citations -> Answer.

Yields the same events FactBot.stream() gives its callers: EvidenceReady before the model starts,
the reply's Tokens, then Done with the checked Answer (or an abstention)."""

from __future__ import annotations

import time
from contextlib import closing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from factbot.answer import citations, conflicts, requote
from factbot.answer.find import Found
from factbot.answer.generate import answer_prompt
from factbot.answer.scope import out_of_scope
from factbot.core.config import Config
from factbot.core.types import AbstainReason, Answer, Citation, Done, Event, Evidence, EvidenceReady, Passage, Timings, Token
from factbot.model.generate import stream_reply
from factbot.model.llm import ModelHandle
from factbot.text.markers import MARKER_RUN, cited_numbers, strip_markers
from factbot.text.sentences import sentences_in

ABSTAIN_DECLINED = "The articles do not say. The closest passages are listed for you to judge."
ABSTAIN_UNSUPPORTED = (
    "The articles do not clearly answer this: the draft answer was not backed by the passages. "
    "The closest passages are listed for you to judge."
)
ABSTAIN_NO_ANSWER = (
    "The articles do not say: the passages found mention what the question names, but none states "
    "what it asks for. The closest passages are listed for you to judge."
)


MAX_QUOTE_SEARCHES = 2  # quotes of an answer searched for other tellings (about 40 ms each)


@dataclass(frozen=True)
class Clock:
    """When the question arrived and when retrieval was done (time.perf_counter)."""

    start: float
    retrieved: float

    def timings(self, generated: float | None = None, first_token: float | None = None) -> Timings:
        return Timings(
            retrieve_s=self.retrieved - self.start,
            generate_s=(generated - self.retrieved) if generated else 0.0,
            first_token_s=(first_token - self.start) if first_token else None,
            total_s=time.perf_counter() - self.start,
        )


def abstention(question: str, evidence: list[Evidence], message: str, reason: AbstainReason, timings: Timings,
               raw: str = "", dropped: tuple[str, ...] = ()) -> Answer:  # fmt: skip
    return Answer(question=question, text=message, citations=(), abstained=True, raw_text=raw,
                  evidence=tuple(evidence), dropped=dropped, timings=timings, reason=reason)  # fmt: skip


def stream_answer(
    question: str,
    found: Found,
    clock: Clock,
    model: Callable[[], ModelHandle],
    similarity: Callable,
    chunk_share: Callable[[str], float],
    config: Config,
    related: Callable[[str], Sequence[Passage]] = lambda text: (),
    as_of=None,  # a datetime.date the model is told is today (FactBot.stream's as_of)
) -> Iterator[Event]:
    """Abstain before the model when the evidence cannot answer; else stream the reply and check it."""
    evidence = found.evidence
    rules = frozenset(r for r in ("unknown_entity", "parsed_names", "not_together") if not config.ablated(r))
    scope = out_of_scope(question, evidence, found.relevance, config.min_relevance, chunk_share, rules)
    yield EvidenceReady(tuple(evidence), will_abstain=scope is not None)
    if scope:
        yield Done(abstention(question, evidence, scope.message, scope.reason, clock.timings()))
        return
    raw, first = "", None
    with closing(stream_reply(model(), answer_prompt(question, evidence, as_of))) as reply:  # closing frees the model
        for delta in reply:
            first = first or time.perf_counter()
            cut = citations.cut_after(raw + delta)
            if cut is not None:  # MAX_REPLY_SENTENCES said: the rest would be copied sources
                raw = cut
                break
            raw += delta
            yield Token(delta)
    generated = time.perf_counter()
    checked = citations.complete_quotations(
        citations.check_reply(raw, evidence, similarity, config.min_support, question), evidence
    )
    timings = clock.timings(generated, first)
    failed = _failure(checked)
    if failed and failed[1] != AbstainReason.MODEL_DECLINED:
        disputed = _disputed_draft(question, raw, found, related)
        if disputed:  # the draft failed its check because the sources disagree: say so, both sides quoted
            text, cits, sides = disputed
            yield Done(Answer(question=question, text=text, citations=cits, abstained=False, raw_text=raw,
                              evidence=tuple(evidence), dropped=checked.dropped, timings=timings,
                              conflicts=sides))  # fmt: skip
            return
        quoted = _quoted_draft(question, raw, checked, found)
        if quoted:
            checked, failed = quoted, None
        elif failed[1] == AbstainReason.UNSUPPORTED and config.rescue_entailed > 0:
            entailed = _entailed_draft(question, raw, checked, evidence, config.rescue_entailed)
            if entailed:
                checked, failed = entailed, None
    if not failed and config.min_entailed > 0 and not config.ablated("verifier_support"):
        checked, failed = _backed(question, checked, evidence, config)
    if failed:
        yield Done(abstention(question, evidence, *failed, timings, raw, checked.dropped))
        return
    text, cits, sides = _with_conflicts(question, checked, found, related)
    yield Done(Answer(question=question, text=text, citations=cits, abstained=False, raw_text=raw,
                      evidence=tuple(evidence), dropped=checked.dropped, timings=timings, conflicts=sides))  # fmt: skip


def _backed(question: str, checked: citations.CheckedAnswer, evidence: list[Evidence], config: Config):
    """The verifier reads the answer statement (question + answer) against the passages it cites;
    (checked, None) when one entails it, else the abstention that says so."""
    from factbot.verify.support import answer_backing, cited_passages
    from factbot.verify.verifier import load_verifier

    first = next(iter(sentences_in(strip_markers(checked.text))), (0, 0, checked.text))[2]  # the answer itself
    b = answer_backing(question, first, cited_passages(checked.citations, evidence), load_verifier(), config.min_entailed)
    if b.backed:
        return checked, None
    note = f"the verifier found no cited passage that states the answer (entailed {b.entailed:.2f}, contradicted {b.contradicted:.2f})"
    return replace(checked, dropped=(*checked.dropped, note)), (ABSTAIN_UNSUPPORTED, AbstainReason.UNSUPPORTED)


def _entailed_draft(question: str, raw: str, checked: citations.CheckedAnswer, evidence: list[Evidence],
                   threshold: float) -> citations.CheckedAnswer | None:  # fmt: skip
    """A draft the citation check found unbacked, kept when the verifier reads its answer (the
    first sentence) as entailed by a passage shown: cited from that passage's most entailing
    sentence. None when no passage entails it."""
    from factbot.verify.support import entailing_quote
    from factbot.verify.verifier import load_verifier

    first = next(iter(sentences_in(strip_markers(raw))), None)
    if first is None or not first[2].strip():
        return None
    found = entailing_quote(question, first[2], evidence, load_verifier(), threshold)
    if found is None:
        return None
    e, start, end = found.evidence, found.start, found.end
    quote = e.text[start - e.start : end - e.start]
    cite = Citation(1, e.doc_id, e.title, e.source, quote, start, end, round(found.backing.entailed, 3))
    note = f"kept by the verifier: passage [{e.n}] entails the answer ({found.backing.entailed:.2f})"
    text = first[2].strip()
    return citations.CheckedAnswer(f"{text} [1]", (cite,), False, (*checked.dropped, note))


def _quoted_draft(question: str, raw: str, checked: citations.CheckedAnswer, found: Found):
    """A failed draft's value quoted verbatim from a retrieved line that meets the question's
    constraints, as a checked answer; None when no line does."""
    quoted = requote.quoted_value(question, strip_markers(raw), found.candidates)
    if not quoted:
        return None
    note = f"the draft failed its check; its answer is quoted from {quoted.title or quoted.source} instead"
    return citations.CheckedAnswer(f"{quoted.quote.strip()} [1]", (quoted,), False, (*checked.dropped, note))


def _pool(found: Found, quotes: Sequence[str], related) -> list[Passage]:
    """The passages retrieved for the question, and for the quotes an answer rests on (where
    other articles tell the same story)."""
    passages = {p.chunk.id: p for p in found.candidates}
    for quote in quotes[:MAX_QUOTE_SEARCHES]:
        passages.update((p.chunk.id, p) for p in related(quote) if p.chunk.id not in passages)
    return list(passages.values())


def _with_conflicts(question: str, checked: citations.CheckedAnswer, found: Found, related):
    """The answer's text and citations, led by "The sources disagree: ..." when the passages
    retrieved for the question (not only those shown) give more than one answer; when they agree,
    the answer's value is also cited from the other articles that give it."""
    draft = strip_markers(checked.text)
    pool = _pool(found, [c.quote for c in checked.citations], related)
    reading = conflicts.read_answers(question, draft, checked.citations, pool)
    sides = conflicts.sides_of(reading)
    if not sides:  # the quotes may not be where other articles diverge: other lines giving the answer may be
        sides = _sides_of_draft(question, draft, found, related)
    if not sides:
        return _corroborated(checked, reading)
    sides, cits = conflicts.numbered(sides, checked.citations)
    return f"{conflicts.disagreement(sides)} {checked.text}", cits, sides


def _corroborated(checked: citations.CheckedAnswer, reading: conflicts.Reading | None):
    """The checked answer with its value also cited from other articles: their markers follow the
    marker of the first quote that gives it ("... October 27, 2017 [1][2]")."""
    extra = conflicts.corroborations(reading, checked.citations)
    if not extra:
        return checked.text, checked.citations, ()
    anchor = reading.anchors[0][0].n
    cits = checked.citations + tuple(replace(c, n=len(checked.citations) + i) for i, c in enumerate(extra, 1))
    added = "".join(f"[{c.n}]" for c in cits[len(checked.citations) :])
    run = next(m for m in MARKER_RUN.finditer(checked.text) if anchor in cited_numbers(m.group()))
    return f"{checked.text[: run.end()]}{added}{checked.text[run.end() :]}", cits, ()


def _disputed_draft(question: str, raw: str, found: Found, related):
    """A draft that failed its check ("awarded to Tomas Brekke and Mara Lindqvist [3], [4]") may
    have failed because its sources disagree. A retrieved sentence that gives what the draft
    says, and meets every constraint of the question, anchors the search for rivals; the answer
    is then the disagreement alone, every side quoted. None when no such sentence has a rival."""
    sides = _sides_of_draft(question, strip_markers(raw), found, related)
    if not sides:
        return None
    sides, cits = conflicts.numbered(sides, ())
    return conflicts.disagreement(sides), cits, sides


def _sides_of_draft(question: str, draft: str, found: Found, related) -> tuple:
    """The sides found from retrieved lines that give what the draft gives; () when none has a rival."""
    for anchor in conflicts.draft_anchors(question, draft, found.candidates):
        sides = conflicts.find_sides(question, draft, [anchor], _pool(found, [anchor.quote], related))
        if sides:
            return sides
    return ()


def _failure(checked: citations.CheckedAnswer) -> tuple[str, AbstainReason] | None:
    """Why the checked reply is no answer: declined, nothing backed, or nothing of the asked form."""
    if checked.declined:
        return ABSTAIN_DECLINED, AbstainReason.MODEL_DECLINED
    if not checked.citations:
        return ABSTAIN_UNSUPPORTED, AbstainReason.UNSUPPORTED
    if not checked.answers:
        return ABSTAIN_NO_ANSWER, AbstainReason.NO_ANSWER
    return None
