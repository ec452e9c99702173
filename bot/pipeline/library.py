"""Managing the library: add files (never silently replacing an article), remove articles, restore
removed corpus files. FactBot calls these under its lock and refreshes retrieval afterwards.

Where an article's file lives decides what removing it does:
- uploaded (a copy in the data dir's uploads/ folder, owned by factbot): the index entry and the
  copy are deleted;
- anywhere else (the user's corpus folder): the index entry is deleted and the file is listed as
  removed, so the next sync skips it; the file itself is never touched. restore() undoes it."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from factbot.core.config import Config
from factbot.core.errors import BadInput
from factbot.index.build import index_document
from factbot.index.embed import Embedder
from factbot.index.ingest import BINARY_ALLOWANCE, KINDS, SUFFIXES, Unreadable, doc_id_for, load_document, read_source
from factbot.index.jsonl import SUFFIXES as JSONL, read_records
from factbot.index.library import Removed, free_name, resolve, safe_name
from factbot.index.store import DocRecord, Store


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file given to add_files."""

    name: str  # the file's name as given
    status: str  # "added", "added beside", "replaced", "unchanged" or "rejected"
    message: str  # for the user: what happened, or why the file was not added
    doc_id: str | None = None  # the article it is (or already was) in the library
    stored_as: str | None = None  # its file name in the uploads folder

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


@dataclass(frozen=True)
class Removal:
    """One article removed from the library."""

    doc_id: str
    title: str
    source: str
    file_deleted: bool  # an uploaded copy, deleted with it
    excluded: bool  # a file of the user's folder: kept on disk, skipped by the sync until restored

    @property
    def message(self) -> str:
        name = PurePath(self.source).name
        if self.file_deleted:
            return f"Removed {self.title!r} ({name}) and its uploaded copy."
        return (
            f"Removed {self.title!r} from the library. Its file {self.source} stays where it is; the sync "
            "skips it from now on (restore it with factbot restore or the Library tab)."
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Library:
    def __init__(self, store: Store, embedder: Embedder, config: Config):
        self.store = store
        self.embedder = embedder
        self.config = config
        self.removed = Removed(config.removed_file)

    @property
    def uploads(self) -> Path:
        return self.config.uploads_dir

    def is_upload(self, source: str) -> bool:
        return Path(source).parent == self.uploads.resolve()

    # Adding ---------------------------------------------------------------------------------
    def add_files(self, paths: Iterable[str | Path], replace: bool = False) -> list[FileOutcome]:
        """Copy each readable file into the uploads folder and index it. The same bytes as an
        article already in the library: "unchanged". Another file under a name already used: kept
        beside it as "name (2).ext", unless replace is set. A bad file is rejected with its reason;
        the others still go in."""
        by_sha = {r.sha256: r for r in self.store.documents().values()}
        out = []
        for p in paths:
            path = Path(p)
            if path.suffix.lower() in JSONL:
                out += self._add_jsonl(path, by_sha, replace)
                continue
            try:
                out.append(self._add_one(path, by_sha, replace))
            except Unreadable as e:
                out.append(FileOutcome(path.name, "rejected", str(e)))
        return out

    def _add_jsonl(self, path: Path, by_sha: dict[str, DocRecord], replace: bool) -> list[FileOutcome]:
        """Each line of a JSON Lines export as an article of its own (a .txt with a header block,
        index/jsonl.py), under the same rules as a file; a bad line is rejected, the others go in."""
        import tempfile

        limit = self.config.max_file_bytes
        try:
            if path.stat().st_size > limit * BINARY_ALLOWANCE:
                raise Unreadable(f"too large ({path.stat().st_size:,} bytes; the limit is {limit * BINARY_ALLOWANCE:,})")
            records = list(read_records(path, limit))
        except (OSError, UnicodeDecodeError) as e:
            return [FileOutcome(path.name, "rejected", f"cannot be read ({getattr(e, 'strerror', None) or e})")]
        except Unreadable as e:
            return [FileOutcome(path.name, "rejected", str(e))]
        out = []
        with tempfile.TemporaryDirectory(prefix="factbot-jsonl-") as tmp:
            for r in records:
                label = f"{path.name} line {r.line}"
                if r.problem:
                    out.append(FileOutcome(label, "rejected", r.problem))
                    continue
                article = Path(tmp) / r.name
                article.write_bytes(r.data)
                try:
                    outcome = self._add_one(article, by_sha, replace)
                except Unreadable as e:
                    outcome = FileOutcome(r.name, "rejected", str(e))
                out.append(dataclasses.replace(outcome, name=f"{label} ({r.name})"))
                article.unlink()
        if not records:
            out.append(FileOutcome(path.name, "rejected", "no articles in it: one JSON object a line, with a \"text\""))
        return out

    def _add_one(self, path: Path, by_sha: dict[str, DocRecord], replace: bool) -> FileOutcome:
        if path.suffix.lower() not in SUFFIXES:
            raise Unreadable(f"wrong type ({path.suffix or 'no extension'}); add {KINDS} files, or .jsonl exports")
        source = read_source(path, self.config.max_file_bytes)
        doc = load_document(source)  # before anything is copied: a bad file changes nothing
        same = by_sha.get(source.sha256)
        if same is not None:
            where = PurePath(same.source).name
            return FileOutcome(path.name, "unchanged", f"already in the library as {same.title!r} ({where}), unchanged",
                               same.id, where if self.is_upload(same.source) else None)  # fmt: skip
        self.uploads.mkdir(parents=True, exist_ok=True)
        name = safe_name(path.name)
        dest, status = self.uploads / name, "added"
        if dest.exists() and _sha256(dest) != source.sha256:
            if replace:
                status = "replaced"
            else:
                dest, status = free_name(self.uploads, name), "added beside"
        dest.write_bytes(source.data)
        doc = dataclasses.replace(doc, id=doc_id_for(dest), source=str(dest.resolve()))
        index_document(doc, self.store, self.embedder, self.config)
        by_sha[source.sha256] = DocRecord(doc.id, doc.title, doc.source, doc.sha256, 0, 0.0)
        message = {
            "added": "added",
            "replaced": f"replaced the earlier {name} (you chose to replace articles of the same name)",
            "added beside": f"added as {dest.name}: {name} already holds a different article, which is kept",
        }[status]
        return FileOutcome(path.name, status, message, doc.id, dest.name)

    # Removing -------------------------------------------------------------------------------
    def remove(self, articles: Iterable[str]) -> list[Removal]:
        """Remove the named articles (id, file name, path or title; each must name one article)."""
        names = list(articles)
        if not names:
            raise BadInput("Name the articles to remove (file name, title or id; factbot list shows them).")
        records = resolve(self.store.documents(), names, unique=True)
        out = []
        for rec in records:
            self.store.delete_document(rec.id)  # the index first: a crash after it leaves a file the next sync re-adds
            upload = self.is_upload(rec.source)
            if upload:
                Path(rec.source).unlink(missing_ok=True)
            else:
                self.removed.add(rec)
            out.append(Removal(rec.id, rec.title, rec.source, file_deleted=upload, excluded=not upload))
        return out

    def restore(self, names: Iterable[str]) -> list[str]:
        """Index removed corpus files again; returns the paths restored (a file gone since is forgotten)."""
        paths = self.removed.match(names)
        restored = []
        for p in paths:
            path = Path(p)
            if path.exists():
                source = read_source(path, self.config.max_file_bytes)
                doc = dataclasses.replace(load_document(source), id=doc_id_for(path, p), source=p)  # a link keeps its path
                index_document(doc, self.store, self.embedder, self.config)
                restored.append(p)
        self.removed.discard(paths)
        return restored

    def replace(self, article: str, path: str | Path) -> tuple[FileOutcome, Removal | None]:
        """Put the file in place of the article: added first, the old one removed only once the new
        one is in (a bad file leaves the library as it was)."""
        old = resolve(self.store.documents(), [article], unique=True)[0]
        in_place = self.is_upload(old.source) and safe_name(Path(path).name) == PurePath(old.source).name
        outcome = self.add_files([path], replace=in_place)[0]
        if not outcome.ok:
            raise BadInput(f"{outcome.name} was not added: {outcome.message}. {old.title!r} is kept.")
        if in_place or outcome.doc_id == old.id:
            return outcome, None
        return outcome, self.remove([old.id])[0]
