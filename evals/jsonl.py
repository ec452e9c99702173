"""Reading the JSON-lines files the eval suites come in: one object a line, errors by file:line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from factbot.core.errors import BadInput

T = TypeVar("T")


def json_lines(path: str | Path, what: str, option: str) -> Iterator[tuple[str, dict]]:
    """("file:line", object) for every non-blank line; BadInput naming the file (and line) when
    the file is missing, unreadable, or a line is not a JSON object. what: "Item file",
    "Suite file"; option: the flag that names another file."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{what} {path} does not exist. Pass {option} PATH to a .jsonl file.")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"Cannot read {what.lower()} {path} ({e}). It must be UTF-8 JSON lines.") from e
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput(f"{where}: not valid JSON ({e.msg}).") from e
        if not isinstance(obj, dict):
            raise BadInput(f"{where}: each line must be a JSON object.")
        yield where, obj


def unique_records(path: str | Path, option: str, parse: Callable[[dict, str], T], key: Callable[[T], object],
                   noun: str, kind: str) -> list[T]:  # fmt: skip
    """Every record of a JSON-lines suite file, parsed; BadInput naming the file and line of the
    first bad or repeated one (key: what must be unique, named `noun`), or when there is none."""
    records, seen = [], {}
    for where, obj in json_lines(path, "Suite file", option):
        record = parse(obj, where)
        k = key(record)
        if k in seen:
            raise BadInput(f"{where}: duplicate {noun} {k} (first on line {seen[k]}).")
        seen[k] = where.rsplit(":", 1)[1]
        records.append(record)
    if not records:
        raise BadInput(f"Suite file {path} has no {kind}.")
    return records
