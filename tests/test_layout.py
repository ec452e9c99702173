"""The folder layout is the pipeline: dependencies between folders point one way.

Reads every module's imports (ast, no import executed) and maps them to folders: factbot's rooms
(core, text, model, answer, claims, pipeline, app), index and evals."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"factbot.index": ROOT / "index", "factbot.evals": ROOT / "evals", "factbot": ROOT / "bot"}  # package -> folder


def folder_of(module: str) -> str | None:
    """'factbot.answer.retrieve' -> 'answer'; 'factbot.index.store' -> 'index'; 'factbot.x' -> 'bot'."""
    parts = module.split(".")
    if parts[0] != "factbot":
        return None
    if len(parts) >= 2 and ((ROOT / "bot" / parts[1]).is_dir() or parts[1] in ("index", "evals")):
        return parts[1]
    return "bot"


def module_names(path: Path) -> tuple[str, list[str]]:
    """A module's own dotted name and every factbot name it imports (at any depth in the file)."""
    pkg, base = next((k, v) for k, v in FOLDERS.items() if path.is_relative_to(v))
    rel = path.relative_to(base).with_suffix("")
    own = ".".join([pkg, *[p for p in rel.parts if p != "__init__"]])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from factbot import answer" imports the room; "from factbot.x.y import z" the module x.y
            names += [f"{node.module}.{a.name}" for a in node.names] if node.module == "factbot" else [node.module]
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return own, names


def imports() -> dict[str, set[str]]:
    """folder -> the other folders it imports from."""
    graph: dict[str, set[str]] = {}
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "index").rglob("*.py"), *(ROOT / "evals").rglob("*.py")]:
        own, names = module_names(path)
        src = folder_of(own)
        for name in names:
            dst = folder_of(name)
            if dst and dst != src:
                graph.setdefault(src, set()).add(dst)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, path = [], []

    def visit(node, seen):
        if node in path:
            found.append(path[path.index(node) :] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt != node:
                visit(nxt, seen)
        path.pop()

    for start in sorted(graph):
        visit(start, set())
    return found


@pytest.fixture(scope="module")
def graph():
    return imports()


def test_no_cycles_between_folders(graph):
    assert cycles(graph) == [], graph


def test_index_depends_only_on_leaf_modules(graph):
    assert graph.get("index", set()) <= {"core", "text"}


def test_leaf_rooms_depend_on_nothing_above_them(graph):
    assert graph.get("core", set()) == set()
    assert graph.get("text", set()) <= {"core"}


def test_verify_stands_below_the_stages_that_use_it(graph):
    """The verifier reads passages; it imports nothing from the rooms that call it."""
    assert graph.get("verify", set()) <= {"core"}
    assert "verify" in graph.get("claims", set())


def test_evals_never_reach_back_into_the_app(graph):
    assert "app" not in graph.get("evals", set())
    assert not any("app" in graph.get(room, set()) for room in ("answer", "claims", "model", "pipeline", "index"))


def test_the_llama_index_room_is_an_outer_layer(graph):
    """factbot.llama_index wraps the pipeline for llama-index users; nothing of factbot's own needs it."""
    assert graph.get("llama_index", set()) <= {"core", "text", "index", "model", "answer", "pipeline"}
    assert not any("llama_index" in deps for room, deps in graph.items() if room != "llama_index")


def test_the_package_root_only_exposes_the_api():
    """bot/ holds __init__.py alone: every module lives in a room that names its stage."""
    assert sorted(p.name for p in (ROOT / "bot").glob("*.py")) == ["__init__.py"]


def test_the_cycle_finder_finds_cycles():
    found = cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}})
    assert ["a", "b", "c", "a"] in found
    assert cycles({"a": {"b"}, "b": {"c"}}) == []
