"""Who published what and when: bylines read at ingest from every format and from JSON Lines
exports, stored with the chunks, carried by citations, shown in the CLI and reports; articles
chosen by date; the most recent report named when sides disagree. Real Chroma, real MiniLM;
claim checks in code mode (no model)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
from conftest import BRIDGE, ORCHARD, docx_bytes, pdf_bytes, write

from factbot.core.errors import BadInput
from factbot.core.types import Answer, Citation, Side
from factbot.index.ingest import SourceFile, load_document
from factbot.index.meta import parse_date, parse_when, split_authors, text_header
from factbot.pipeline.dated import dated_ids, with_dates

D = dt.date


def _doc(name: str, data: bytes | str):
    data = data.encode() if isinstance(data, str) else data
    return load_document(SourceFile(Path("/articles") / name, hashlib.sha256(data).hexdigest(), data))


# Reading bylines -------------------------------------------------------------------------------
def test_text_header_block():
    raw = ("Title: Harbor Bridge Reopens\nSource: City Transport Bulletin\nAuthors: Lena Ortiz; Sam Reyes\n"
           "Date: March 3, 2025\nURL: https://bulletin.example/bridge\n\n" + BRIDGE)  # fmt: skip
    doc = _doc("bridge.txt", raw)
    assert (doc.title, doc.outlet, doc.authors, doc.published, doc.url) == (
        "Harbor Bridge Reopens", "City Transport Bulletin", ("Lena Ortiz", "Sam Reyes"), D(2025, 3, 3),
        "https://bulletin.example/bridge",
    )  # fmt: skip
    assert not doc.text.startswith("Title:") and "Source:" not in doc.text  # the block is not article text
    # no blank line after it, an unknown key, or a line that is no "Key: value": the text is kept whole
    for raw in ("Title: Only a header\nDate: 2025-01-01", "Update: the vote was delayed.\n\nMore text.",
                "Title: x\nThe council met on Monday.\n\nMore."):  # fmt: skip
        assert text_header(raw) == (raw, text_header("")[1])


def test_outlet_from_the_url_when_nothing_names_it():
    doc = _doc("a.txt", "URL: https://www.usatoday.com/story/news/x\nDate: 2021/02/03\n\n" + ORCHARD)
    assert (doc.outlet, doc.published) == ("usatoday.com", D(2021, 2, 3))


def test_markdown_front_matter_with_yaml():
    raw = ("---\ntitle: \"Budget Day\"\nauthors: [A. Writer, B. Editor]\ndate: 2024-03-01\npublisher: The Ledger\n"
           "link: https://ledger.example/budget\n---\n# Council\n\nThe council approved the budget on Monday after a long debate.")
    doc = _doc("budget.md", raw)
    assert (doc.title, doc.outlet, doc.authors, doc.published, doc.url) == (
        "Budget Day", "The Ledger", ("A. Writer", "B. Editor"), D(2024, 3, 1), "https://ledger.example/budget")
    assert "publisher" not in doc.text and doc.text.startswith("Council")


def test_html_metadata_from_trafilatura():
    html = """<html><head><title>Bridge | Daily Planet</title><meta property="og:site_name" content="Daily Planet">
    <meta name="author" content="Lois Lane"><meta property="article:published_time" content="2024-04-05T10:00:00Z">
    <link rel="canonical" href="https://dailyplanet.example/bridge"><meta property="og:title" content="Bridge reopens">
    </head><body><article><h1>Bridge reopens</h1><p>The harbor bridge reopened on Monday after eleven weeks of repairs,
    the city said.</p><p>Engineers replaced corroded cables and resurfaced the deck during the closure.</p></article>
    </body></html>"""
    doc = _doc("bridge.html", html)
    assert (doc.title, doc.outlet, doc.authors, doc.published, doc.url) == (
        "Bridge reopens", "Daily Planet", ("Lois Lane",), D(2024, 4, 5), "https://dailyplanet.example/bridge")


def test_pdf_info_and_docx_core_properties():
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes([BRIDGE.splitlines()], title="Harbor Bridge Bulletin")))
    writer.add_metadata({"/Author": "Lena Ortiz", "/CreationDate": "D:20250303101500+01'00"})
    buf = io.BytesIO()
    writer.write(buf)
    doc = _doc("bridge.pdf", buf.getvalue())
    assert (doc.title, doc.authors, doc.published) == ("Harbor Bridge Bulletin", ("Lena Ortiz",), D(2025, 3, 3))

    import docx

    d = docx.Document()
    d.add_paragraph(ORCHARD)
    d.core_properties.author, d.core_properties.created = "Omar Haddad", dt.datetime(2024, 9, 30, 8, 0)
    out = io.BytesIO()
    d.save(out)
    doc = _doc("orchard.docx", out.getvalue())
    assert (doc.authors, doc.published) == (("Omar Haddad",), D(2024, 9, 30))
    # python-docx's blank template says "python-docx", 2013: that is no byline
    doc = _doc("memo.docx", docx_bytes([("Normal", ORCHARD)]))
    assert (doc.authors, doc.published) == ((), None)


def test_dates_and_authors_are_parsed_by_libraries():
    assert parse_date("2024-05-02T10:00:00+02:00") == D(2024, 5, 2)
    assert parse_date("May 2, 2024") == parse_date("2 May 2024") == parse_date("2024/05/02") == D(2024, 5, 2)
    assert parse_date("2. Mai 2024") == D(2024, 5, 2)  # dateparser: other languages
    assert parse_date("not a date") is None and parse_date("0001-01-01") is None  # a placeholder is no date
    assert parse_date("2999-01-01") is None  # the future: a typo
    assert parse_when("2024-05-02") == D(2024, 5, 2)
    assert parse_when("yesterday", today=D(2024, 5, 2)) == D(2024, 5, 1)
    assert parse_when("3 weeks ago", today=D(2024, 5, 22)) == D(2024, 5, 1)
    with pytest.raises(ValueError):
        parse_when("someday")
    assert split_authors("By Jane Roe and John Doe") == ("Jane Roe", "John Doe")
    assert split_authors(["Jane Roe", "Jane Roe", ""]) == ("Jane Roe",)


# JSON Lines import, storage and citations ------------------------------------------------------
TOLL_MARCH = "The storm killed 12 people in the coastal province, the regional governor said on Monday."
TOLL_MAY = "The storm killed 40 people in the coastal province, the regional governor said on Monday."


def _jsonl(path: Path) -> Path:
    rows = [
        {"text": TOLL_MARCH, "title": "Storm toll rises", "url": "https://www.wire.example/a", "authors": ["Ana Ruiz"],
         "publish_date": "2024/03/04"},
        {"text": TOLL_MAY, "headline": "Storm toll revised", "source": "Coast Daily", "published": "May 6, 2024",
         "author": "Ben Ode; Cy Ng"},
        "not an object",
        {"title": "No text here"},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    return path


@pytest.fixture
def bot(make_bot, tmp_path):
    folder = tmp_path / "corpus"
    write(folder, "bridge.txt", BRIDGE)
    b = make_bot(folder, check_mode="code")
    b.ingest(progress=False)
    return b


def test_jsonl_import_stores_bylines_and_citations_carry_them(bot, tmp_path):
    outcomes = bot.add_files([_jsonl(tmp_path / "export.jsonl")])
    assert [o.status for o in outcomes] == ["added", "added", "rejected", "rejected", "rejected"]
    assert outcomes[0].name == "export.jsonl line 1 (storm-toll-rises.txt)"
    assert "line 3" in outcomes[2].name and "JSON object" in outcomes[2].message
    assert "no article text" in outcomes[3].message and "JSON" in outcomes[4].message
    records = {r.title: r for r in bot.store.documents().values()}
    march, may = records["Storm toll rises"], records["Storm toll revised"]
    assert (march.outlet, march.authors, march.published, march.url) == (
        "wire.example", ("Ana Ruiz",), D(2024, 3, 4), "https://www.wire.example/a")
    assert (may.outlet, may.authors, may.published) == ("Coast Daily", ("Ben Ode", "Cy Ng"), D(2024, 5, 6))
    assert bot.store.document(may.id).text.strip() == TOLL_MAY  # the header is not article text
    v = bot.check("The storm killed 40 people in the coastal province.", within=[may.id])
    cited = [c for c in v.evidence if c.doc_id == may.id]
    assert cited and (cited[0].outlet, cited[0].published) == ("Coast Daily", D(2024, 5, 6))
    # the same export again changes nothing; a later sync reads the same bylines from the stored copies
    assert {o.status for o in bot.add_files([tmp_path / "export.jsonl"]) if o.ok} == {"unchanged"}
    bot.ingest(progress=False)
    assert bot.store.documents()[may.id].published == D(2024, 5, 6)


def test_articles_chosen_by_date(bot, tmp_path):
    bot.add_files([_jsonl(tmp_path / "export.jsonl")])
    records = bot.store.documents()
    ids = lambda **kw: {records[i].title for i in dated_ids(records, None, **kw)}  # noqa: E731
    assert ids(since=D(2024, 4, 1), until=None, as_of=None) == {"Storm toll revised"}
    assert ids(since=None, until=D(2024, 4, 1), as_of=None) == {"Storm toll rises"}  # undated bridge.txt left out
    assert ids(since=None, until=None, as_of=D(2024, 4, 1)) == {"Storm toll rises", "Harbor Bridge Reopens After Repairs"}
    with pytest.raises(BadInput, match="Widen the dates"):
        dated_ids(records, None, D(2025, 1, 1), None, None)
    with pytest.raises(BadInput, match="Swap them"):
        dated_ids(records, None, D(2025, 1, 1), D(2024, 1, 1), None)
    v = bot.check("The storm killed 12 people in the coastal province.", until=D(2024, 4, 1))
    assert v.until == D(2024, 4, 1) and {c.title for c in v.evidence} <= {"Storm toll rises"}


# The most recent report --------------------------------------------------------------------------
def _cite(n: int, day: D | None) -> Citation:
    return Citation(n, f"d{n}", f"T{n}", f"/x/{n}.txt", "q", 0, 1, 1.0, published=day)


def test_the_most_recent_report_is_named_after_the_disagreement():
    opening = "The sources disagree: [1] says 12; [2] says 40."
    a = Answer("How many died?", f"{opening} The storm killed 12 people [1].", (_cite(1, D(2024, 3, 4)), _cite(2, D(2024, 5, 6))),
               False, conflicts=(Side("12", (_cite(1, None),), drafted=True), Side("40", (_cite(2, None),))))  # fmt: skip
    dated = with_dates(a, as_of=D(2024, 6, 1))
    assert dated.text == f"{opening} The most recent report, [2] (6 May 2024), says 40. The storm killed 12 people [1]."
    assert [(s.latest, s.newest) for s in dated.conflicts] == [(D(2024, 3, 4), False), (D(2024, 5, 6), True)]
    assert dated.as_of == D(2024, 6, 1)
    # the same day, or a side without a date: no side is called the most recent
    same = with_dates(Answer("q", opening, (_cite(1, D(2024, 5, 6)), _cite(2, D(2024, 5, 6))), False, conflicts=a.conflicts))
    undated = with_dates(Answer("q", opening, (_cite(1, D(2024, 5, 6)), _cite(2, None)), False, conflicts=a.conflicts))
    assert same.text == undated.text == opening and not any(s.newest for s in same.conflicts + undated.conflicts)


def test_dates_survive_json():
    from factbot.app.client import answer_from_dict
    from factbot.app.render import answer_text

    a = with_dates(Answer("q", "The sources disagree: [1] says 12; [2] says 40.", (_cite(1, D(2024, 3, 4)), _cite(2, D(2024, 5, 6))),
                          False, conflicts=(Side("12", (_cite(1, None),)), Side("40", (_cite(2, None),)))))  # fmt: skip
    back = answer_from_dict(json.loads(json.dumps(a.to_dict(), default=str)))
    assert back == a
    text = answer_text(back)
    assert "'40' (1 article, latest 6 May 2024, THE MOST RECENT REPORT): [2]" in text
    assert "[2] T2 — 6 May 2024 (/x/2.txt, chars 0-1)" in text


# The CLI ---------------------------------------------------------------------------------------
def test_cli_add_jsonl_and_list_json(tmp_path, capsys, monkeypatch):
    from factbot.app.cli import main

    monkeypatch.setenv("FACTBOT_CORPUS_DIR", str(tmp_path / "none"))
    assert main(["add", str(_jsonl(tmp_path / "export.jsonl"))]) == 2  # bad lines are named: exit code 2
    out = capsys.readouterr().out
    assert "export.jsonl line 1 (storm-toll-rises.txt): added" in out and "line 5 was not added" in out
    assert main(["list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    first, second = listing["articles"]  # newest first
    assert (first["title"], first["outlet"], first["authors"], first["published"], first["origin"], first["passages"]) == (
        "Storm toll revised", "Coast Daily", ["Ben Ode", "Cy Ng"], "2024-05-06", "upload", 1)
    assert second["url"] == "https://www.wire.example/a" and second["file"] == "storm-toll-rises.txt"
    assert main(["list"]) == 0
    assert "Coast Daily, 6 May 2024, by Ben Ode, Cy Ng" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:  # argparse refuses a date it cannot read
        main(["ask", "How many died?", "--since", "someday"])
    assert exit_.value.code == 2


def test_answer_reads_the_question_as_of_a_date(make_bot, tmp_path):
    """Control flow only (a FAKE scripted model that records its prompts): as_of is told to the
    model, later articles are left out, and the Answer says which dates it was asked with."""
    from ui_harness import ScriptedModel

    class Recording(ScriptedModel):  # FAKE
        prompts: list[str] = []

        def stream_chat(self, messages):
            self.prompts.append(messages[-1].content)
            yield from super().stream_chat(messages)

    folder = tmp_path / "corpus"
    write(folder, "march.txt", f"Title: Storm toll rises\nDate: 2024-03-04\n\n{TOLL_MARCH}\n")
    write(folder, "may.txt", f"Title: Storm toll revised\nDate: 2024-05-06\n\n{TOLL_MAY}\n")
    model = Recording(delay=0)
    bot = make_bot(folder, model=model, ablate="verifier_support")  # the verifier's gate is not under test
    a = bot.answer("How many people did the storm kill in the coastal province?", as_of=D(2024, 4, 1))
    assert a.as_of == D(2024, 4, 1) and "(Today is 1 April 2024.)" in model.prompts[-1]
    assert {e.title for e in a.evidence} == {"Storm toll rises"}  # the May report did not exist yet
    assert all(c.published == D(2024, 3, 4) for c in a.citations)
    a = bot.answer("How many people did the storm kill in the coastal province?", since=D(2024, 5, 1))
    assert a.since == D(2024, 5, 1) and {e.title for e in a.evidence} == {"Storm toll revised"}
    assert "Today is" not in model.prompts[-1]  # no reference date: the prompt as it always was
