"""Files -> Documents: furniture removed, article sentences kept, titles found; .html through
trafilatura, .md and .txt as text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import CORPUS, HTML, write

from factbot.index.clean import clean_text
from factbot.index.ingest import SourceFile, Unreadable, find_files, load_document, read_source

FURNITURE = [
    "Skip to content",
    "Home Latest",
    "Exit mobile version",
    "Read also:",
    "Written by Published",
    "Photo AI Imegen",
    "Will Trump-Putin Call End the War",  # the photo caption shown twice
    "Is it within Trump's power to compel Putin towards a peaceful resolution?",  # caption of 002
]

# Sentences of the articles that must survive cleaning, one or more per article.
KEPT = {
    "000_ea43c841d0afd95c.txt": ["He has repeatedly claimed that he could resolve the Ukraine war “in 24 hours”"],
    "001_93b11b6d99d7b0f3.txt": [
        "Is the Trump-Putin Meeting Still Possible?",
        "As global tensions simmer, particularly surrounding the Russia-Ukraine conflict",
        "His announcement of a 50-day deadline for Russia to engage in peace talks in July 2025",
    ],
    "002_a866e3e8c53c6af1.txt": [
        "Is Trump capable of compelling Putin to negotiate a truce?",
        "President Trump has expressed cautious optimism about reaching a deal within about two weeks.",
        "A follow-up meeting between Trump and Putin in Russia has already been agreed upon",
    ],
    "003_8114263770172673.txt": ["“We’re on the 10th yard line of peace,” Leavitt said."],
    "004_71cfdc51eac5ef26.txt": [
        "Trump and Putin Eye Key Meeting as Ukraine Ceasefire Talks Intensify",
        "But Kellogg quickly fired back on social media:",
        "“In discussions of partitioning, I was referencing zones of responsibility for allied forces—no U.S. troops involved.”",
        "Stay tuned. Things are just getting started.",
    ],
}

TITLES = {
    "001_93b11b6d99d7b0f3.txt": "Is the Trump-Putin Meeting Still Possible?",
    "002_a866e3e8c53c6af1.txt": "Is Trump capable of compelling Putin to negotiate a truce?",
    "004_71cfdc51eac5ef26.txt": "Trump and Putin Eye Key Meeting as Ukraine Ceasefire Talks Intensify",
}


def _load(path: Path):
    return load_document(read_source(path, 10_000_000))


def _source(name: str, data: bytes) -> SourceFile:
    return SourceFile(path=Path("/articles") / name, sha256=hashlib.sha256(data).hexdigest(), data=data)


# Bundled corpus ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(KEPT))
def test_bundled_article_loses_furniture_and_keeps_its_sentences(name):
    doc = _load(CORPUS / name)
    for junk in FURNITURE:
        assert junk.replace("'", "’") not in doc.text.replace("'", "’"), junk
    for sentence in KEPT[name]:
        assert sentence in doc.text
    # Lines of more than 25 words are article prose, never furniture: all of them are kept.
    raw = (CORPUS / name).read_text(encoding="utf-8")
    for line in raw.splitlines():
        if len(line.split()) > 25:
            assert line.strip() in doc.text, line[:80]


def test_repeated_title_and_caption_kept_once_or_dropped():
    doc = _load(CORPUS / "002_a866e3e8c53c6af1.txt")
    assert doc.text.count("Is Trump capable of compelling Putin to negotiate a truce?") == 1
    doc = _load(CORPUS / "001_93b11b6d99d7b0f3.txt")
    assert doc.text.count("Is the Trump-Putin Meeting Still Possible?") == 1
    assert "Photo AI Imegen" not in doc.text


@pytest.mark.parametrize("name", sorted(TITLES))
def test_bundled_titles(name):
    assert _load(CORPUS / name).title == TITLES[name]


def test_bundled_documents_are_stable_and_distinct():
    docs = [_load(p) for p in find_files(CORPUS)]
    assert len({d.id for d in docs}) == 5
    assert [d.id for d in docs] == [_load(p).id for p in find_files(CORPUS)]
    for d in docs:
        assert d.source == str((CORPUS / Path(d.source).name).resolve())
        assert d.sha256 == hashlib.sha256(Path(d.source).read_bytes()).hexdigest()


# clean_text on crafted lines --------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "Skip to content",
        "Skip to main content",
        "Home Latest Some Headline Here",
        "Home › World › Europe",
        "Exit mobile version",
        "Read also:",
        "Read more",
        "Related Articles",
        "Written by Published",
        "Published on:",
        "Share this article",
        "Advertisement",
        "Subscribe to our newsletter for daily updates",
        "Photo: Reuters / John Smith",
    ],
)
def test_furniture_line_removed(line):
    body = "The council approved the budget on Tuesday after a long debate."
    assert clean_text(f"{line}\n\n{body}\n{line}") == body


@pytest.mark.parametrize(
    "line",
    [
        "Home prices rose by 4 percent in the capital last year, the statistics office said.",
        "Published figures show the deficit narrowed.",
        "The photo agency said its reporter was detained.",
        "Subscribers to the paper were told on Monday that printing would stop.",
    ],
)
def test_article_line_that_starts_like_furniture_is_kept(line):
    assert clean_text(f"Headline\n\n{line}") == f"Headline\n\n{line}"


def test_caption_shown_twice_in_a_row_is_dropped_but_the_article_is_kept():
    text = "Title\n\nCaption of the photo, Photo Agency\nCaption of the photo, Photo Agency\n\nFirst sentence of the story."
    assert clean_text(text) == "Title\n\nFirst sentence of the story."


def test_kept_lines_are_verbatim():
    text = "Title  \r\n\r\n\r\n\r\n  Indented “quoted” line — with a dash.\r\nNext line…"
    assert clean_text(text) == "Title\n\n  Indented “quoted” line — with a dash.\nNext line…"


# Formats ----------------------------------------------------------------------------------------
def test_html_body_in_navigation_and_scripts_out():
    doc = load_document(_source("bridge.html", HTML.encode()))
    assert doc.title == "Harbor Bridge Reopens After Repairs"
    for sentence in [
        "The Harbor Bridge reopened to traffic on Monday after eleven weeks of repairs, the city transport office said.",
        "Mayor Lena Ortiz told reporters that the repairs cost 4.2 million dollars, less than the budget approved in spring.",
        "Engineers replaced corroded cables and resurfaced the deck, and inspectors signed off on the work late on Friday.",
    ]:
        assert sentence in doc.text
    for junk in ["World News Section", "Sports Coverage Hub", "tracker", "tracking pixel", ".nav", "Copyright", "Privacy"]:
        assert junk not in doc.text, junk
    assert "<" not in doc.text


def test_html_without_article_text_is_unreadable():
    page = "<html><head><title>Nothing</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    with pytest.raises(Unreadable, match="empty"):
        load_document(_source("empty.html", page.encode()))


def test_markdown_title_from_first_heading_and_markup_dropped():
    md = (
        "Intro line without a heading mark, long enough to count.\n\n"
        "# Harbor Bridge Reopens\n\nThe bridge reopened on Monday after eleven weeks of repairs.\n\n"
        "## Costs ##\n\nThe repairs cost 4.2 million dollars."
    )
    doc = load_document(_source("bridge.md", md.encode()))
    assert doc.title == "Harbor Bridge Reopens"
    assert "#" not in doc.text
    assert "Costs\n\nThe repairs cost 4.2 million dollars." in doc.text


def test_txt_title_from_first_line():
    doc = load_document(_source("bridge.txt", b"Harbor Bridge Reopens\n\nThe bridge reopened on Monday after repairs."))
    assert doc.title == "Harbor Bridge Reopens"
    assert doc.text.startswith("Harbor Bridge Reopens\n\nThe bridge reopened")


def test_txt_title_is_first_sentence_of_a_long_first_line_and_shortened():
    long_first = "President " + " ".join(["word"] * 40) + " ended here. A second sentence follows on the line."
    doc = load_document(_source("a.txt", long_first.encode()))
    assert len(doc.title) <= 120
    assert doc.title.endswith("…")
    assert "second sentence" not in doc.title
    short = "The council met on Monday. It approved the budget for the year."
    assert load_document(_source("b.txt", short.encode())).title == "The council met on Monday."


def test_utf8_bom_is_not_part_of_the_text():
    doc = load_document(_source("bom.txt", "\ufeffHeadline Here\n\nThe bridge reopened on Monday.".encode()))
    assert doc.title == "Headline Here"
    assert not doc.text.startswith("\ufeff")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"   \n\n  \n", "empty"),
        (b"Title\n\nToo short.", "empty"),
        (b"Some text \xff\xfe\xfa that is not UTF-8 at all, no way.", "not UTF-8"),
        (b"PK\x03\x04\x00\x00binary\x00data" * 10, "binary"),
    ],
    ids=["empty", "whitespace", "four-words", "latin-bytes", "nul-bytes"],
)
def test_unreadable_content(data, reason):
    with pytest.raises(Unreadable, match=reason):
        load_document(_source("bad.txt", data))


def test_too_large_file_is_unreadable(tmp_path):
    path = write(tmp_path, "big.txt", "A sentence that repeats. " * 100)
    with pytest.raises(Unreadable, match="too large"):
        read_source(path, max_bytes=1000)
    assert read_source(path, max_bytes=10_000).data == path.read_bytes()


def test_find_files_skips_hidden_and_unsupported(tmp_path):
    names = ["a.txt", "b.md", "c.html", "d.htm", "e.markdown", "sub/f.TXT", ".hidden.txt", ".git/g.txt", "x.pdf",
             "y.json", "z.docx", "~$z.docx", "w.doc", "v.pptx"]  # fmt: skip
    for name in names:
        write(tmp_path, name, "text")
    found = [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path)]
    assert found == ["a.txt", "b.md", "c.html", "d.htm", "e.markdown", "sub/f.TXT", "x.pdf", "z.docx"]
