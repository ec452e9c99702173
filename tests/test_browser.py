"""The UI in a real browser: Debian's Chromium driven by Playwright, against the real app and model.

Asks "What did Kellogg clarify?", checks that the evidence shows before the answer, that the
answer and a highlighted card from the right article appear, that a [n] link jumps to its card,
and that the page requested nothing beyond loopback. Saves a screenshot in the test's tmp dir
(SAVE_SCREENSHOT=path also copies it there; docs/screenshot.png is one such copy).

The library flow: uploads a PDF press release (with an encrypted and an image-only PDF that are
refused by name), asks within it alone (the card shows its page), downloads the conversation's
report, and deletes the PDF through the confirmation step. SAVE_SCREENSHOTS=folder copies its
screenshots there (docs/ holds the ones the README shows)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import encrypted_pdf, pdf_bytes
from ui_harness import CHROMIUM, CHROMIUM_ARGS, KELLOGG_DOC, make_config, running_app

pytestmark = [pytest.mark.browser, pytest.mark.model]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)", allow_module_level=True)

ANSWER_TIMEOUT_MS = 300_000  # the model may be shared with other processes on 2 cores


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, embedder):
    from factbot.pipeline.factbot import FactBot

    bot = FactBot(make_config(tmp_path_factory.mktemp("ui-browser")), embedder=embedder)
    bot.ingest(progress=False)
    with running_app(bot.config, bot=bot) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_ask_kellogg_in_the_browser(app_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1200, "height": 1100})
    hosts = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname))
    page.goto(app_url)

    page.get_by_text("What did Kellogg clarify?", exact=True).first.click()  # the example in the empty chat

    pending = page.wait_for_selector("#fb-chat .fb-pending li.fb-card", timeout=ANSWER_TIMEOUT_MS)
    assert pending is not None  # the passages show while the model is still writing
    done = page.wait_for_selector("#fb-chat .fb-answered, #fb-chat .fb-abstained", timeout=ANSWER_TIMEOUT_MS)
    assert "fb-answered" in done.get_attribute("class"), done.inner_text()

    text = page.inner_text("#fb-chat .fb-answered .fb-text").lower()
    assert any(k in text for k in ("resilien", "zones of responsibility", "troops")), text
    card = page.locator("#fb-chat .fb-answered li.fb-card").filter(has_text=KELLOGG_DOC).first
    assert card.count() == 1, done.inner_html()
    assert card.locator("mark").count() == 1 and card.locator("mark").inner_text().strip(), card.inner_html()
    assert card.locator(".fb-title").inner_text().strip()

    link = page.locator("#fb-chat .fb-answered a.fb-cite").first
    target = link.get_attribute("href")
    link.click()
    page.wait_for_function("h => location.hash === h", arg=target)
    assert page.evaluate("document.querySelector(':target')?.classList.contains('fb-card')")

    page.wait_for_timeout(300)
    shot = tmp_path / "factbot-ui.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("SAVE_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["SAVE_SCREENSHOT"])

    assert hosts <= {"127.0.0.1", "localhost"}, f"the page requested other hosts: {hosts}"
    page.close()


def test_bad_input_keeps_the_session(app_url, browser):
    page = browser.new_page()
    page.goto(app_url)
    box = page.locator("#fb-msg textarea")
    box.fill("   ")
    box.press("Enter")
    page.wait_for_selector("#fb-status .fb-message-hint")
    box.fill("x" * 2001)
    page.locator("#fb-ask").click()
    error = page.wait_for_selector("#fb-status .fb-message-error")
    assert "2,000" in error.inner_text()
    assert page.locator("#fb-chat .fb-answer").count() == 0  # nothing sent, nothing broken
    box.fill("What is the best recipe for banana bread?")  # abstains before the model: cheap
    box.press("Enter")
    page.wait_for_selector("#fb-chat .fb-abstained .fb-notice")
    assert page.locator("#fb-status .fb-message").count() == 0
    page.close()


# The library, a PDF, asking within, the report ---------------------------------------------------
PRESS_RELEASE = [
    [
        "Cooper Tunnel Opens to Traffic",
        "Press release of the Regional Transport Authority",
        "",
        "The Cooper Tunnel under the Alder River opened to cars and buses on Sunday",
        "morning, after four years of construction and two months of safety tests.",
        "Around 14,000 vehicles a day are expected to use the tunnel in its first year.",
    ],
    [
        "Transport officials said the Cooper Tunnel cost 90 million dollars to build,",
        "of which the national government paid 35 million dollars.",
        "Director Maria Keane said the tunnel would cut the drive from Northgate to the",
        "harbour from forty minutes to twelve.",
    ],
]


def _shot(page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("SAVE_SCREENSHOTS"):
        shutil.copyfile(shot, Path(os.environ["SAVE_SCREENSHOTS"]) / name)


def _choose(page, dropdown: str, option_text: str) -> None:
    """Pick an option of a Gradio multiselect dropdown by its visible text."""
    page.locator(f"{dropdown} input").click()
    page.locator("[role=option]", has_text=option_text).first.click()
    page.keyboard.press("Escape")


def test_pdf_upload_ask_within_report_and_delete(app_url, browser, tmp_path):
    files = {
        "cooper-tunnel.pdf": pdf_bytes(PRESS_RELEASE, title="Cooper Tunnel Opens to Traffic"),
        "locked.pdf": encrypted_pdf(pdf_bytes(PRESS_RELEASE)),
        "scan.pdf": pdf_bytes([[], []]),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    page = browser.new_page(viewport={"width": 1200, "height": 1000}, accept_downloads=True)
    hosts = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname))
    page.goto(app_url)

    # Upload: the good PDF goes in, the bad ones are named with their reason
    page.get_by_role("tab", name="Library").click()
    page.locator("#fb-upload input[type=file]").set_input_files([str(tmp_path / n) for n in files])
    page.wait_for_timeout(500)
    page.locator("#fb-add").click()
    page.wait_for_selector("#fb-upload-report li.fb-ok", timeout=ANSWER_TIMEOUT_MS)
    report = page.inner_text("#fb-upload-report")
    assert "cooper-tunnel.pdf: added" in report, report
    assert "locked.pdf was not added: encrypted PDF" in report and "scan.pdf was not added: no text in this PDF" in report
    assert "Cooper Tunnel Opens to Traffic" in page.inner_text("#fb-library")
    _shot(page, tmp_path, "library.png")

    # Ask within the PDF alone: its card shows the page; a question about another article is not answered from it
    _choose(page, "#fb-within", "cooper-tunnel.pdf")
    page.get_by_role("tab", name="Ask").click()
    box = page.locator("#fb-msg textarea")
    box.fill("How much did the Cooper Tunnel cost to build?")
    box.press("Enter")
    done = page.wait_for_selector("#fb-chat .fb-answered, #fb-chat .fb-abstained", timeout=ANSWER_TIMEOUT_MS)
    assert "fb-answered" in done.get_attribute("class"), done.inner_text()
    assert "Searched only within: Cooper Tunnel Opens to Traffic" in done.inner_text()
    cards = page.locator("#fb-chat .fb-answered li.fb-card")
    assert cards.count() >= 1 and all("cooper-tunnel.pdf" in cards.nth(i).inner_text() for i in range(cards.count()))
    assert "90 million" in page.inner_text("#fb-chat .fb-answered .fb-text")
    assert "p. 2" in page.inner_text("#fb-chat .fb-answered .fb-page")
    page.wait_for_timeout(300)
    _shot(page, tmp_path, "ask-within.png")
    box.fill("What did Kellogg clarify?")
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#fb-chat .fb-answer:not(.fb-pending)').length === 2",
                           timeout=ANSWER_TIMEOUT_MS)  # fmt: skip
    assert page.locator(f"#fb-chat li.fb-card[data-source='{KELLOGG_DOC}']").count() == 0

    # The conversation's report, downloaded as Markdown and as JSON
    page.locator("#fb-export-ask").click()
    md_link = page.locator("#fb-report-ask a[download$='.md']")
    md_link.wait_for(timeout=60_000)
    with page.expect_download() as download:
        md_link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. Question: How much did the Cooper Tunnel cost to build?" in text and "## 2. Question: What did Kellogg clarify?" in text
    assert "cooper-tunnel.pdf, p. 2, characters" in text and "Searched only within 1 article(s)" in text
    with page.expect_download() as download:
        page.locator("#fb-report-ask a[download$='.json']").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [i["question"] for i in data["items"]] == ["How much did the Cooper Tunnel cost to build?", "What did Kellogg clarify?"]
    assert all(q["page"] == 2 for q in data["items"][0]["quotes"])
    _shot(page, tmp_path, "report.png")

    # Delete the PDF: nothing happens before the confirmation
    page.get_by_role("tab", name="Library").click()
    _choose(page, "#fb-select", "cooper-tunnel.pdf")
    page.locator("#fb-delete").click()
    page.wait_for_selector("#fb-confirm .fb-confirm-text")
    assert "its uploaded copy deleted" in page.inner_text("#fb-confirm")
    assert "Cooper Tunnel Opens to Traffic" in page.inner_text("#fb-library")
    page.wait_for_timeout(300)
    _shot(page, tmp_path, "delete-confirm.png")
    page.locator("#fb-confirm-yes").click()
    page.wait_for_selector("#fb-lib-status li.fb-ok")
    assert "Removed 'Cooper Tunnel Opens to Traffic' (cooper-tunnel.pdf) and its uploaded copy." in page.inner_text("#fb-lib-status")
    page.wait_for_function("!document.querySelector('#fb-library').innerText.includes('Cooper Tunnel')")
    assert "Cooper Tunnel" not in page.inner_text("#fb-within")  # the selection lost the deleted article

    assert hosts <= {"127.0.0.1", "localhost"}, f"the page requested other hosts: {hosts}"
    page.close()


# Sources that disagree ----------------------------------------------------------------------------
DEAL_A = ("Orbitel buys Chatterly", "In February 2014, Orbitel acquired the messaging app Chatterly for $19 billion, "
          "the company announced on Wednesday. Chatterly's founders will join Orbitel's board.")
DEAL_B = ("Chatterly deal confirmed", "Regulators cleared the deal on Friday. In February 2014, Orbitel acquired the "
          "messaging app Chatterly for $19 billion, the company announced.")
DEAL_C = ("Tech roundup", "A busy week in technology. In February 2014, Vantix acquired the messaging app Chatterly "
          "for $19 billion, the company announced. Analysts had expected a smaller price.")


def test_sources_that_disagree_show_a_badge_and_each_sides_cards(browser, tmp_path, embedder):
    from ui_harness import TEST_ENV_KEYS

    from factbot.core.config import Config
    from factbot.pipeline.factbot import FactBot

    corpus = tmp_path / "deals"
    corpus.mkdir()
    for i, (title, body) in enumerate((DEAL_A, DEAL_B, DEAL_C)):
        (corpus / f"deal-{i}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k in TEST_ENV_KEYS}
    config = Config.from_env(env=env, data_dir=tmp_path / "data", corpus_dir=corpus)
    bot = FactBot(config, embedder=embedder)
    bot.ingest(progress=False)
    with running_app(bot.config, bot=bot) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(url)
        box = page.locator("#fb-msg textarea")
        box.fill("Which company acquired the messaging app Chatterly?")
        box.press("Enter")
        done = page.wait_for_selector("#fb-chat .fb-answered, #fb-chat .fb-abstained", timeout=ANSWER_TIMEOUT_MS)
        assert "fb-answered" in done.get_attribute("class"), done.inner_text()
        assert page.locator("#fb-chat .fb-badge-conflicting").inner_text() == "Sources disagree"
        sides = page.locator("#fb-chat .fb-side")
        assert sides.count() == 2
        heads = " ".join(sides.nth(i).locator(".fb-sources-head").inner_text() for i in range(2))
        assert "ORBITEL" in heads.upper() and "VANTIX" in heads.upper(), heads
        assert "Vantix" in sides.filter(has_text="Vantix").locator("li.fb-card mark").first.inner_text()
        page.wait_for_timeout(300)
        _shot(page, tmp_path, "conflict.png")
        page.close()
