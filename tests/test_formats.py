"""PDF, Word and Markdown files -> Documents: plain text whose offsets are exact, page starts for
PDFs, titles from the document itself; bad files are Unreadable with a reason that says what to do."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import docx_bytes, encrypted_pdf, pdf_bytes

from factbot.index.formats import markdown_text, unwrap_lines
from factbot.index.ingest import SourceFile, Unreadable, load_document
from factbot.text.sentences import sentence_spans


def _doc(name: str, data: bytes | str):
    data = data.encode() if isinstance(data, str) else data
    return load_document(SourceFile(Path("/articles") / name, hashlib.sha256(data).hexdigest(), data))


BRIDGE_PAGES = [
    [
        "Harbor Bridge Reopens After Repairs",
        "The Harbor Bridge reopened to traffic on Monday after eleven weeks of",
        "repairs, the city transport office said.",
        "City Transport Bulletin",
        "1",
    ],
    [
        "Mayor Lena Ortiz told reporters that the repairs cost 4.2 million",
        "dollars, less than the budget approved in spring.",
        "City Transport Bulletin",
        "Page 2 of 3",
    ],
    [],  # a scanned page: no text
    [
        "Engineers replaced corroded cables and resurfaced the deck.",
        "City Transport Bulletin",
    ],
]


# PDF ------------------------------------------------------------------------------------------
def test_pdf_text_pages_and_title():
    doc = _doc("bridge.pdf", pdf_bytes(BRIDGE_PAGES, title="Harbor Bridge Bulletin"))
    assert doc.title == "Harbor Bridge Bulletin"  # from the PDF's metadata
    assert len(doc.pages) == 4 and doc.pages[0] == 0
    sentence = "The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs, the city transport office said."
    assert sentence in doc.text  # visual lines joined into one paragraph: one sentence, not two halves
    assert "Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars, less than the budget" in doc.text
    assert doc.text.count("City Transport Bulletin") == 1  # a running footer is kept once
    assert "Page 2 of 3" not in doc.text and "\n1\n" not in doc.text  # page numbers dropped
    assert doc.page_at(doc.text.index("The Harbor Bridge")) == 1
    assert doc.page_at(doc.text.index("Mayor Lena Ortiz")) == 2
    assert doc.page_at(doc.text.index("Engineers replaced")) == 4  # page 3 is empty
    for s0, s1 in sentence_spans(doc.text):  # sentences never run across a page break
        assert doc.page_at(s0) == doc.page_at(s1 - 1)


def test_pdf_title_from_its_first_line_without_metadata():
    assert _doc("bridge.pdf", pdf_bytes(BRIDGE_PAGES)).title == "Harbor Bridge Reopens After Repairs"
    useless = pdf_bytes(BRIDGE_PAGES, title="Microsoft Word - bulletin.docx")
    assert _doc("bridge.pdf", useless).title == "Harbor Bridge Reopens After Repairs"


def test_pdf_protected_only_against_editing_opens():
    doc = _doc("bridge.pdf", encrypted_pdf(pdf_bytes(BRIDGE_PAGES), user_password=""))
    assert "Mayor Lena Ortiz" in doc.text


@pytest.mark.parametrize(
    "data, reason",
    [
        (lambda: encrypted_pdf(pdf_bytes(BRIDGE_PAGES)), "encrypted PDF: it needs a password"),
        (lambda: pdf_bytes([[], []]), "no text in this PDF: its 2 pages are only images (a scan?). Run OCR"),
        (lambda: b"%PDF-1.4\n1 0 obj garbage", "not a readable PDF"),
        (lambda: b"", "not a readable PDF"),
    ],
    ids=["encrypted", "image-only", "broken", "empty"],
)
def test_bad_pdfs_are_unreadable_with_a_reason(data, reason):
    with pytest.raises(Unreadable, match=re.escape(reason)):
        _doc("bad.pdf", data())


def test_unwrap_keeps_headings_and_paragraph_ends():
    page = "Section Title\nA long line of the paragraph that goes on and on to the right margin of\nthe page ends here.\nNext paragraph."
    assert unwrap_lines(page).split("\n\n") == [
        "Section Title",
        "A long line of the paragraph that goes on and on to the right margin of the page ends here.",
        "Next paragraph.",
    ]
    assert unwrap_lines("A word split at the end of a long, long, long line is recon-\nstructed here.") == (
        "A word split at the end of a long, long, long line is recon-structed here."
    )


# Word -----------------------------------------------------------------------------------------
def test_docx_paragraphs_tables_and_title():
    data = docx_bytes(
        [("Title", "Council Approves Budget"), ("Normal", "The council approved the budget on Tuesday after a long debate."),
         ("Heading 1", "Costs"), ("Normal", "The budget totals 12 million euros.")],
        table=[["Item", "Cost"], ["Roads", "5 million"]],
    )  # fmt: skip
    doc = _doc("budget.docx", data)
    assert doc.title == "Council Approves Budget" and doc.pages == ()
    assert "The council approved the budget on Tuesday after a long debate." in doc.text
    assert "Costs\n\nThe budget totals 12 million euros." in doc.text
    assert "Roads | 5 million" in doc.text


def test_docx_title_from_its_properties():
    data = docx_bytes([("Normal", "The council approved the budget on Tuesday after a long debate.")], title="Budget Day")
    assert _doc("budget.docx", data).title == "Budget Day"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"PK\x03\x04 not really a zip", "not a readable Word .docx file"),
        (b"plain text renamed to docx", "not a readable Word .docx file"),
        (lambda: docx_bytes([("Normal", "Too short.")]), "empty"),
    ],
    ids=["broken-zip", "not-a-zip", "empty"],
)
def test_bad_docx_is_unreadable(data, reason):
    with pytest.raises(Unreadable, match=reason):
        _doc("bad.docx", data() if callable(data) else data)


# Markdown -------------------------------------------------------------------------------------
MARKDOWN = """# Harbor *Bridge* Reopens

The bridge [reopened](https://example.com/story) on Monday ![photo of the bridge](http://img.example/x.png) after
eleven weeks of repairs, <span onclick="steal()">the city said</span>.
Read the [full notice](javascript:alert(document.cookie)) or <script>steal()</script>ask the office &amp; the mayor.

<div class="ad"><script>track()</script><p>Mayor Lena Ortiz said the repairs cost 4.2 million dollars.</p></div>

- Engineers replaced corroded cables.
- Inspectors signed off on Friday.

| Item | Cost |
|---|---|
| Cables | 1.1 million |
"""


def test_markdown_becomes_plain_text():
    doc = _doc("bridge.md", MARKDOWN)
    assert doc.title == "Harbor Bridge Reopens"
    assert "The bridge reopened on Monday after eleven weeks of repairs, the city said." in doc.text
    assert "Read the full notice or ask the office & the mayor." in doc.text  # link text kept
    assert "Mayor Lena Ortiz said the repairs cost 4.2 million dollars." in doc.text
    assert "Engineers replaced corroded cables.\n\nInspectors signed off on Friday." in doc.text
    assert "Cables | 1.1 million" in doc.text
    for markup in ["![", "](", "http", "javascript", "<", ">", "steal", "track", "*", "#", "onclick", "photo of"]:
        assert markup not in doc.text, markup


def test_markdown_chunks_and_quotes_index_the_plain_text(embedder):
    from factbot.index.chunk import chunk_document

    doc = _doc("bridge.md", MARKDOWN)
    for c in chunk_document(doc, 200, embedder.count_tokens):
        assert doc.text[c.start : c.end] == c.text
    for s0, s1 in sentence_spans(doc.text):
        assert doc.text[s0:s1].strip() and "](" not in doc.text[s0:s1]


def test_markdown_title_from_front_matter_then_first_level_one_heading():
    text, title = markdown_text('---\ntitle: "Budget Day"\nauthor: A. Writer\n---\n## Intro\n\n# Council\n\nText here.')
    assert title == "Budget Day" and "author" not in text and text.startswith("Intro")
    assert markdown_text("## Intro\n\n# Council\n\nText.")[1] == "Council"
    assert markdown_text("## Only ##\n\nText.")[1] == "Only"
    assert markdown_text("Just text, no heading at all.")[1] is None


def test_pdf_and_word_files_may_be_larger_than_text_files(tmp_path):
    from factbot.index.ingest import read_source

    data = pdf_bytes([["The council approved the budget on Tuesday after a long debate."]] * 20)
    (tmp_path / "a.pdf").write_bytes(data)
    (tmp_path / "a.txt").write_bytes(data)
    limit = len(data) // 2
    assert read_source(tmp_path / "a.pdf", limit).data == data  # their images count in their size
    with pytest.raises(Unreadable, match="too large"):
        read_source(tmp_path / "a.txt", limit)
    with pytest.raises(Unreadable, match="too large"):
        read_source(tmp_path / "a.pdf", len(data) // 20)
