"""Shared fixtures: the real MiniLM embedder (loaded once per session), isolated data dirs, and
helpers to build FactBots over temporary folders. Nothing here depends on the current directory."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from factbot.core.config import Config, resource

CORPUS = resource("corpus")
KELLOGG_DOC = "004_71cfdc51eac5ef26.txt"
# Settings of this machine that tests honour: how many threads the model may use, and where the
# assembled model file is cached. Every other FACTBOT_* variable is ignored by the tests.
PASSTHROUGH = ("FACTBOT_THREADS", "FACTBOT_MODEL_CACHE")


def base_config(**changes) -> Config:
    """Defaults plus the pass-through variables; never the caller's data dir or Chroma server."""
    env = {k: v for k, v in os.environ.items() if k in PASSTHROUGH}
    return Config.from_env(env=env).with_(**changes)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """Code that reads the environment itself (the CLI) gets a private data dir, never .factbot/."""
    for key in list(os.environ):
        if key.startswith("FACTBOT_") and key not in PASSTHROUGH:
            monkeypatch.delenv(key)
    monkeypatch.setenv("FACTBOT_DATA_DIR", str(tmp_path / "env-data"))


@pytest.fixture(scope="session")
def embedder():
    from factbot.index.embed import Embedder

    return Embedder(threads=1)


@pytest.fixture(scope="session")
def similarity(embedder):
    """Embedding cosine similarity, as FactBot.similarity computes it."""

    def sim(a: list[str], b: list[str]) -> np.ndarray:
        return embedder.embed(a) @ embedder.embed(b).T

    return sim


@pytest.fixture
def make_bot(embedder, tmp_path):
    """FactBot(corpus=..., data_dir=tmp) with the session embedder and the real Chroma."""
    from factbot.pipeline.factbot import FactBot

    def make(corpus: Path, data_dir: Path | None = None, model=None, **config_changes):
        return FactBot(
            base_config(**config_changes),
            corpus=corpus,
            data_dir=data_dir or tmp_path / "data",
            embedder=embedder,
            model=model,
        )

    return make


def forget_chroma_client(path: Path) -> None:
    """Chroma caches one client per path in a process. Tests that reopen an index from disk, or swap
    its files, drop the cached one first, as a new process would start without it."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(path), None)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# Short crafted articles: one chunk each, cheap to embed, each with facts of its own.
BRIDGE = """Harbor Bridge Reopens After Repairs

The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs, the city transport office said.
Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars, less than the budget approved in spring.
Engineers replaced corroded cables and resurfaced the deck, and inspectors signed off on the work late on Friday.
"""

ORCHARD = """Valley Orchards Expect a Record Apple Harvest

Growers in the Tamsin Valley expect a record apple harvest this autumn after a mild and wet summer.
The growers' cooperative said its members planted 3,000 new trees of the Crimson Vale variety last year.
Cooperative chair Omar Haddad warned that a shortage of pickers could leave some fruit on the branches.
"""

OBSERVATORY = """Mountain Observatory Spots a New Comet

Astronomers at the Kestrel Peak observatory have spotted a faint comet approaching the inner solar system.
The comet, catalogued as C/2031 K7, should be visible through binoculars in late March, the team said.
Observatory director Priya Raman said the discovery came from a survey telescope installed two years ago.
"""

# A news page with navigation, a script, a style sheet and a footer around the article.
HTML = """<!DOCTYPE html><html><head><title>Harbor Bridge Reopens After Repairs | Example News</title>
<script>var tracker = 'analytics-snippet-xyz'; console.log('tracking pixel fired');</script>
<style>.nav { color: red; }</style></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World News Section</a></li>
<li><a href="/sports">Sports Coverage Hub</a></li></ul></nav></header>
<main><article>
<h1>Harbor Bridge Reopens After Repairs</h1>
<p>The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs, the city transport office said.</p>
<p>Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars, less than the budget approved in spring.</p>
<p>Engineers replaced corroded cables and resurfaced the deck, and inspectors signed off on the work late on Friday.</p>
</article></main>
<footer><p>Copyright 2025 Example News Corporation. All rights reserved.</p>
<a href="/privacy">Privacy policy and cookie settings</a></footer>
</body></html>"""


# PDF and Word files, built in the tests ----------------------------------------------------------
def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF: each page shows its lines top to bottom in Helvetica 11 pt (a page with
    no lines has no text at all, like a scan). Written by hand: no PDF library needed."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = ["BT /F1 11 Tf 14 TL 72 760 Td"] + [f"{_pdf_string(line)} Tj T*" for line in lines] + ["ET"]
        stream = "\n".join(ops) if lines else "0.9 g 72 72 400 600 re f"  # a grey box: an "image", no text
        objects.append(f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {len(objects)} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    if title:
        objects.append(f"<< /Title {_pdf_string(title)} >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def encrypted_pdf(data: bytes, user_password: str = "secret") -> bytes:
    """The PDF encrypted with pypdf (AES-128); user_password "" makes one that opens without a password."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner-only", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def docx_bytes(paragraphs: list[tuple[str, str]], title: str | None = None, table: list[list[str]] | None = None) -> bytes:
    """A .docx written with python-docx: (style, text) paragraphs, e.g. ("Title", ...), ("Normal", ...)."""
    import io

    import docx

    doc = docx.Document()
    for style, text in paragraphs:
        doc.add_paragraph(text, style=style)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    if title:
        doc.core_properties.title = title
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
