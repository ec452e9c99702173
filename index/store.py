"""The only module that talks to Chroma: chunk and document collections, local or on a server."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factbot.core.config import BESIDE_INDEX, Config, offline_env
from factbot.core.errors import FactbotError, IndexCorrupt
from factbot.core.types import Chunk, Document
from factbot.index.embed import EMBEDDER_NAME

FORMAT = 1
MARKER = "factbot-index.json"
REBUILD_HINT = "Rebuild it with: factbot ingest --rebuild"


@dataclass(frozen=True)
class DocRecord:
    """What the index knows of a document, without its text."""

    id: str
    title: str
    source: str
    sha256: str
    chunks: int
    ingested_at: float


@dataclass(frozen=True)
class DenseHit:
    chunk: Chunk
    similarity: float


def _check_data_dir(data_dir: Path) -> None:
    """Refuse a directory that holds something other than a factbot index; delete nothing."""
    marker = data_dir / MARKER
    if marker.exists():
        try:
            meta = json.loads(marker.read_text())
            ok = meta.get("format") == FORMAT and meta.get("embedder") == EMBEDDER_NAME
        except (OSError, ValueError, AttributeError):
            ok = False
        if not ok:
            raise IndexCorrupt(f"{marker} is unreadable or from another version. {REBUILD_HINT}")
    elif data_dir.is_dir() and any(p.name not in BESIDE_INDEX for p in data_dir.iterdir()):
        raise IndexCorrupt(
            f"{data_dir} is not empty and is not a factbot index. Point FACTBOT_DATA_DIR at an empty "
            f"or new folder, or, if it is an old factbot index, {REBUILD_HINT[0].lower()}{REBUILD_HINT[1:]}"
        )


class Store:
    def __init__(self, config: Config):
        offline_env()  # before chromadb reads ANONYMIZED_TELEMETRY
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        self.location = (
            f"chroma server {config.chroma_host}:{config.chroma_port}" if config.chroma_host else str(config.data_dir)
        )
        try:
            if config.chroma_host:
                self.client = chromadb.HttpClient(host=config.chroma_host, port=config.chroma_port, settings=settings)
            else:
                _check_data_dir(config.data_dir)
                config.data_dir.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(config.data_dir / "chroma"), settings=settings)
                marker = config.data_dir / MARKER
                if not marker.exists():
                    marker.write_text(json.dumps({"format": FORMAT, "embedder": EMBEDDER_NAME}))
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
            raise IndexCorrupt(f"The index in {config.data_dir} cannot be opened ({e}). {REBUILD_HINT}") from e

    # Documents -----------------------------------------------------------------------------
    def documents(self) -> dict[str, DocRecord]:
        got = self.docs.get(include=["metadatas"])
        return {
            i: DocRecord(
                id=i,
                title=m["title"],
                source=m["source"],
                sha256=m["sha256"],
                chunks=int(m["chunks"]),
                ingested_at=float(m["ingested_at"]),
            )
            for i, m in zip(got["ids"], got["metadatas"])
        }

    def document(self, doc_id: str) -> Document | None:
        got = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        m = got["metadatas"][0]
        return Document(id=doc_id, title=m["title"], source=m["source"], text=got["documents"][0], sha256=m["sha256"])

    def put_document(self, doc: Document, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Replace a document's chunks, then commit its record. The record is written last, so a
        document is only visible once all its chunks are stored; leftovers are purged next run."""
        self.delete_document(doc.id)
        if chunks:
            self.chunks.add(
                ids=[c.id for c in chunks],
                embeddings=vectors.tolist(),
                documents=[c.text for c in chunks],
                metadatas=[{"doc_id": c.doc_id, "start": c.start, "end": c.end} for c in chunks],
            )
        centroid = vectors.mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        self.docs.upsert(
            ids=[doc.id],
            embeddings=[centroid.tolist()],
            documents=[doc.text],
            metadatas=[
                {
                    "title": doc.title,
                    "source": doc.source,
                    "sha256": doc.sha256,
                    "chunks": len(chunks),
                    "ingested_at": time.time(),
                }
            ],
        )

    def delete_document(self, doc_id: str) -> None:
        self.docs.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})

    def purge_orphans(self, known: set[str]) -> int:
        """Delete chunks whose document record is missing (an interrupted ingest)."""
        got = self.chunks.get(include=["metadatas"])
        orphans = [i for i, m in zip(got["ids"], got["metadatas"]) if m["doc_id"] not in known]
        if orphans:
            self.chunks.delete(ids=orphans)
        return len(orphans)

    # Chunks --------------------------------------------------------------------------------
    def count(self) -> int:
        return self.chunks.count()

    def all_chunks(self) -> list[Chunk]:
        got = self.chunks.get(include=["documents", "metadatas"])
        return [self._chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def query(self, vector: np.ndarray, k: int) -> list[DenseHit]:
        n = min(k, self.chunks.count())
        if n == 0:
            return []
        got = self.chunks.query(
            query_embeddings=[vector.tolist()], n_results=n, include=["documents", "metadatas", "distances"]
        )
        return [
            DenseHit(self._chunk(i, t, m), 1.0 - float(d))
            for i, t, m, d in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        ]

    @staticmethod
    def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
        return Chunk(id=chunk_id, doc_id=meta["doc_id"], text=text, start=int(meta["start"]), end=int(meta["end"]))


def rebuild_data_dir(config: Config) -> None:
    """Remove this index's own files (Chroma data and marker) so the next ingest starts clean.
    Nothing else in the folder is touched."""
    import shutil

    if config.chroma_host:
        import chromadb

        client = chromadb.HttpClient(host=config.chroma_host, port=config.chroma_port)
        for name in (f"{config.collection}_chunks", f"{config.collection}_documents"):
            try:
                client.delete_collection(name)
            except Exception:  # absent already: nothing to remove
                pass
        return
    shutil.rmtree(config.data_dir / "chroma", ignore_errors=True)
    (config.data_dir / MARKER).unlink(missing_ok=True)
