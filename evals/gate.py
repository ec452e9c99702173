"""The CI gate: measured figures against evals/thresholds.json."""

from __future__ import annotations

import json
from pathlib import Path

from factbot.core.errors import BadInput

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.json"


def load_thresholds(path: str | Path = DEFAULT_THRESHOLDS) -> dict[str, dict[str, float]]:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BadInput(f"Cannot read thresholds from {path} ({e}). Fix the JSON file.") from e
    out = {}
    for name, bound in raw.items():
        if name.startswith("_"):
            continue  # notes
        if not isinstance(bound, dict) or not set(bound) <= {"min", "max"} or not bound:
            raise BadInput(f'{path}: {name} must be {{"min": x}} and/or {{"max": y}}, not {bound!r}.')
        out[name] = {k: float(v) for k, v in bound.items()}
    return out


def gate(figures: dict, thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Failures, one line each; empty when every threshold holds. A gated metric that was not
    measured (None or absent, e.g. no items of that kind) is a failure too."""
    failures = []
    for name, bound in thresholds.items():
        value = figures.get(name)
        if value is None:
            failures.append(f"{name}: not measured in this run (needs items of its kind)")
            continue
        if "min" in bound and value < bound["min"]:
            failures.append(f"{name} = {value:.3f}, below the minimum {bound['min']:.3f}")
        if "max" in bound and value > bound["max"]:
            failures.append(f"{name} = {value:.3f}, above the maximum {bound['max']:.3f}")
    return failures
