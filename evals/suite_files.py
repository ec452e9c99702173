"""An external suite's collection on disk: one text file per passage or article."""

from __future__ import annotations

from pathlib import Path

SUFFIX = ".txt"


def sync_folder(files: dict[str, str], folder: Path) -> dict[str, int]:
    """Make `folder` hold exactly these files: write new and changed ones, remove other .txt files
    (the next ingest then drops them from the index)."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    for old in folder.glob(f"*{SUFFIX}"):
        if old.name not in files:
            old.unlink()
            counts["removed"] += 1
    for name, text in files.items():
        path = folder / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            counts["unchanged"] += 1
            continue
        path.write_text(text, encoding="utf-8")
        counts["written"] += 1
    return counts
