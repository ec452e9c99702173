"""Fact-check reports (Markdown to read, JSON to process) and the CLI's library commands and
--within / --report flags. Rendering is pure; the CLI runs in-process on a crafted corpus with
the real embedder and Chroma (claims in code mode; a scripted model for `ask`)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from conftest import BRIDGE, OBSERVATORY, ORCHARD, pdf_bytes, write

from factbot.app import cli
from factbot.app.report import md, render, report_dict, report_format, report_markdown
from factbot.core.types import AbstainReason, Answer, Citation, Evidence, Label, Stance, Verdict

NOW = datetime(2025, 5, 6, 7, 8, tzinfo=timezone.utc)
QUOTE = "Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars."
CITE = Citation(1, "bridge-1", "Harbor <Bridge> *Reopens*", "/news/bridge.pdf", QUOTE, 120, 120 + len(QUOTE), 0.9, page=2)
ANSWER = Answer("What did the repairs cost?", "The repairs cost 4.2 million dollars [1].", (CITE,), False,
                within=("bridge-1",))  # fmt: skip
VERDICT = Verdict("The repairs cost 9 million dollars.", Label.REFUTED, "The article gives another sum.",
                  (Citation(1, "bridge-1", "Harbor Bridge", "/news/bridge.pdf", QUOTE, 120, 195, 0.8, Stance.REFUTES, 2),),
                  0.9)  # fmt: skip
ABSTAINED = Answer("Who won the match?", "The articles do not say.", (), True, reason=AbstainReason.NO_RELEVANT_PASSAGES,
                   evidence=(Evidence(1, "orchard-1", "Valley Orchards", "/news/orchard.txt", "Growers expect a record harvest.", 10, 42, 0.2),))  # fmt: skip
LIBRARY = {"bridge-1": SimpleNamespace(title="Harbor Bridge Reopens", source="/news/bridge.pdf")}


# Rendering ------------------------------------------------------------------------------------
def test_markdown_report_has_every_item_quote_span_and_page():
    out = report_markdown([ANSWER, VERDICT, ABSTAINED], LIBRARY, now=NOW)
    assert out.startswith("# Fact-check report\n") and "2025-05-06 07:08 UTC: 2 questions, 1 claim, 1 article quoted." in out
    assert "## 1. Question: What did the repairs cost?" in out
    assert "**Answer:** The repairs cost 4.2 million dollars [1]." in out  # markers stay readable
    assert f"[1] “Harbor \\<Bridge\\> \\*Reopens\\*”, bridge.pdf, p. 2, characters 120–{CITE.end}" in out
    assert f"> {QUOTE}" in out
    assert "Searched only within 1 article(s): “Harbor Bridge Reopens” (bridge.pdf)." in out
    assert "## 2. Claim: The repairs cost 9 million dollars." in out
    assert "**Verdict: Refuted** (REFUTED, confidence 0.90)" in out and "[1] *refutes*: “Harbor Bridge”" in out
    assert "**Not answered from the articles.** The articles do not say." in out
    assert "**Closest passages** (not cited; for you to judge)" in out and "orchard.txt, characters 10–42" in out
    assert "## Articles quoted" in out and "/news/bridge.pdf" in out
    assert "How to verify" in out


def test_markdown_escapes_article_text():
    evil = Citation(1, "d", "<script>alert(1)</script>", "/x/a.md", "[click](javascript:alert(1)) **bold** `code`", 0, 40, 1.0)
    out = report_markdown([Answer("Q <b>?", "A [1].", (evil,), False)], now=NOW)
    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark").render(out)  # as a Markdown viewer shows it: raw HTML allowed
    assert "<script>" not in page and "<b>" not in page and "<a " not in page and "<strong>bold" not in page
    assert "[click](javascript:alert(1)) **bold** `code`" in page  # the article's words, shown as written
    assert "\\[click\\](javascript:alert(1))" in out and "\\*\\*bold\\*\\*" in out
    assert md("a_b | _c_ # d") == "a_b \\| \\_c\\_ \\# d"


def test_json_report_is_complete_and_exact():
    data = json.loads(render([ANSWER, VERDICT, ABSTAINED], "json", LIBRARY, now=NOW))
    assert data["generated_at"] == "2025-05-06T07:08:00+00:00" and len(data["items"]) == 3
    q, c, a = data["items"]
    assert (q["n"], q["kind"], q["question"], q["answer"], q["abstained"]) == (1, "question", ANSWER.question, ANSWER.text, False)
    assert q["within"] == [{"doc_id": "bridge-1", "title": "Harbor Bridge Reopens", "file": "bridge.pdf"}]
    assert q["quotes"][0] | {} == {"n": 1, "title": CITE.title, "file": "bridge.pdf", "source": "/news/bridge.pdf",
                                   "doc_id": "bridge-1", "start": 120, "end": CITE.end, "page": 2, "quote": QUOTE, "score": 0.9,
                                   "outlet": None, "authors": [], "published": None, "url": None}
    assert (c["kind"], c["verdict"], c["confidence"], c["quotes"][0]["stance"]) == ("claim", "REFUTED", 0.9, "refutes")
    assert a["reason"] == "no_relevant_passages" and a["closest_passages"][0]["file"] == "orchard.txt"
    assert data["articles"] == [{"doc_id": "bridge-1", "title": CITE.title, "file": "bridge.pdf", "source": "/news/bridge.pdf",
                                 "outlet": None, "authors": [], "published": None, "url": None}]


def test_a_claim_asked_in_the_chat_is_reported_as_a_claim():
    asked = Answer("Is it true that the repairs cost 9 million?", "REFUTED: ...", VERDICT.evidence, False, verdict=VERDICT)
    item = report_dict([asked], now=NOW)["items"][0]
    assert (item["kind"], item["claim"], item["asked"], item["verdict"]) == ("claim", VERDICT.claim, asked.question, "REFUTED")
    assert "Asked as: Is it true that the repairs cost 9 million?" in report_markdown([asked], now=NOW)


def test_empty_report_and_formats():
    assert "Nothing was asked or checked yet." in report_markdown([], now=NOW)
    assert report_format("out.MD") == "markdown" and report_format("x/out.json") == "json"
    with pytest.raises(ValueError, match=".md or .json"):
        report_format("out.txt")


# CLI ------------------------------------------------------------------------------------------
@pytest.fixture
def corpus(tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    write(folder, "bridge.txt", BRIDGE)
    write(folder, "orchard.txt", ORCHARD)
    write(folder, "observatory.md", OBSERVATORY)
    monkeypatch.setenv("FACTBOT_CORPUS_DIR", str(folder))
    monkeypatch.setenv("FACTBOT_CHECK_MODE", "code")
    return folder


@pytest.fixture
def run(monkeypatch, capsys, embedder, corpus):
    """factbot's main() in-process, with the session's MiniLM and a scripted model."""
    from ui_harness import ScriptedModel

    monkeypatch.setattr("factbot.pipeline.factbot.Embedder", lambda threads=None: embedder)
    monkeypatch.setattr("factbot.pipeline.factbot.get_model", lambda config: ScriptedModel(delay=0))

    def go(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return go


def test_cli_ask_within_and_report(run, tmp_path):
    out_md, out_json = tmp_path / "report.md", tmp_path / "report.json"
    code, out, err = run("ask", "How much did the Harbor Bridge repairs cost?", "--within", "bridge.txt", "--report", str(out_md))
    assert code == 0, err
    assert "searched only within: bridge-" in out and f"report written to {out_md}" in err
    text = out_md.read_text()
    assert "## 1. Question: How much did the Harbor Bridge repairs cost?" in text and "Searched only within 1 article(s)" in text
    code, out, err = run("ask", "How much did the Harbor Bridge repairs cost?", "--within", "orchard.txt",
                         "--within", "observatory.md", "--json", "--report", str(out_json))  # fmt: skip
    assert code == 0, err
    answer = json.loads(out)
    assert all(not c["source"].endswith("bridge.txt") for c in answer["citations"])
    assert all(not e["source"].endswith("bridge.txt") for e in answer["evidence"])
    assert len(json.loads(out_json.read_text())["items"][0]["within"]) == 2


def test_cli_check_text_file_with_a_report(run, tmp_path):
    draft = write(tmp_path, "draft.pdf", pdf_bytes([
        ["Draft: Bridge and Orchards"],
        ["Mayor Lena Ortiz said the repairs cost 4.2 million dollars. Omar Haddad warned that a shortage of "
         "pickers could leave fruit on the branches."],
    ]))  # fmt: skip
    report = tmp_path / "checks.md"
    code, out, err = run("check", "--text", str(draft), "--report", str(report))
    assert code == 0, err
    assert out.count("SUPPORTED") >= 2, out
    text = report.read_text()
    assert "## 1. Claim: Mayor Lena Ortiz said the repairs cost 4.2 million dollars." in text
    assert "## 2. Claim: Omar Haddad warned" in text and "bridge.txt" in text and "orchard.txt" in text
    code, out, err = run("check", "--text", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt does not exist" in err


def test_cli_report_path_is_checked_before_anything_runs(run, tmp_path):
    code, out, err = run("ask", "What did Omar Haddad warn?", "--report", str(tmp_path / "r.txt"))
    assert code == 2 and ".md or .json" in err and out == ""
    code, _, err = run("check", "Omar Haddad warned.", "--report", str(tmp_path / "no" / "such" / "r.md"))
    assert code == 2 and "does not exist" in err


def test_cli_list_remove_restore(run, corpus, tmp_path, monkeypatch):
    assert run("ingest")[0] == 0
    code, out, _ = run("list")
    assert code == 0 and "3 articles" in out and "orchard.txt" in out and "Valley Orchards" in out

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out, err = run("remove", "orchard.txt")
    assert code == 2 and "--yes" in err  # no confirmation, nothing removed
    assert "3 articles" in run("list")[1]

    code, out, err = run("remove", "orchard.txt", "--yes")
    assert code == 0 and "stays where it is" in out
    assert (corpus / "orchard.txt").exists()
    code, out, _ = run("list")
    assert "2 articles" in out and "Removed from the library" in out and str(corpus / "orchard.txt") in out
    code, out, err = run("ask", "What did Omar Haddad warn about?", "--within", "orchard.txt")  # it stays removed after a sync
    assert code == 2 and "No article in the library is called 'orchard.txt'" in err

    assert run("restore", "orchard.txt")[0] == 0
    assert "3 articles" in run("list")[1]
    code, _, err = run("remove", "nope.txt", "--yes")
    assert code == 2 and "nope.txt" in err


def test_cli_add_and_replace(run, tmp_path):
    run("ingest")
    a = write(tmp_path / "in", "memo.txt", BRIDGE.replace("Harbor", "Canal"))
    b = write(tmp_path / "in2", "memo.txt", ORCHARD.replace("Tamsin", "Brook"))
    bad = write(tmp_path / "in", "scan.pdf", pdf_bytes([[]]))
    code, out, _ = run("add", str(a), str(b), str(bad))
    assert code == 2  # one file was rejected; the others went in
    assert "memo.txt: added\n" in out and "added as memo (2).txt" in out and "scan.pdf was not added: no text" in out
    assert "5 articles" in run("list")[1]
    new = write(tmp_path / "in3", "memo-v2.txt", OBSERVATORY.replace("Kestrel", "Falcon"))
    code, out, _ = run("replace", "memo (2).txt", str(new))
    assert code == 0 and "memo-v2.txt: added" in out and "uploaded copy" in out
    listing = run("list")[1]
    assert "memo (2).txt" not in listing and "memo-v2.txt" in listing and "5 articles" in listing
