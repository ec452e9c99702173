"""factbot's web UI (Gradio): streamed cited answers, claim checks, the library and uploads, and
fact-check reports of a session.

Thin: each handler validates input, calls FactBot, and renders with bot.ui_render. The shared
state is the one FactBot, created at start (thread-safe; the model is serialized by its lock);
each browser session keeps its own Answers and Verdicts (gr.State) for its report, and each
request renders its own answer's sources from its own Answer."""

from __future__ import annotations

import html
import json
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from factbot.app import ui_render as R
from factbot.app.guard import public_text, ui_middleware
from factbot.app.followup import standalone_question
from factbot.app.report import render
from factbot.app.ui_library import article_choices, build_library_tab, make_refresh
from factbot.core.config import Config, library_env
from factbot.core.errors import BadInput, FactbotError
from factbot.core.types import Done, EvidenceReady, Token
from factbot.text.sentences import sentence_spans

log = logging.getLogger(__name__)

EXAMPLES = [
    "What did Kellogg clarify?",
    "How long was Steve Witkoff's meeting with Putin in St. Petersburg?",
    "What did Peskov tell Russian state media about a Trump-Putin meeting?",
]
CLAIM_EXAMPLES = [
    "John Healey called the coalition's plans unclear.",
    "Putin has confirmed he will attend the parade in Beijing.",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CHAT_CONCURRENCY = 8  # retrieval runs side by side, so every tab sees its evidence early; the model takes one at a time
THEME = gr.themes.Base(
    primary_hue="blue",
    neutral_hue="slate",
    font=[gr.themes.Font(f) for f in ("system-ui", "Segoe UI", "Helvetica Neue", "Arial", "Liberation Sans")]
    + ["sans-serif"],
    font_mono=[gr.themes.Font(f) for f in ("ui-monospace", "Consolas", "DejaVu Sans Mono")] + ["monospace"],
).set(  # WCAG AA (4.5:1): the Base theme's grey text (slate-400) reads at 2.3-2.6:1 on white and on inputs
    body_text_color_subdued="#475569", block_info_text_color="#475569", input_placeholder_color="#475569",
    body_text_color_subdued_dark="#cbd5e1", block_info_text_color_dark="#cbd5e1", input_placeholder_color_dark="#cbd5e1",
    button_primary_background_fill="#1d4ed8", button_primary_background_fill_hover="#1e40af",
    button_primary_text_color="#ffffff", color_accent="#1d4ed8", color_accent_soft="#dbeafe",
)
STORAGE_KEY = "factbot-conversation"  # the browser's localStorage entry that keeps the conversation across reloads


# Chat -----------------------------------------------------------------------------------------
def user_texts(history: list[dict]) -> list[str]:
    """The user's earlier messages, as typed, from the Chatbot's history."""
    out = []
    for m in history or []:
        if m.get("role") != "user":
            continue
        content = m.get("content")
        parts = content if isinstance(content, list) else [content]
        text = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in parts)
        out.append(html.unescape(text))
    return out


def _docs(bot, doc_ids) -> dict:
    return {d: bot.store.document(d) for d in dict.fromkeys(doc_ids)}


class StopPresses:
    """How often each browser session pressed Stop. An answer being written compares the count with
    the one at its start: a press can reach the server before Gradio's cancellation of the answer
    does, and the answer's next update must then not overwrite the "Stopped" note."""

    def __init__(self) -> None:
        self._count: dict[str, int] = {}

    def press(self, request: gr.Request | None) -> None:
        if key := _session(request):
            self._count[key] = self._count.get(key, 0) + 1

    def count(self, request: gr.Request | None) -> int:
        return self._count.get(_session(request), 0)

    def stop(self, history: list, answers: list, request: gr.Request = None) -> tuple[list, dict]:
        """Stop pressed: an answer still being written is replaced by a note (its words so far are
        unchecked, so they are not kept); the conversation as it now is goes to the browser's storage."""
        self.press(request)
        history = list(history or [])
        if history and history[-1].get("role") == "assistant" and "fb-pending" in str(history[-1].get("content")):
            history[-1] = {"role": "assistant", "content": R.notice_html(STOPPED_NOTE, "hint")}
        return history, stored(history, answers)


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or ""


STOPPED_NOTE = "Stopped: no answer was given."


def make_respond(bot, limit: int, stops: StopPresses | None = None):
    stops = stops or StopPresses()

    def respond(
        message: str, history: list[dict], within: list[str] | None = None, answers: list | None = None,
        since: str = "", until: str = "", request: gr.Request = None,
    ) -> Iterator[tuple[list[dict], str, str, list]]:  # fmt: skip
        """Stream one answer into the chat: user turn, evidence cards, tokens, the checked answer.
        within: the doc ids to search (empty: all); answers: this session's Answers, for its report;
        since, until: publication dates as typed ("2024-05-01", "2 weeks ago"; empty: no bound)."""
        history, text, answers = list(history or []), message or "", list(answers or [])
        try:
            dates = read_dates(since, until)
        except BadInput as e:
            yield history, R.notice_html(str(e), "error"), text, answers
            return
        if not text.strip():
            yield history, R.notice_html('Type a question first, e.g. "What did Kellogg clarify?"', "hint"), "", answers
            return
        if len(text) > limit:
            msg = f"Your message has {len(text):,} characters; the limit is {limit:,}. Please shorten it and ask again."
            yield history, R.notice_html(msg, "error"), text, answers
            return
        previous = user_texts(history)
        question, turn = standalone_question(text, previous), len(previous) + 1
        history += [
            {"role": "user", "content": html.escape(text, quote=False)},
            {"role": "assistant", "content": R.searching_html(question, text)},
        ]
        presses = stops.count(request)
        yield history, "", "", answers
        for body in _answer_stream(bot, question, text, turn, within or None, answers, dates):
            if stops.count(request) != presses:  # Stop was pressed while this answer was being written
                history[-1] = {"role": "assistant", "content": R.notice_html(STOPPED_NOTE, "hint")}
                yield history, "", "", answers
                return
            history[-1] = {"role": "assistant", "content": body}
            yield history, "", "", answers

    return respond


def read_dates(since: str | None, until: str | None) -> dict:
    """The date fields as typed -> since/until dates for FactBot (BadInput saying what to type)."""
    return {key: day for key, value in (("since", since), ("until", until)) if (day := date_field(value))}


def date_field(value: str | None):
    """A date typed in a field, or None when it is empty (BadInput when it is not a date)."""
    from factbot.index.meta import parse_when

    if not value or not value.strip():
        return None
    try:
        return parse_when(value)
    except ValueError:
        raise BadInput(f"“{value}” is not a date. Type one like 2024-05-01, May 1 2024 or 2 weeks ago.") from None


def _answer_stream(bot, question: str, asked: str, turn: int, within=None, answers: list | None = None,
                   dates: dict | None = None) -> Iterator[str]:  # fmt: skip
    """The HTML of one answer as it grows; the final Answer is appended to answers."""
    try:
        evidence, partial, docs = (), "", {}
        for event in bot.stream(question, within=within, **(dates or {})):
            if isinstance(event, EvidenceReady):
                evidence, docs = event.evidence, _docs(bot, [e.doc_id for e in event.evidence])
                if evidence and not event.will_abstain:
                    yield R.pending_html(question, asked, evidence, "", docs, turn)
            elif isinstance(event, Token):
                partial += event.text
                yield R.pending_html(question, asked, evidence, partial, docs, turn)
            elif isinstance(event, Done):
                a = event.answer
                docs |= _docs(bot, [c.doc_id for c in a.citations] + [e.doc_id for e in a.evidence] + list(a.within))
                if answers is not None:
                    answers.append(a)
                yield R.answer_html(a, asked, docs, turn)
    except FactbotError as e:
        yield R.notice_html(public_text(e, bot.config), "error")  # no server paths
    except Exception:  # a bug or a crash below: say so in the chat, keep the session alive
        log.exception("answering %r failed", question)
        yield R.notice_html("Something went wrong while answering. Try again; if it persists, check the server log.")


def fill_example(evt: gr.SelectData) -> str:
    value = evt.value
    return value.get("text", "") if isinstance(value, dict) else str(value)


# Claim checks ---------------------------------------------------------------------------------
def make_check(bot, limit: int):
    def check(text: str, within: list[str] | None = None, checked: list | None = None, since: str = "",
              until: str = "") -> tuple[str, list]:  # fmt: skip
        """Verdicts for one claim, or for each check-worthy sentence of a paragraph; checked: this
        session's Verdicts so far, for its report (the new ones are added)."""
        text, checked = text or "", list(checked or [])
        try:
            dates = read_dates(since, until)
        except BadInput as e:
            return R.notice_html(str(e), "error"), checked
        if not text.strip():
            hint = "Paste a claim or a paragraph to check, e.g. a sentence from a news story."
            return R.notice_html(hint, "hint"), checked
        if len(text) > limit:
            message = f"The text has {len(text):,} characters; the limit is {limit:,}. Shorten it."
            return R.notice_html(message, "error"), checked
        try:
            one = len(sentence_spans(text.strip())) <= 1
            within = within or None
            verdicts = [bot.check(text, within=within, **dates)] if one else bot.check_text(text, within=within, **dates)
            docs = _docs(bot, [c.doc_id for v in verdicts for c in v.evidence] + list(verdicts[0].within))
            return R.verdicts_html(verdicts, docs), checked + verdicts
        except FactbotError as e:
            return R.notice_html(public_text(e, bot.config), "error"), checked
        except Exception:
            log.exception("checking %r failed", text[:80])
            message = "Something went wrong while checking. Try again; if it persists, check the server log."
            return R.notice_html(message), checked

    return check


# Reports --------------------------------------------------------------------------------------
def make_export(bot, what: str):
    def export(items: list | None) -> tuple[str, dict]:
        """The session's report as Markdown and JSON files to download."""
        items = list(items or [])
        if not items:
            return R.notice_html(f"Nothing to report yet: {what} first.", "hint"), gr.update(value=None, visible=False)
        folder = Path(tempfile.mkdtemp(prefix="factbot-report-"))
        stem = f"factbot-report-{time.strftime('%Y%m%d-%H%M%S')}"
        library = bot.store.documents()
        paths = []
        for fmt, suffix in (("markdown", ".md"), ("json", ".json")):
            path = folder / (stem + suffix)
            path.write_text(render(items, fmt, library=library), encoding="utf-8")
            paths.append(str(path))
        n = f"{len(items)} item{'s' if len(items) != 1 else ''}"
        note = R.notice_html(f"Report of {n}: download it as Markdown (to read) or JSON (to process).", "hint")
        return note, gr.update(value=paths, visible=True)

    return export


# The app --------------------------------------------------------------------------------------
def has_claim_checks() -> bool:
    from factbot.pipeline.factbot import FactBot

    return hasattr(FactBot, "check") and hasattr(FactBot, "check_text")


def build_app(bot) -> gr.Blocks:
    """The three views over one FactBot: Ask (chat), Check a claim (when FactBot has it), Library;
    above them the articles to search within (all when none is chosen) and the publication dates.
    Besides the views' own events, the JSON API (answer, check_claim, articles) for programs."""
    with gr.Blocks(title="factbot") as app:
        gr.HTML(
            '<div class="fb-header"><h1>factbot</h1><p>Answers from your news articles. Every sentence is '
            "checked against a passage; click a [n] to read it in place.</p></div>"
        )
        within = gr.Dropdown(
            label="Search within", multiselect=True, choices=article_choices(bot), value=[], elem_id="fb-within",
            info="Ask and check only within these articles. None chosen: all articles.",
        )  # fmt: skip
        with gr.Accordion("Publication dates", open=False, elem_id="fb-dates"):
            with gr.Row():
                since = gr.Textbox("", label="Published from", placeholder="e.g. 2024-05-01", elem_id="fb-since",
                                   min_width=140, max_lines=1, info="Empty: no limit.")  # fmt: skip
                until = gr.Textbox("", label="Published until", placeholder="e.g. 2 weeks ago", elem_id="fb-until",
                                   min_width=140, max_lines=1, info="With a date set, undated articles are left out.")  # fmt: skip
        dates = [since, until]
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                restore = _ask_view(bot, within, dates)
            if has_claim_checks():
                with gr.Tab("Check a claim", id="check"):
                    _check_view(bot, within, dates)
            with gr.Tab("Library", id="library"):
                view = build_library_tab(bot, within)
        refresh = make_refresh(bot)
        app.load(lambda: refresh()[0], None, view.table, api_name="library")
        app.load(lambda: refresh()[1:], None, [within, *view.refreshed], api_visibility="private")
        app.load(**restore)
        _json_api(bot)
    return app


# The conversation in the browser's storage ------------------------------------------------------
def stored(history: list, answers: list) -> dict:
    """What the browser keeps (localStorage, nothing on the server): the chat as shown and the
    Answers as JSON, so a reload shows the conversation and can still export its report."""
    return {"history": history or [], "answers": [json.loads(json.dumps(a.to_dict(), default=str)) for a in answers or []]}


def restored(saved: dict | None) -> tuple[list, list]:
    """stored()'s inverse; anything unreadable (an older or damaged entry) starts a new conversation."""
    from factbot.app.client import answer_from_dict

    try:
        return list(saved["history"]), [answer_from_dict(a) for a in saved["answers"]]
    except (TypeError, KeyError, ValueError, AttributeError):
        return [], []


def _export_row(bot, key: str, what: str, items: gr.State) -> list:
    """The "Export report" button of a view (key: ask or check) and the report files to download."""
    with gr.Row():
        export = gr.Button("Export report", size="sm", scale=0, min_width=150, elem_id=f"fb-export-{key}")
        note = gr.HTML(elem_id=f"fb-export-note-{key}")
    files = gr.File(label="Fact-check report", file_count="multiple", interactive=False, visible=False,
                    elem_id=f"fb-report-{key}")  # fmt: skip
    export.click(make_export(bot, what), items, [note, files], api_name=f"report_{key}")
    return [note, files]


def _ask_view(bot, within: gr.Dropdown, dates: list) -> dict:
    """The chat, its input, Ask and Stop; returns the page-load event that restores a stored conversation."""
    stops = StopPresses()
    respond = make_respond(bot, bot.config.max_question_chars, stops)
    answers = gr.State([])  # this session's Answers, for its report
    saved = gr.BrowserState({"history": [], "answers": []}, storage_key=STORAGE_KEY)
    chat = gr.Chatbot(
        label="Conversation with factbot", elem_id="fb-chat", height="min(620px, calc(100dvh - 230px))", min_height=260,
        latex_delimiters=[], show_label=False, feedback_options=None, buttons=["copy", "copy_all"],
        examples=[{"text": q} for q in EXAMPLES],
        placeholder="Ask a question about the articles. Answers cite their passages; follow-up questions work too.",
    )  # fmt: skip
    with gr.Row(equal_height=True, elem_id="fb-ask-row"):
        msg = gr.Textbox(
            label="Your question", elem_id="fb-msg", show_label=False, scale=8, lines=1, max_lines=6, autofocus=True,
            placeholder="Ask about the articles, e.g. What did Kellogg clarify?", min_width=160,
        )  # fmt: skip
        ask = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="fb-ask")
        stop = gr.Button("Stop", variant="secondary", scale=1, min_width=70, elem_id="fb-stop")
    with gr.Row():
        status = gr.HTML(elem_id="fb-status")
        clear = gr.ClearButton([chat, msg, status], value="New conversation", size="sm", scale=0, min_width=160)
    report = _export_row(bot, "ask", "ask a question", answers)
    clear.add(report)
    clear.click(lambda: ([], stored([], [])), None, [answers, saved], api_visibility="private")
    chat_io = dict(fn=respond, inputs=[msg, chat, within, answers, *dates], outputs=[chat, status, msg, answers],
                   concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY)  # fmt: skip
    keep = dict(fn=stored, inputs=[chat, answers], outputs=saved, api_visibility="private", queue=False)
    asked = gr.on([msg.submit, ask.click], api_name="ask", trigger_mode="once", **chat_io)
    example = chat.example_select(fill_example, None, msg, api_visibility="private").then(api_visibility="private", **chat_io)
    asked.then(**keep)
    example.then(**keep)
    stop.click(stops.stop, [chat, answers], [chat, saved], cancels=[asked, example], api_visibility="private", queue=False)
    return dict(fn=restored, inputs=saved, outputs=[chat, answers], api_visibility="private", queue=False)


def _check_view(bot, within: gr.Dropdown, dates: list) -> None:
    checked = gr.State([])  # this session's Verdicts, for its report
    claim = gr.Textbox(
        label="A claim, or a paragraph of claims", lines=4, max_lines=12, elem_id="fb-claim",
        placeholder="Paste a claim, e.g. John Healey called the coalition's plans unclear.",
    )  # fmt: skip
    with gr.Row():
        check = gr.Button("Check", variant="primary", elem_id="fb-check")
        stop = gr.Button("Stop", elem_id="fb-check-stop")
    gr.Examples(CLAIM_EXAMPLES, inputs=claim, label="Examples")
    verdicts = gr.HTML(elem_id="fb-verdicts")
    checking = gr.on([check.click, claim.submit], make_check(bot, bot.config.max_question_chars),
                     [claim, within, checked, *dates], [verdicts, checked], api_name="check",
                     concurrency_limit=CHAT_CONCURRENCY)  # fmt: skip
    stop.click(lambda: R.notice_html("Stopped: nothing was checked.", "hint"), None, verdicts, cancels=[checking],
               api_visibility="private", queue=False)  # fmt: skip
    report = _export_row(bot, "check", "check a claim", checked)
    clear = gr.ClearButton([claim, verdicts, *report], value="Clear checks", size="sm")
    clear.click(lambda: [], None, checked, api_visibility="private")


# The JSON API -----------------------------------------------------------------------------------
def _json_api(bot) -> None:
    """Named endpoints that take plain values and return factbot's results as JSON (the views'
    own events return HTML for the page and are left out of the API page)."""

    def answer(question: str, within: list[str] | None = None, since: str = "", until: str = "",
               as_of: str = "") -> dict:  # fmt: skip
        """Answer a question from the articles: the Answer as JSON (text with [n] markers, citations
        with quotes, outlets and dates, sides when sources disagree). within: article names or ids;
        since, until, as_of: dates such as 2024-05-01."""
        a = bot.answer(question, within=within or None, as_of=date_field(as_of), **read_dates(since, until))
        return json.loads(json.dumps(a.to_dict(), default=str))

    def check_claim(claim: str, within: list[str] | None = None, since: str = "", until: str = "") -> dict:
        """Check one claim against the articles: the Verdict as JSON (label, explanation, quotes)."""
        v = bot.check(claim, within=within or None, **read_dates(since, until))
        return json.loads(json.dumps(v.to_dict(), default=str))

    def articles() -> list[dict]:
        """The library, newest publication first: id, file, title, outlet, authors, published, url, passages, origin."""
        from factbot.app.cli_library import article_dict, by_date

        uploads = str(bot.config.uploads_dir.resolve())
        # no "path": the server's folders are not the caller's business (and a "path" key reads as a file to gradio_client)
        return [{k: v for k, v in article_dict(r, uploads).items() if k != "path"} for r in by_date(bot.articles())]

    gr.api(answer, api_name="answer", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY)
    gr.api(check_claim, api_name="check_claim", concurrency_limit=CHAT_CONCURRENCY)
    gr.api(articles, api_name="articles")


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise BadInput("UI auth must be user:password (--auth or FACTBOT_UI_AUTH).")
    return user, password


def launch(app: gr.Blocks, config: Config, *, block: bool = True) -> str:
    """Start the server and return its local URL; with block, serve until interrupted."""
    library_env()  # no Gradio analytics
    auth = parse_auth(config.ui_auth)
    if config.ui_host not in LOOPBACK and not auth:
        print(f"factbot: warning: serving on {config.ui_host} without --auth: anyone who can reach it can use it.",
              file=sys.stderr)  # fmt: skip
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=64)
    try:
        _, url, _ = app.launch(
            server_name=config.ui_host, server_port=config.ui_port, auth=auth, share=False, theme=THEME, css=R.css(),
            prevent_thread_lock=True, quiet=True, show_error=False, ssr_mode=False, mcp_server=False, pwa=False,
            enable_monitoring=False, max_file_size=10 * config.max_file_bytes, footer_links=["api", "settings"],
            auth_message="Sign in to factbot.", js=R.script(), app_kwargs={"middleware": ui_middleware(config)},
        )  # fmt: skip
    except OSError as e:
        raise FactbotError(
            f"Cannot serve on {config.ui_host}:{config.ui_port} ({e}). Pass another --port or stop what uses it."
        ) from e
    if block:
        print(f"factbot: serving on {url} (Ctrl+C to stop)", file=sys.stderr)
        try:
            app.block_thread()
        finally:
            app.close()
    return url


def make_bot(config: Config):
    """The FactBot for the UI, with the configured corpus synced into its index first."""
    from factbot.pipeline.factbot import FactBot

    bot = FactBot(config)
    try:
        report = bot.ingest(progress=False)
        log.info("corpus synced: %d added, %d unchanged", len(report.added), len(report.unchanged))
    except BadInput as e:  # no corpus folder or no articles: the library can still be filled by uploads
        print(f"factbot: {e}", file=sys.stderr)
    return bot


def serve(config: Config, *, block: bool = True, api: bool | None = None) -> str:
    """The web UI; api (default: when blocking, as `factbot serve` does) also starts the JSON API
    that `factbot ask` and `check` use from a shell (bot/app/api.py)."""
    parse_auth(config.ui_auth)  # fail before loading anything
    bot = make_bot(config)
    if block if api is None else api:
        from factbot.app.api import start_api

        start_api(bot, config)
    return launch(build_app(bot), config, block=block)
