"""The UI in a real browser: Debian's Chromium driven by Playwright, against the real app and model.

Asks "What did Kellogg clarify?", checks that the evidence shows before the answer, that the
answer and a highlighted card from the right article appear, that a [n] link jumps to its card,
and that the page requested nothing beyond loopback. Saves a screenshot in the test's tmp dir
(SAVE_SCREENSHOT=path also copies it there; docs/screenshot.png is one such copy)."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest
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
