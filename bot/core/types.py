"""Typed objects passed between pipeline stages."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path


class Label(StrEnum):
    SUPPORTED = "SUPPORTED"
    REFUTED = "REFUTED"
    NOT_ENOUGH_INFO = "NOT_ENOUGH_INFO"
    CONFLICTING = "CONFLICTING"


class Stance(StrEnum):
    """What a quoted sentence does to the claim it is shown for."""

    SUPPORTS = "supports"
    REFUTES = "refutes"
    RELATED = "related"  # on the claim's topic, deciding nothing


class AbstainReason(StrEnum):
    """Why an Answer says the articles do not answer."""

    NO_RELEVANT_PASSAGES = "no_relevant_passages"  # best evidence under min_relevance (no model call)
    UNKNOWN_ENTITY = "unknown_entity"  # the question names someone no relevant passage mentions
    NOT_TOGETHER = "not_together"  # its rare names and numbers never meet in one passage
    MODEL_DECLINED = "model_declined"  # the model replied that the sources do not say
    UNSUPPORTED = "unsupported"  # no sentence of the reply survived the citation check
    NO_ANSWER = "no_answer"  # the checked reply holds nothing of the form asked for (no name for who)
    CLAIM_NOT_ENOUGH_INFO = "claim_not_enough_info"  # a claim question the articles do not decide


def as_date(value) -> dt.date | None:
    """A date from a date, a datetime or an ISO string ("2024-05-02", as JSON carries it back)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _dated(obj) -> None:
    """__post_init__ of the dated types: published as a date, authors as a tuple, whatever the caller passed."""
    object.__setattr__(obj, "published", as_date(obj.published))
    object.__setattr__(obj, "authors", tuple(obj.authors or ()))


@dataclass(frozen=True)
class Document:
    id: str  # stable: derived from the resolved source path
    title: str
    source: str  # file the article came from
    text: str  # cleaned article text; chunk and citation spans index into it
    sha256: str  # of the raw file bytes: unchanged files are skipped on re-ingest
    pages: tuple[int, ...] = ()  # PDFs: where each page starts in text (page 1 at pages[0]); () otherwise
    # Who published it and when, as the file says (HTML metadata, front matter, PDF or Word
    # properties, a text header block, a JSON Lines record); empty when it does not say.
    outlet: str = ""  # "Reuters", or the site's host name
    authors: tuple[str, ...] = ()
    published: dt.date | None = None
    url: str = ""

    def __post_init__(self):
        _dated(self)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page of the PDF that holds text[offset], or None for a document without pages."""
        if not self.pages:
            return None
        return max(1, bisect.bisect_right(self.pages, offset))


@dataclass(frozen=True)
class Chunk:
    id: str  # f"{doc_id}:{n}"
    doc_id: str
    text: str  # == Document.text[start:end]
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A chunk retrieved for one question, with the scores that put it there."""

    chunk: Chunk
    title: str
    source: str
    score: float  # fused rank score (reciprocal rank fusion)
    dense: float = 0.0  # cosine similarity of question and chunk
    lexical: float = 0.0  # BM25 score


@dataclass(frozen=True)
class Evidence:
    """One numbered piece of text shown to the model: a few consecutive sentences of a chunk."""

    n: int
    doc_id: str
    title: str
    source: str
    text: str  # == Document.text[start:end]
    start: int
    end: int
    relevance: float  # similarity to the question
    sentences: tuple[tuple[int, int], ...] = ()  # document spans of the sentences inside
    context: str = ""  # the text just before it in its chunk: who "he" is, not shown to the model


@dataclass(frozen=True)
class Citation:
    n: int  # the [n] shown to the reader
    doc_id: str
    title: str
    source: str
    quote: str  # exact text: Document.text[start:end] == quote
    start: int
    end: int
    score: float  # how strongly the quote supports what cites it
    stance: Stance = Stance.SUPPORTS  # for claim checks: what the quote does to the claim
    page: int | None = None  # PDFs: the page the quote starts on (1-based); None for other documents
    outlet: str = ""  # the quoted article's Document.outlet, authors, published and url
    authors: tuple[str, ...] = ()
    published: dt.date | None = None
    url: str = ""

    def __post_init__(self):
        _dated(self)


@dataclass(frozen=True)
class Side:
    """One answer the sources give to a question they answer differently."""

    value: str  # the answer as its first quote writes it ("Tomas Brekke")
    citations: tuple[Citation, ...]  # quotes that give it, one per article (the [n] in Answer.text)
    drafted: bool = False  # the side the drafted answer took
    sources: int = 1  # articles that give it; the citations show at most a few
    latest: dt.date | None = None  # the newest publication date among its quoted articles
    newest: bool = False  # the side the most recent report gives (sides dated differently)

    def __post_init__(self):
        object.__setattr__(self, "latest", as_date(self.latest))


@dataclass(frozen=True)
class Timings:
    retrieve_s: float = 0.0
    generate_s: float = 0.0
    first_token_s: float | None = None  # from the call to the first model token
    total_s: float = 0.0


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # checked answer text, with [n] markers matching `citations`
    citations: tuple[Citation, ...]
    abstained: bool  # True: the articles do not answer the question
    raw_text: str = ""  # as the model wrote it
    evidence: tuple[Evidence, ...] = ()  # what the model was shown
    dropped: tuple[str, ...] = ()  # what verification removed, and why
    timings: Timings = field(default_factory=Timings)
    reason: AbstainReason | None = None  # why it abstained; None when it answered
    verdict: Verdict | None = None  # set when the question was a claim to check ("Is it true that...?")
    within: tuple[str, ...] = ()  # doc ids the question was asked within; () = the whole library
    conflicts: tuple[Side, ...] = ()  # when sources disagree: every answer they give, each cited
    as_of: dt.date | None = None  # the reference date the question was read against (None: not given)
    since: dt.date | None = None  # only articles published in [since, until] were searched (None: no bound)
    until: dt.date | None = None

    def __post_init__(self):
        for name in ("as_of", "since", "until"):
            object.__setattr__(self, name, as_date(getattr(self, name)))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    claim: str
    label: Label
    explanation: str
    evidence: tuple[Citation, ...]  # each quote verified against its document
    confidence: float
    timings: Timings = field(default_factory=Timings)
    within: tuple[str, ...] = ()  # doc ids the claim was checked within; () = the whole library
    since: dt.date | None = None  # only articles published in [since, until] were searched (None: no bound)
    until: dt.date | None = None

    def __post_init__(self):
        for name in ("since", "until"):
            object.__setattr__(self, name, as_date(getattr(self, name)))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["label"] = str(self.label)
        return d


@dataclass
class IndexReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, reason)
    excluded: list[str] = field(default_factory=list)  # files removed from the library by the user: not synced
    chunks_written: int = 0
    chunk_count: int = 0  # chunks in the index after the run
    seconds: float = 0.0


# Streaming events, in the order a caller receives them --------------------------------------
@dataclass(frozen=True)
class EvidenceReady:
    """Retrieval is done: what the model will be shown (or why it will not be called)."""

    evidence: tuple[Evidence, ...]
    will_abstain: bool


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = EvidenceReady | Token | Done
