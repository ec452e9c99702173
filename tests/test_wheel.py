"""factbot as a user installs it: build the wheel from the checkout, check what it holds, install it
into a fresh venv and run `factbot ask` there, from outside the checkout, on the real local model.

The fresh venv borrows the heavy dependencies (torch, Chroma, the model parts: about 2 GB) from the
venv running the tests through a .pth line instead of downloading them. A path line in a .pth file
only adds the folder to sys.path: the .pth files inside it (the editable install's finder) are not
processed, and the fresh venv's own site-packages come first, so `factbot` is the wheel's copy."""

from __future__ import annotations

import ast
import configparser
import email
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import KELLOGG_DOC, PASSTHROUGH
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from test_e2e import KELLOGG_FACTS, KELLOGG_Q, _norm, kellogg_paragraph

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NOT_SOURCE = (".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".factbot", "reports")


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r


def _env(data_dir: Path | None = None) -> dict[str, str]:
    """This environment minus PYTHONPATH and FACTBOT_* (the machine's thread count and model cache
    pass through), plus a private data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTBOT_") and k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update({k: os.environ[k] for k in PASSTHROUGH if os.environ.get(k)})
    if data_dir is not None:
        env["FACTBOT_DATA_DIR"] = str(data_dir)
    return env


def _site_packages(python: Path | str) -> list[Path]:
    out = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib')); print(sysconfig.get_path('platlib'))"])
    return list(dict.fromkeys(Path(line).resolve() for line in out.stdout.split()))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SimpleNamespace:
    """The wheel, built from a copy of the checkout (setuptools' build/ folder must not feed it stale files)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", src]
    if importlib.util.find_spec("setuptools"):  # no build venv, no registry
        cmd.insert(4, "--no-build-isolation")
    _run(cmd, cwd=tmp)
    (wheel,) = (tmp / "dist").glob("factbot-*.whl")
    z = zipfile.ZipFile(wheel)
    (dist_info,) = {n.split("/")[0] for n in z.namelist() if n.split("/")[0].endswith(".dist-info")}
    return SimpleNamespace(wheel=wheel, src=src, names=set(z.namelist()), dist_info=dist_info, zip=z)


def test_wheel_holds_one_package_factbot_with_its_data(built):
    names = built.names
    assert {n.split("/")[0] for n in names} == {"factbot", built.dist_info}  # no top-level bot/, index/, evals/
    assert built.dist_info == f"factbot-{PYPROJECT['project']['version']}.dist-info"

    def listed(folder: str, pattern: str) -> set[str]:
        return {n.rsplit("/", 1)[1] for n in names if re.fullmatch(rf"factbot/{folder}/{pattern}", n)}

    prompts = {p.name for p in (built.src / "prompts").glob("*.md")}
    assert prompts and listed("prompts", r"[^/]+\.md") == prompts
    articles = {p.name for p in (built.src / "corpus").glob("*.txt")}
    assert len(articles) == 5 and KELLOGG_DOC in articles
    assert listed("corpus", r"[^/]+\.txt") == articles
    for name in ("factbot/evals/cases.jsonl", "factbot/evals/thresholds.json", "factbot/app/style.css"):
        assert name in names

    # Every module of every mapped folder made it in (the package list in pyproject is explicit).
    for package, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        for py in (built.src / folder).rglob("*.py"):
            inside = "/".join([*package.split("."), *py.relative_to(built.src / folder).parts])
            assert inside in names, f"{py.relative_to(built.src)} is not in the wheel (a package missing from pyproject?)"


def test_wheel_metadata_entry_point_and_dependencies(built):
    entry_points = configparser.ConfigParser()
    entry_points.read_string(built.zip.read(f"{built.dist_info}/entry_points.txt").decode())
    assert dict(entry_points["console_scripts"]) == {"factbot": "factbot.app.cli:main"}

    meta = email.message_from_bytes(built.zip.read(f"{built.dist_info}/METADATA"))
    requires = [Requirement(r) for r in meta.get_all("Requires-Dist")]
    declared = {canonicalize_name(r.name): str(r.specifier) for r in map(Requirement, PYPROJECT["project"]["dependencies"])}
    assert {canonicalize_name(r.name): str(r.specifier) for r in requires if r.marker is None} == declared
    assert meta["Requires-Python"] == PYPROJECT["project"]["requires-python"]

    # Every third-party module the package imports comes from a declared dependency.
    stdlib = set(sys.stdlib_module_names) | {"__future__", "factbot"}
    imported = set()
    for folder in PYPROJECT["tool"]["setuptools"]["package-dir"].values():
        for py in (built.src / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported |= {(a.name.split(".")[0], py.name) for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    imported.add((node.module.split(".")[0], py.name))
    providers = importlib.metadata.packages_distributions()
    undeclared = sorted(
        (module, where) for module, where in imported
        if module not in stdlib and not {canonicalize_name(d) for d in providers.get(module, [])} & set(declared)
    )  # fmt: skip
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"


@pytest.fixture(scope="module")
def fresh(built, tmp_path_factory) -> SimpleNamespace:
    """A new venv with the wheel installed (--no-deps) and the test venv's site-packages on a .pth line."""
    root = tmp_path_factory.mktemp("fresh").resolve()
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    site = _site_packages(python)[0]
    borrowed = _site_packages(sys.executable)  # where the test venv keeps torch, Chroma, the model parts
    assert site not in borrowed
    (site / "zz_factbot_test_borrowed_deps.pth").write_text("".join(f"{p}\n" for p in borrowed), encoding="utf-8")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", built.wheel], cwd=root, env=_env())
    return SimpleNamespace(root=root, venv=venv, python=python, site=site, borrowed=borrowed)


PROBE = """
import importlib.metadata, json, sys
import factbot, factbot.core.config as c
from factbot.app import ui_render
config = c.Config()
print(json.dumps({
    "factbot": factbot.__file__, "corpus_dir": str(config.corpus_dir), "data_dir": str(config.data_dir),
    "prompts": str(c.resource("prompts")), "css": len(ui_render.css()), "path": sys.path,
    "dist": str(importlib.metadata.distribution("factbot").locate_file("")),
    "editable": [m for m in sys.modules if "editable" in m],
}))
"""


def test_fresh_venv_imports_the_installed_copy(fresh):
    out = json.loads(_run([fresh.python, "-c", PROBE], cwd=fresh.root, env=_env()).stdout)
    site = fresh.site

    assert Path(out["factbot"]).resolve().is_relative_to(site / "factbot"), out["factbot"]
    assert out["editable"] == []  # the test venv's editable finder did not come along
    assert Path(out["dist"]).resolve() == site
    assert Path(out["corpus_dir"]).resolve() == site / "factbot" / "corpus"
    assert Path(out["prompts"]).resolve() == site / "factbot" / "prompts"
    assert out["css"] > 0
    data_dir = Path(out["data_dir"]).resolve()
    for folder in (site, fresh.venv, *fresh.borrowed, ROOT):
        assert not data_dir.is_relative_to(folder), f"default data dir {data_dir} is inside {folder}"

    path = [Path(p).resolve() for p in out["path"] if p]
    assert site in path and all(b in path for b in fresh.borrowed)
    assert path.index(site) < min(path.index(b) for b in fresh.borrowed)  # the wheel's factbot wins
    leaks = [p for p in path if p.is_relative_to(ROOT) and p not in fresh.borrowed]
    assert not leaks, f"the checkout is on the fresh venv's sys.path: {leaks}"

    script = fresh.venv / "bin" / "factbot"
    assert script.read_text().splitlines()[0] == f"#!{fresh.python}"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_installed_factbot_ask_cites_the_kellogg_article(fresh):
    """README's first command, run by the installed script from a folder outside the checkout."""
    data = fresh.root / "data"
    r = _run([fresh.venv / "bin" / "factbot", "ask", KELLOGG_Q], cwd=fresh.root, env=_env(data), timeout=900)
    report = f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    text, sep, sources = r.stdout.partition("\nSources:")
    assert sep, f"no Sources section\n{report}"

    answer = _norm(text)
    missing = [fact for fact, variants in KELLOGG_FACTS.items() if not any(v in answer for v in variants)]
    assert not missing, f"answer leaves out {missing}\n{report}"
    assert re.search(r"\[\d+\]", text), report

    # "[n] title (source, chars a-b)" then the quote on "    > " lines.
    cites, current = [], None
    for line in sources.splitlines():
        m = re.fullmatch(r"\[(\d+)\] .*? \((\S+), chars (\d+)-(\d+)\)", line)
        if m:
            current = {"source": Path(m[2]), "quote": ""}
            cites.append(current)
        elif current and line.startswith("    > "):
            current["quote"] += line[6:] + " "
    assert cites, report
    kellogg = [c for c in cites if c["source"].name == KELLOGG_DOC]
    assert kellogg, f"no citation of {KELLOGG_DOC}\n{report}"

    # Cited from the installed corpus, verbatim, inside the paragraph that quotes Kellogg.
    inside = []
    for c in kellogg:
        assert c["source"].resolve() == fresh.site / "factbot" / "corpus" / KELLOGG_DOC, report
        raw = c["source"].read_text(encoding="utf-8")
        p0, p1 = kellogg_paragraph(raw)
        at = _squash(raw).find(_squash(c["quote"]))
        assert c["quote"].strip() and at >= 0, f"quote not in the article: {c['quote']!r}\n{report}"
        if len(_squash(raw[:p0])) <= at and at + len(_squash(c["quote"])) <= len(_squash(raw[:p1])):
            inside.append(c)
    assert inside, f"no citation inside the Kellogg paragraph\n{report}"
    assert data.is_dir() and any(data.iterdir()), "the index was not written to FACTBOT_DATA_DIR"
