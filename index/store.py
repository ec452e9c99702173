"""The only module that talks to Chroma: chunk and document collections, local or on a server."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factbot.core.config import LEXICAL, Config, library_env
from factbot.core.errors import FactbotError, IndexCorrupt
from factbot.core.types import Chunk, Document, as_date
from factbot.index import datadir

REBUILD_HINT, MARKER = datadir.REBUILD_HINT, datadir.MARKER


@dataclass(frozen=True)
class DocRecord:
    """What the index knows of a document, without its text."""

    id: str
    title: str
    source: str
    sha256: str
    chunks: int
    ingested_at: float
    outlet: str = ""  # the byline fields of its Document
    authors: tuple[str, ...] = ()
    published: dt.date | None = None
    url: str = ""


def _byline(doc: Document) -> dict:
    """A document's outlet, authors, date and URL as Chroma metadata (scalars only; empty ones left out)."""
    meta = {"outlet": doc.outlet, "authors": json.dumps(list(doc.authors)) if doc.authors else "",
            "published": doc.published.isoformat() if doc.published else "", "url": doc.url}  # fmt: skip
    return {k: v for k, v in meta.items() if v}


def _byline_fields(m: dict) -> dict:
    """_byline's inverse: the keyword arguments of Document and DocRecord (an index from before
    these fields has none of them: empty)."""
    return {"outlet": m.get("outlet", ""), "authors": tuple(json.loads(m["authors"])) if m.get("authors") else (),
            "published": as_date(m.get("published")), "url": m.get("url", "")}  # fmt: skip


@dataclass(frozen=True)
class DenseHit:
    chunk: Chunk
    similarity: float


class Store:
    """folder: the index folder to open (default: the one the data dir's marker names; a rebuild
    passes the new one it fills). Each Store is a fresh Chroma client, so it sees what other
    processes wrote before it was made (Chroma keeps one client per path otherwise)."""

    def __init__(self, config: Config, folder: Path | None = None):
        library_env()  # before chromadb reads ANONYMIZED_TELEMETRY
        import chromadb
        from chromadb.api.client import SharedSystemClient
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        self._seen: dict[str, DocRecord] | None = None  # records as last read, with this Store's writes since
        self.location = (
            f"chroma server {config.chroma_host}:{config.chroma_port}" if config.chroma_host else str(config.data_dir)
        )
        self.folder: Path | None = None  # the local index folder (None with a Chroma server)
        try:
            if config.chroma_host:
                self.client = chromadb.HttpClient(host=config.chroma_host, port=config.chroma_port, settings=settings)
            else:
                self.folder = folder or datadir.claim(config.data_dir)
                chroma = self.folder / datadir.CHROMA
                datadir.check_segments(chroma, config.data_dir)
                SharedSystemClient._identifier_to_system.pop(str(chroma), None)  # a fresh view, not the cached one
                self.client = chromadb.PersistentClient(path=str(chroma), settings=settings)
            space = {"hnsw:space": "cosine"}
            self.chunks = self.client.get_or_create_collection(
                f"{config.collection}_chunks", metadata=space, embedding_function=None
            )
            self.docs = self.client.get_or_create_collection(
                f"{config.collection}_documents", metadata=space, embedding_function=None
            )
        except FactbotError:
            raise
        except Exception as e:
            if config.chroma_host:
                raise FactbotError(
                    f"Cannot reach the Chroma server at {config.chroma_host}:{config.chroma_port} ({e}). "
                    "Start it with: chroma run --path DIR --host HOST --port PORT, or unset FACTBOT_CHROMA_HOST."
                ) from e
            if datadir.is_permission(e) or "readonly" in str(e).lower() or "permission" in str(e).lower():
                raise datadir.permission_error(config.data_dir, "write to", e if isinstance(e, OSError) else None) from e
            raise IndexCorrupt(f"The index in {config.data_dir} cannot be opened ({e}). {REBUILD_HINT}") from e

    def lexical_path(self, config: Config) -> Path:
        """This index's BM25 folder: beside its Chroma data, unless FACTBOT_LEXICAL_DIR or a server says otherwise."""
        from factbot.index.lexical import lexical_dir

        if self.folder is None or config.lexical_dir:
            return lexical_dir(config)
        return self.folder / LEXICAL / config.collection

    # Documents -----------------------------------------------------------------------------
    def documents(self) -> dict[str, DocRecord]:
        """Every document's record, read from the store (what it holds now)."""
        self._seen = self._read_documents()
        return dict(self._seen)

    def known_documents(self) -> dict[str, DocRecord]:
        """The records as documents() last read them, with this Store's own writes since: no read
        (a second per 10,000 documents) after an ingest through it. Another process's writes since
        are not in it: a new Store (a restart) or documents() sees them."""
        if self._seen is None:
            return self.documents()
        return dict(self._seen)

    def record(self, doc_id: str) -> DocRecord | None:
        """One document's record as known_documents() knows it, without copying them all."""
        if self._seen is None:
            self.documents()
        return self._seen.get(doc_id)

    def _read_documents(self) -> dict[str, DocRecord]:
        got = self.docs.get(include=["metadatas"])
        return {i: self._record(i, m) for i, m in zip(got["ids"], got["metadatas"])}

    @staticmethod
    def _record(doc_id: str, m: dict) -> DocRecord:
        return DocRecord(
            id=doc_id,
            title=m["title"],
            source=m["source"],
            sha256=m["sha256"],
            chunks=int(m["chunks"]),
            ingested_at=float(m["ingested_at"]),
            **_byline_fields(m),
        )

    def document(self, doc_id: str) -> Document | None:
        got = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        m = got["metadatas"][0]
        pages = tuple(json.loads(m["pages"])) if m.get("pages") else ()  # PDFs: where each page starts
        return Document(
            id=doc_id, title=m["title"], source=m["source"], text=got["documents"][0], sha256=m["sha256"], pages=pages,
            **_byline_fields(m),
        )

    def put_document(self, doc: Document, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Replace a document's chunks, then commit its record. The record is written last, so a
        document is only visible once all its chunks are stored; leftovers are purged next run."""
        self.put_documents([(doc, chunks, vectors)])

    def put_documents(self, items: list[tuple[Document, list[Chunk], np.ndarray]], fresh: Collection[str] = ()) -> None:
        """put_document for several documents: the chunks of all in one request (a request costs
        tens of ms), then each record, one at a time. fresh: ids of documents not stored yet, so
        there is no earlier version to delete first."""
        for doc, _, _ in items:
            if doc.id not in fresh:
                self.delete_document(doc.id)
        chunks = [c for _, cs, _ in items for c in cs]
        if chunks:
            self.chunks.add(
                ids=[c.id for c in chunks],
                embeddings=np.concatenate([v for _, cs, v in items if cs]).tolist(),
                documents=[c.text for c in chunks],
                metadatas=[{"doc_id": c.doc_id, "start": c.start, "end": c.end} for c in chunks],
            )
        for doc, cs, vectors in items:
            self._commit(doc, cs, vectors)

    def _commit(self, doc: Document, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Write the document's record (its chunks are stored)."""
        centroid = vectors.mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        meta = {
            "title": doc.title,
            "source": doc.source,
            "sha256": doc.sha256,
            "chunks": len(chunks),
            "ingested_at": round(time.time(), 3),  # milliseconds survive Chroma's round trip exactly
        } | ({"pages": json.dumps(list(doc.pages))} if doc.pages else {}) | _byline(doc)
        self.docs.upsert(ids=[doc.id], embeddings=[centroid.tolist()], documents=[doc.text], metadatas=[meta])
        if self._seen is not None:
            self._seen[doc.id] = self._record(doc.id, meta)

    def delete_document(self, doc_id: str) -> None:
        self.docs.delete(ids=[doc_id])
        if self._seen is not None:
            self._seen.pop(doc_id, None)
        self.chunks.delete(where={"doc_id": doc_id})

    def purge_orphans(self, known: set[str], expected: int | None = None) -> int:
        """Delete chunks whose document record is missing (an interrupted ingest). expected: the
        chunks the known records count; when the store holds exactly that many there is no orphan
        (records are written after their chunks), and nothing is read."""
        if expected is not None and self.chunks.count() == expected:
            return 0
        got = self.chunks.get(include=["metadatas"])
        orphans = [i for i, m in zip(got["ids"], got["metadatas"]) if m["doc_id"] not in known]
        if orphans:
            self.chunks.delete(ids=orphans)
        return len(orphans)

    # Chunks --------------------------------------------------------------------------------
    @property
    def collection_id(self) -> str:
        """Names this chunk collection: a rebuilt index is another collection, whatever its name."""
        return str(self.chunks.id)

    def count(self) -> int:
        return self.chunks.count()

    def vector_store(self):
        """The chunk collection as llama-index's ChromaVectorStore (for a VectorStoreIndex over it).
        Chunks stored with metadata doc_id, start and end come back as TextNodes with those keys."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)

    def all_chunks(self) -> list[Chunk]:
        got = self.chunks.get(include=["documents", "metadatas"])
        return [self._chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def chunks_of(self, doc_ids: list[str]) -> dict[str, list[Chunk]]:
        """The stored chunks of these documents, each document's in text order (one request)."""
        got = self.chunks.get(where={"doc_id": {"$in": list(doc_ids)}}, include=["documents", "metadatas"])
        out: dict[str, list[Chunk]] = {}
        for c in sorted(map(self._chunk, got["ids"], got["documents"], got["metadatas"]), key=lambda c: c.start):
            out.setdefault(c.doc_id, []).append(c)
        return out

    def chunks_with_vectors(self, chunk_ids: list[str]) -> dict[str, tuple[Chunk, np.ndarray]]:
        """These chunks and their stored vectors, in one request (absent ids are left out)."""
        if not chunk_ids:
            return {}
        from chromadb.errors import ChromaError

        try:
            got = self.chunks.get(ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"])
        except ChromaError:  # "Error finding id": written by another process after this client opened
            return {}
        return {
            i: (self._chunk(i, t, m), np.asarray(v, dtype=np.float32))
            for i, t, m, v in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])
            if t is not None and m is not None
        }

    def query(self, vector: np.ndarray, k: int, doc_ids: list[str] | None = None) -> list[DenseHit]:
        """The k chunks nearest the vector; with doc_ids, only chunks of those documents (a Chroma
        metadata filter, applied inside the search)."""
        n = min(k, self.chunks.count())
        if n == 0 or doc_ids is not None and not doc_ids:
            return []
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids is not None else None
        got = self.chunks.query(
            query_embeddings=[vector.tolist()], n_results=n, where=where, include=["documents", "metadatas", "distances"]
        )
        return [
            DenseHit(self._chunk(i, t, m), 1.0 - float(d))
            for i, t, m, d in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
            if t is not None and m is not None  # None: deleted by another process since this client opened
        ]

    @staticmethod
    def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
        return Chunk(id=chunk_id, doc_id=meta["doc_id"], text=text, start=int(meta["start"]), end=int(meta["end"]))


def rebuild_data_dir(config: Config) -> None:
    """Remove this index's own files so the next ingest starts clean: on a Chroma server its two
    collections; locally, after checking the folder is factbot's, its index folders and marker.
    Nothing else is touched. `factbot ingest --rebuild` does not use this: it builds the new index
    beside the old one (datadir.rebuild)."""
    import shutil

    from factbot.index.lexical import lexical_dir

    shutil.rmtree(lexical_dir(config), ignore_errors=True)  # this worker's copy, with a server too
    if config.chroma_host:
        import chromadb

        client = chromadb.HttpClient(host=config.chroma_host, port=config.chroma_port)
        for name in (f"{config.collection}_chunks", f"{config.collection}_documents"):
            try:
                client.delete_collection(name)
            except Exception:  # absent already: nothing to remove
                pass
        return
    data = config.data_dir
    datadir.check(data)
    if not data.is_dir():
        return
    with datadir.locked(data):
        for p in data.iterdir():
            if p.name in (datadir.CHROMA, LEXICAL) or datadir.is_index_folder(p.name):
                shutil.rmtree(p, ignore_errors=True)
        (data / datadir.MARKER).unlink(missing_ok=True)
        datadir.bump_stamp(data)
