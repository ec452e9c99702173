"""What one chunk contributes to the lexical index (index/lexical.py): its BM25 tokens, exactly as
bm25s tokenizes (and as llama-index's BM25Retriever called it), its stem keys for chunk_share, a
hash of its text; and the log lines that record a document's change."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from factbot.text.matching import content_stems, stem_keys

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)  # bm25s.stopwords.STOPWORDS_EN (tests/test_lexical.py checks they agree)

_local = threading.local()


def _stem(word: str) -> str:
    if not hasattr(_local, "stemmer"):  # PyStemmer objects are not thread-safe: one per thread
        import Stemmer

        _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer.stemWord(word)


def bm25_tokens(text: str) -> list[str]:
    """bm25s.tokenize(text, stopwords="english", stemmer=english) as strings: lowercased words of
    two or more characters, stopwords dropped, stemmed; repeats kept."""
    return [_stem(t) for t in TOKEN.findall(text.lower()) if t not in STOPWORDS]


def text_digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


@dataclass(frozen=True)
class Row:
    """One chunk as the lexical index holds it (no text)."""

    chunk_id: str
    digest: int  # of its text: a stored chunk with other text under this id is another version
    length: int  # BM25 tokens
    counts: dict[str, int]  # BM25 token -> term count
    keys: tuple[str, ...]  # stem keys (matching.stem_keys of its content stems)


def analyze(chunk_id: str, text: str) -> Row:
    tokens = bm25_tokens(text)
    return Row(chunk_id, text_digest(text), len(tokens), dict(Counter(tokens)), tuple(sorted(stem_keys(content_stems(text)))))


@dataclass
class DocEntry:
    """A document's record as last synced from the store, and its rows."""

    title: str
    source: str
    sha256: str
    chunks: int
    ingested_at: float
    rows: list[int] = field(default_factory=list)

    def same_version(self, rec) -> bool:
        return (self.sha256, self.chunks, self.ingested_at) == (rec.sha256, rec.chunks, rec.ingested_at)


def log_entry(op: tuple) -> dict:
    """A log line for a change."""
    if op[0] == "del":
        return {"del": op[1]}
    _, doc_id, e, rows = op
    return {"put": doc_id, "doc": [e.title, e.source, e.sha256, e.chunks, e.ingested_at],
            "rows": [[r.chunk_id, r.digest, r.length, r.counts, list(r.keys)] for r in rows]}  # fmt: skip


def log_op(entry: dict) -> tuple:
    if "del" in entry:
        return ("del", entry["del"])
    return ("put", entry["put"], DocEntry(*entry["doc"]), [Row(c, d, n, counts, tuple(k)) for c, d, n, counts, k in entry["rows"]])
