"""The web UI in Debian's Chromium, for people's habits and for assistive technology: axe-core
(from the axe-playwright-python wheel, loaded from disk, no network) finds no serious or critical
violation on the Ask, Check a claim and Library tabs at 1280 px and 390 px; Copy gives plain text
with [n] markers and a numbered source list; Stop ends an answer and the next one still comes; a
reload keeps the conversation (the browser's storage) and its report; at 390 px the question box
is on screen and nothing is wider than the screen; sources show their outlet and date.

Control flow only: a FAKE scripted model (ui_harness.ScriptedModel) writes the answers."""

from __future__ import annotations

import json

import pytest
from ui_harness import CHROMIUM, CHROMIUM_ARGS, ScriptedModel, make_config, running_app

pytestmark = [pytest.mark.browser]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -e '.[test]'")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium", allow_module_level=True)

TIMEOUT_MS = 120_000
STORM = "The storm killed 40 people in the coastal province of Alvera, the regional governor said on Monday."
WIDTHS = {1280: 900, 390: 844}  # viewport width -> height (a phone is 390 x 844)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, embedder):
    from factbot.pipeline.factbot import FactBot

    folder = tmp_path_factory.mktemp("ui-a11y")
    # The verifier's answer gate is not what is tested here (and its weights are trained apart): off
    config = make_config(folder / "data", check_mode="code", ablate="verifier_support")
    # 0.4 s a word: the Stop test clicks while an answer is being written, with seconds to spare on a busy machine
    bot = FactBot(config, embedder=embedder, model=ScriptedModel(delay=0.4))
    bot.ingest(progress=False)
    export = folder / "export.jsonl"
    export.write_text(json.dumps({"text": STORM, "title": "Storm toll revised", "source": "Coast Daily",
                                  "published": "2024-05-06", "url": "https://coast.example/storm"}) + "\n")  # fmt: skip
    assert [o.status for o in bot.add_files([export])] == ["added"]
    with running_app(bot.config, bot=bot) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    return context, context.new_page()


def _ask(page, question: str) -> None:
    page.fill("#fb-msg textarea", question)
    page.keyboard.press("Enter")


def _settled(page, selector: str) -> None:
    """Wait until the element and all its ancestors are fully opaque: Gradio fades an output while
    its event runs, and axe would read the faded colours as low contrast."""
    page.wait_for_function(
        """sel => { for (let e = document.querySelector(sel); e; e = e.parentElement) {
                        if (parseFloat(getComputedStyle(e).opacity) < 1) return false; }
                    return true; }""",
        arg=selector, timeout=10_000,
    )  # fmt: skip


def _serious(page) -> list[str]:
    result = axe_sync.Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]  # fmt: skip


@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_finds_no_serious_violation_on_any_tab(app_url, browser, width):
    context, page = _page(browser, width)
    page.goto(app_url)
    page.wait_for_selector("#fb-msg textarea")
    if width == 390:  # the question box is on screen without scrolling, and nothing overflows sideways
        box = page.locator("#fb-msg textarea").bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= WIDTHS[width], box
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    _ask(page, "How many people did the storm in Alvera kill?")
    card = page.wait_for_selector("#fb-chat .fb-answered li.fb-card, #fb-chat .fb-abstained li.fb-card", timeout=TIMEOUT_MS)
    assert "Coast Daily" in card.inner_text() and "6 May 2024" in card.inner_text()  # the byline on the card
    page.wait_for_timeout(300)
    _settled(page, "#fb-chat .fb-card")
    assert _serious(page) == [], "Ask tab"
    page.get_by_role("tab", name="Check a claim").click()
    page.fill("#fb-claim textarea", "The storm killed 40 people in Alvera.")
    page.click("#fb-check")
    page.wait_for_selector("#fb-verdicts .fb-verdict", timeout=TIMEOUT_MS)
    _settled(page, "#fb-verdicts .fb-verdict")
    assert _serious(page) == [], "Check tab"
    page.get_by_role("tab", name="Library").click()
    row = page.wait_for_selector("#fb-library tr[data-doc]")
    assert "Storm toll revised" in row.inner_text() and "6 May 2024" in row.inner_text()  # newest first
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _serious(page) == [], "Library tab"
    context.close()


def test_copy_gives_plain_text_and_messages_have_readable_names(app_url, browser):
    context, page = _page(browser, 1280)
    page.goto(app_url)
    _ask(page, "How many people did the storm in Alvera kill?")
    page.wait_for_selector("#fb-chat .fb-answered", timeout=TIMEOUT_MS)
    bot_message = page.locator("#fb-chat [data-testid=bot]").last
    name = bot_message.get_attribute("aria-label")
    assert "<" not in name and "[1]" in name, name  # plain text, not the message's markup
    page.locator("#fb-chat button[aria-label='Copy message']").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "<" not in copied and "[1]" in copied and "Sources:" in copied, copied
    assert "[1] Storm toll revised — Coast Daily · 6 May 2024 (storm-toll-revised.txt)" in copied and "https://coast.example/storm" in copied
    assert page.get_by_role("textbox", name="Your question").count() == 1  # the input has a name
    context.close()


def test_stop_then_ask_again_and_a_reload_keeps_the_conversation(app_url, browser):
    context, page = _page(browser, 1280)
    page.goto(app_url)
    _ask(page, "What did Kellogg clarify?")
    page.wait_for_selector("#fb-chat .fb-pending .fb-text", timeout=TIMEOUT_MS)  # the model is writing
    page.click("#fb-stop")
    page.wait_for_selector("#fb-chat .fb-message-hint", timeout=10_000)
    assert "Stopped" in page.locator("#fb-chat [data-testid=bot]").last.inner_text()
    page.wait_for_timeout(2_000)  # the stopped answer never arrives
    assert page.locator("#fb-chat .fb-answered").count() == 0
    _ask(page, "How many people did the storm in Alvera kill?")  # the model was released: the next answer comes
    page.wait_for_selector("#fb-chat .fb-answered", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # the conversation is written to the browser's storage after the answer
    page.reload()
    page.wait_for_selector("#fb-chat .fb-answered", timeout=10_000)
    messages = page.locator("#fb-chat [data-testid=user]").all_inner_texts()
    assert messages == ["What did Kellogg clarify?", "How many people did the storm in Alvera kill?"]
    page.click("#fb-export-ask")  # the restored Answers still make a report
    page.wait_for_selector("#fb-report-ask a, #fb-report-ask .file-preview", timeout=30_000)
    assert "Report of 1 item" in page.inner_text("#fb-export-note-ask")
    context.close()
