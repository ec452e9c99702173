"""The lexical side of the index: BM25 over the stored chunks (the scores bm25s computes, bit for
bit) and the document frequencies of word stems (chunk_share), kept on disk beside the store and
brought up to date per document, so nothing is rebuilt from every chunk at start.

Design:
- A snapshot (numpy arrays, memory-mapped, and a few JSON lists; lexical_files.py) holds every
  chunk indexed at the last merge: BM25 postings token -> (row, term count), each row's token count
  and text hash, each row's stem keys, and how many rows hold each stem key.
- Changes since (a document added, replaced or removed) are applied in memory (new rows appended
  with postings of their own, the rows of a removed document marked dead) and appended to a log
  beside the snapshot, which a restart replays. When the changes outgrow a twentieth of the
  snapshot the two are merged into a new snapshot. A bulk sync (a big ingest) is not logged: it
  merges when its changes outgrow the snapshot, and at its end (after a crash, the next sync
  redoes what was lost: the store is the truth).
- BM25 weights are computed per question from the live counts (chunks, lengths, document frequency
  of each question word), so after any sequence of updates every score equals a fresh build's over
  the same chunks. A question costs O(postings of its words); a stem share costs one look-up.
- The store is the truth: sync() compares the store's document records with the index's and reads
  back only the documents that differ. Processes sharing the folder take a file lock to write and
  first catch up with what others wrote; readers catch up (a stat, then new log lines) on refresh().
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path

import numpy as np

from factbot.core.config import LEXICAL, Config
from factbot.core.types import Chunk
from factbot.index.lexical_files import Files, Snapshot
from factbot.index.lexical_rows import STOPWORDS, DocEntry, Row, analyze, bm25_tokens, log_entry, log_op, text_digest
from factbot.text.matching import stem_key

K1, B = 1.5, 0.75  # bm25s's defaults (method "lucene"), as llama-index's BM25Retriever used them
MERGE_SHARE, MERGE_MIN = 20, 2000  # merge when rows changed since the snapshot > max(MERGE_MIN, snapshot / MERGE_SHARE)
FETCH_BATCH = 256  # documents read back from the store per request during sync
__all__ = ["STOPWORDS", "DocEntry", "LexicalIndex", "Row", "analyze", "bm25_tokens", "lexical_dir", "text_digest"]


class _Grow:
    """A numpy array that appends in amortized O(1)."""

    def __init__(self, dtype, data: np.ndarray | None = None):
        data = np.zeros(0, dtype) if data is None else np.asarray(data, dtype)
        self.a, self.n = np.zeros(max(1024, 2 * len(data)), dtype), len(data)
        self.a[: self.n] = data

    def append(self, value) -> int:
        if self.n == len(self.a):
            self.a = np.concatenate([self.a, np.zeros_like(self.a)])
        self.a[self.n] = value
        self.n += 1
        return self.n - 1

    def view(self) -> np.ndarray:
        return self.a[: self.n]


class LexicalIndex:
    """BM25 and stem statistics over the chunks of the documents synced from the store.
    path None: in memory only (rebuilt by sync at every start). collection_id names the store's
    chunk collection: a folder written for another one (a rebuilt index) starts over. Thread-safe."""

    def __init__(self, path: Path | None, collection_id: str):
        self.files = Files(path, collection_id) if path else None
        self._lock = threading.RLock()
        self._offset, self._seen = 0, None
        self._install(Snapshot())
        if self.files:
            with self._lock, self.files.locked():
                self.files.claim()
                self._catch_up()

    # State -----------------------------------------------------------------------------------
    def _install(self, snap: Snapshot) -> None:
        """Start from a snapshot, with nothing changed since."""
        self._snap = snap
        self._ids = list(snap.ids)
        self._row_of = {cid: r for r, cid in enumerate(self._ids)}
        self._len = _Grow(np.int32, snap.lengths)
        self._digest = _Grow(np.int64, snap.digests)
        self._alive = _Grow(np.bool_, np.ones(len(snap.ids), np.bool_))
        self._n, self._total = len(snap.ids), int(np.sum(snap.lengths, dtype=np.int64))
        self._tokens = list(snap.tokens)
        self._vocab = {t: i for i, t in enumerate(self._tokens)}
        self._delta: dict[int, tuple[array, array]] = {}  # token id -> rows, term counts (rows added since)
        self._key_list = list(snap.keys)
        self._keys = {k: i for i, k in enumerate(self._key_list)}
        self._key_df = _Grow(np.int32, snap.key_df)
        self._delta_keys: dict[int, np.ndarray] = {}  # row -> key ids (rows added since)
        self._docs = {d: DocEntry(*meta[:5], rows=list(meta[5])) for d, meta in snap.docs.items()}
        self._changed_rows = 0

    def _put(self, doc_id: str, entry: DocEntry, rows: list[Row]) -> None:
        self._delete(doc_id)
        for r in rows:
            row = len(self._ids)
            self._ids.append(r.chunk_id)
            self._row_of[r.chunk_id] = row
            self._len.append(r.length)
            self._digest.append(r.digest)
            self._alive.append(True)
            for token, tf in r.counts.items():
                tid = self._vocab.get(token)
                if tid is None:
                    tid = self._vocab[token] = len(self._tokens)
                    self._tokens.append(token)
                rows_, tfs = self._delta.setdefault(tid, (array("i"), array("H")))
                rows_.append(row)
                tfs.append(tf)
            kids = np.array([self._key_id(k) for k in r.keys], np.int64)
            self._key_df.a[kids] += 1
            self._delta_keys[row] = kids
            entry.rows.append(row)
            self._n += 1
            self._total += r.length
        self._docs[doc_id] = entry
        self._changed_rows += len(rows)

    def _key_id(self, key: str) -> int:
        kid = self._keys.get(key)
        if kid is None:
            kid = self._keys[key] = len(self._key_list)
            self._key_list.append(key)
            self._key_df.append(0)
        return kid

    def _delete(self, doc_id: str) -> None:
        entry = self._docs.pop(doc_id, None)
        self._changed_rows += len(entry.rows) if entry else 0
        for row in entry.rows if entry else ():
            self._alive.a[row] = False
            if self._row_of.get(self._ids[row]) == row:
                del self._row_of[self._ids[row]]
            self._key_df.a[self._row_keys(row)] -= 1
            self._n -= 1
            self._total -= int(self._len.a[row])

    def _row_keys(self, row: int) -> np.ndarray:
        if row < len(self._snap.ids):
            return np.asarray(self._snap.key_ids[self._snap.key_ptr[row] : self._snap.key_ptr[row + 1]])
        return self._delta_keys[row]

    # Reading ---------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        """Chunks indexed (of documents with a record in the store)."""
        return self._n

    def document(self, doc_id: str) -> DocEntry | None:
        return self._docs.get(doc_id)

    def has(self, chunk: Chunk) -> bool:
        """The chunk, in this version of its text, is indexed."""
        row = self._row_of.get(chunk.id)
        return row is not None and int(self._digest.a[row]) == text_digest(chunk.text)

    def share(self, stem: str) -> float:
        """Share of the indexed chunks holding the stem (or a word with its first four letters)."""
        with self._lock:
            kid = self._keys.get(stem_key(stem))
            return 0.0 if self._n == 0 or kid is None else int(self._key_df.a[kid]) / self._n

    def search(self, question: str, k: int, within: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The k best chunks by BM25, as (chunk id, score), best first; zero scores included, as
        bm25s returns them. within: doc ids; the others score 0 and are left out (bm25s's weight mask)."""
        with self._lock:
            if self._n == 0:
                return []
            scores = self._scores([self._vocab[t] for t in bm25_tokens(question) if t in self._vocab])
            allowed = None
            if within is not None:
                allowed = np.zeros(len(scores), np.float32)
                for d in within:
                    allowed[self._docs[d].rows if d in self._docs else []] = 1
                scores *= allowed
            live = np.flatnonzero(self._alive.view()) if self._n < len(self._ids) else None
            if live is not None:  # the rows of a fresh build over the same chunks, in the same order
                scores, allowed = scores[live], None if allowed is None else allowed[live]
            k = min(k, len(scores) if allowed is None else int(allowed.sum()))
            if k == 0:
                return []
            top, idx = _topk(scores, k)
            rows = idx if live is None else live[idx]
            hits = [(self._ids[r], float(s)) for r, s in zip(rows, top)]
            return hits if allowed is None else [h for h, i in zip(hits, idx) if allowed[i]]

    def _scores(self, token_ids: list[int]) -> np.ndarray:
        """bm25s's scores for these query tokens (repeats count again), one per row (dead rows too)."""
        scores = np.zeros(len(self._ids), np.float32)
        alive, lengths, n = self._alive.view(), self._len.view(), self._n
        avg = self._total / n  # == numpy's mean of the live lengths (exact integer sum, one division)
        for tid in token_ids:
            rows, tf = self._postings(tid)
            live = alive[rows]
            rows, tf = rows[live], tf[live]
            df = len(rows)
            if df == 0:  # in no live chunk: a fresh build would not know the token
                continue
            idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
            tfc = tf / (K1 * ((1 - B) + B * lengths[rows] / avg) + tf)
            scores[rows] += (idf * tfc).astype(np.float32)
        return scores

    def _postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        snap, parts_r, parts_t = self._snap, [], []
        if tid < len(snap.tokens):
            lo, hi = snap.post_ptr[tid], snap.post_ptr[tid + 1]
            parts_r.append(np.asarray(snap.post_rows[lo:hi], np.int64))
            parts_t.append(np.asarray(snap.post_tf[lo:hi], np.float32))
        if tid in self._delta:
            r, t = self._delta[tid]
            parts_r.append(np.frombuffer(r, np.int32).astype(np.int64))
            parts_t.append(np.frombuffer(t, np.uint16).astype(np.float32))
        if not parts_r:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(parts_r), np.concatenate(parts_t)

    # Writing ---------------------------------------------------------------------------------
    def put(self, doc_id: str, entry: DocEntry, rows: list[Row]) -> None:
        self._write([("put", doc_id, entry, rows)])

    def delete(self, doc_id: str) -> None:
        self._write([("del", doc_id)])

    def _write(self, ops: list[tuple], bulk: bool = False) -> None:
        share = 1 if bulk else MERGE_SHARE
        with self._lock:
            if not self.files:
                self._apply(ops)
                if self._changed_rows > max(MERGE_MIN, len(self._snap.ids) // share):
                    self._merge()
                return
            with self.files.locked():
                self._catch_up()
                self._apply(ops)
                if not bulk:  # a bulk sync is saved as a snapshot when it ends (a crash: the next sync redoes it)
                    self.files.append([log_entry(op) for op in ops])
                    self._offset = self.files.position()[1]
                if self._changed_rows > max(MERGE_MIN, len(self._snap.ids) // share):
                    self._merge()
                self._seen = self.files.position()

    def _apply(self, ops: Iterable[tuple]) -> None:
        for op in ops:
            if op[0] == "put":
                _, doc_id, e, rows = op
                self._put(doc_id, DocEntry(e.title, e.source, e.sha256, e.chunks, e.ingested_at), rows)
            else:
                self._delete(op[1])

    def refresh(self) -> None:
        """Catch up with what other processes wrote to the folder (a stat when nothing changed)."""
        if self.files and self.files.position() != self._seen:
            with self._lock, self.files.locked():
                self._catch_up()

    def _catch_up(self) -> None:
        """Under the file lock: load a newer snapshot, then apply the log lines not applied yet."""
        gen = self.files.generation()
        if gen != self._snap.generation or self.files.loaded != gen:
            self._install(self.files.load(gen))
            self._offset = 0
        entries, self._offset = self.files.read_log(gen, self._offset)
        self._apply(log_op(e) for e in entries)
        self._seen = self.files.position()

    def _merge(self) -> None:
        """Make the live rows the snapshot, with nothing changed since; on disk, a new generation
        and an empty log, loaded back memory-mapped."""
        snap = self._merged()
        if not self.files:
            self._install(snap)
            return
        gen = self.files.save(snap)
        self._install(self.files.load(gen))
        self._offset = 0

    def save(self) -> None:
        """Merge the changes since the snapshot into a new one now."""
        with self._lock:
            if not self.files:
                if self._changed_rows:
                    self._merge()
                return
            with self.files.locked():
                self._catch_up()
                if self._changed_rows:
                    self._merge()
                self._seen = self.files.position()

    def _merged(self) -> Snapshot:
        """The live rows in order, as a fresh build over them would index them."""
        snap, live = self._snap, np.flatnonzero(self._alive.view())
        new_row = np.full(len(self._ids), -1, np.int64)
        new_row[live] = np.arange(len(live))
        # Postings: the snapshot's (by token, rows ascending), then each token's added rows (all
        # later rows); a stable sort by token keeps rows ascending within each token.
        tok = [np.repeat(np.arange(len(snap.tokens), dtype=np.int64), np.diff(snap.post_ptr))]
        row = [np.asarray(snap.post_rows, np.int64)]
        tf = [np.asarray(snap.post_tf, np.uint16)]
        for tid, (r, t) in self._delta.items():
            tok.append(np.full(len(r), tid, np.int64))
            row.append(np.frombuffer(r, np.int32).astype(np.int64))
            tf.append(np.frombuffer(t, np.uint16))
        tok, row, tf = np.concatenate(tok), np.concatenate(row), np.concatenate(tf)
        keep = self._alive.view()[row]
        tok, row, tf = tok[keep], new_row[row[keep]], tf[keep]
        order = np.argsort(tok, kind="stable")
        ptr = np.zeros(len(self._tokens) + 1, np.int64)
        np.cumsum(np.bincount(tok, minlength=len(self._tokens)), out=ptr[1:])
        # Stem keys by row: the snapshot's rows gathered at once, then the added rows.
        nb = len(snap.ids)
        base = live[live < nb]
        starts, ends = np.asarray(snap.key_ptr[base]), np.asarray(snap.key_ptr[base + 1])
        counts = ends - starts
        gather = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
        parts = [np.asarray(snap.key_ids)[gather].astype(np.int64)] + [self._delta_keys[r] for r in live[live >= nb]]
        sizes = np.concatenate([counts, [len(self._delta_keys[r]) for r in live[live >= nb]]]).astype(np.int64)
        key_ptr = np.zeros(len(live) + 1, np.int64)
        np.cumsum(sizes, out=key_ptr[1:])
        docs = {
            d: [e.title, e.source, e.sha256, e.chunks, e.ingested_at, [int(new_row[r]) for r in e.rows]]
            for d, e in self._docs.items()
        }
        return Snapshot(
            generation=snap.generation, ids=[self._ids[r] for r in live], tokens=list(self._tokens),
            keys=list(self._key_list), docs=docs, lengths=self._len.view()[live].copy(),
            digests=self._digest.view()[live].copy(), post_ptr=ptr, post_rows=row[order].astype(np.int32),
            post_tf=tf[order], key_df=self._key_df.view().copy(), key_ptr=key_ptr,
            key_ids=np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32),
        )  # fmt: skip

    # Sync with the store -----------------------------------------------------------------------
    def sync(self, records: Mapping, fetch: Callable[[list[str]], dict[str, list[Chunk]]], progress: bool = False) -> int:
        """Bring the index to the store's documents (doc id -> DocRecord): drop documents gone or
        changed, read back and index those new or changed. Returns how many documents changed."""
        self.refresh()
        with self._lock:
            gone = [d for d, e in self._docs.items() if d not in records or not e.same_version(records[d])]
            todo = [d for d, r in records.items() if d not in self._docs or not self._docs[d].same_version(r)]
        if gone:
            self._write([("del", d) for d in gone])
        bulk = len(todo) > FETCH_BATCH
        bar = _bar(len(todo), progress and bulk)
        for start in range(0, len(todo), FETCH_BATCH):
            batch = todo[start : start + FETCH_BATCH]
            chunks = fetch(batch)
            ops = []
            for d in batch:
                got, rec = chunks.get(d, []), records[d]
                if len(got) != rec.chunks:  # being rewritten right now: the next sync takes it
                    continue
                entry = DocEntry(rec.title, rec.source, rec.sha256, rec.chunks, rec.ingested_at)
                ops.append(("put", d, entry, [analyze(c.id, c.text) for c in got]))
            self._write(ops, bulk)
            bar.update(len(batch))
        bar.close()
        if bulk:
            self.save()
        return len(set(gone) | set(todo))


def _bar(total: int, show: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Lexical index", unit="doc", disable=not show, leave=False)


def _topk(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """bm25s.selection.topk with the numpy backend (its order, ties included)."""
    part = np.argpartition(scores, -k).take(indices=range(-k, 0))
    part_scores = np.take(scores, part)
    order = np.flip(np.argsort(part_scores))
    return part_scores[order], part[order]


def lexical_dir(config: Config) -> Path:
    """Where this worker keeps the lexical index: beside Chroma in the data dir, or, with a Chroma
    server, in a local folder per server and collection (FACTBOT_LEXICAL_DIR, else the user cache)."""
    if config.lexical_dir:
        return Path(config.lexical_dir) / config.collection
    if config.chroma_host:
        import platformdirs

        cache = Path(platformdirs.user_cache_dir("factbot")) / "lexical"
        return cache / f"{config.chroma_host}-{config.chroma_port}-{config.collection}"
    return config.data_dir / LEXICAL / config.collection


