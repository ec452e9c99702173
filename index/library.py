"""The library's bookkeeping: naming articles (id, file or title), the files removed from the
library that stay in their folder, and free names for uploads. Plain files; no Chroma here."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath

from factbot.core.errors import BadInput
from factbot.index.store import DocRecord


def _describe(rec: DocRecord) -> str:
    return f"{rec.id} ({PurePath(rec.source).name}: {rec.title})"


def resolve(records: Mapping[str, DocRecord], names: Iterable[str], *, unique: bool) -> list[DocRecord]:
    """The articles the user named, in order, each by its doc id, its file's path or name, or its
    title (case-insensitive). unique: a name that fits several articles is an error (removing),
    otherwise it selects all of them (asking within). An unknown name is always an error."""
    found: dict[str, DocRecord] = {}
    unknown, ambiguous = [], []
    for name in names:
        key = str(name).strip()
        if key in records:
            found.setdefault(key, records[key])
            continue
        path = str(Path(key).expanduser().resolve()) if ("/" in key or os.sep in key) else None
        matches = [r for r in records.values() if r.source == path] if path else []
        matches = matches or [r for r in records.values() if PurePath(r.source).name == key]
        matches = matches or [r for r in records.values() if r.title.casefold() == key.casefold()]
        if not matches:
            unknown.append(key)
        elif unique and len(matches) > 1:
            ambiguous.append(f"{key!r} fits {len(matches)} articles: " + "; ".join(_describe(r) for r in matches))
        else:
            for r in matches:
                found.setdefault(r.id, r)
    if unknown:
        raise BadInput(
            f"No article in the library is called {', '.join(repr(u) for u in unknown)}. "
            "Name articles by file name, title or id (factbot list shows them)."
        )
    if ambiguous:
        raise BadInput(" ".join(ambiguous) + ". Name the one you mean by its id.")
    return list(found.values())


class Removed:
    """Files removed from the library that stay in their folder (a corpus the user owns): the
    sync skips them until they are restored. Kept in a small JSON file in the data dir."""

    def __init__(self, path: Path):
        self.path = path

    def entries(self) -> dict[str, dict]:
        """resolved file path -> {"title", "sha256", "removed_at"}."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise BadInput(f"{self.path} is unreadable ({e}). Fix or delete it (it lists removed articles).") from e
        return data if isinstance(data, dict) else {}

    def paths(self) -> set[str]:
        return set(self.entries())

    def add(self, rec: DocRecord) -> None:
        data = self.entries()
        data[rec.source] = {"title": rec.title, "sha256": rec.sha256, "removed_at": time.time()}
        self._write(data)

    def discard(self, paths: Iterable[str]) -> None:
        data = self.entries()
        for p in paths:
            data.pop(p, None)
        self._write(data)

    def prune_missing(self) -> None:
        """Forget entries whose file is gone from a folder that is there (a folder that is missing,
        say an unmounted drive, keeps its entries): nothing is left to skip."""
        data = self.entries()
        kept = {p: v for p, v in data.items() if Path(p).exists() or not Path(p).parent.is_dir()}
        if len(kept) != len(data):
            self._write(kept)

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.path)  # atomic: a crash never leaves half a list

    def match(self, names: Iterable[str]) -> list[str]:
        """The removed files the user named, by path, file name or title."""
        data = self.entries()
        out, unknown = [], []
        for name in names:
            key = str(name).strip()
            hits = [
                p for p, v in data.items()
                if key in (p, PurePath(p).name) or v.get("title", "").casefold() == key.casefold()
            ]  # fmt: skip
            if not hits:
                unknown.append(key)
            out += [h for h in hits if h not in out]
        if unknown:
            raise BadInput(f"No removed file is called {', '.join(repr(u) for u in unknown)} (factbot list shows them).")
        return out


def safe_name(name: str) -> str:
    """A file name safe to store: no folders, no leading dot, only word characters, '.', '-', ' ', '(' and ')'."""
    name = re.sub(r"[^\w.\-() ]+", "_", PurePath(name).name).strip().lstrip(".")
    return name or "upload.txt"


def free_name(folder: Path, name: str) -> Path:
    """folder/name, or folder/"name (2).ext", "name (3).ext", ... : the first that does not exist."""
    path = folder / name
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    stem = re.sub(r" \(\d+\)$", "", stem)  # "a (2).txt" taken: "a (3).txt", not "a (2) (2).txt"
    n = 2
    while path.exists():
        path = folder / f"{stem} ({n}){suffix}"
        n += 1
    return path
