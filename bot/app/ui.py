"""factbot's web UI (Gradio): streamed cited answers, claim checks, the library and uploads.

Thin: each handler validates input, calls FactBot, and renders with bot.ui_render. The only state
is the one FactBot, created at start (thread-safe; the model is serialized by its lock); each
request renders its own answer's sources from its own Answer."""

from __future__ import annotations

import html
import logging
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from factbot.app import ui_render as R
from factbot.core.config import Config, offline_env
from factbot.core.errors import BadInput, FactbotError
from factbot.app.followup import standalone_question
from factbot.core.types import Done, EvidenceReady, Token
from factbot.index.ingest import SUFFIXES, Unreadable, load_document, read_source
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
)


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


def make_respond(bot, limit: int):
    def respond(message: str, history: list[dict]) -> Iterator[tuple[list[dict], str, str]]:
        """Stream one answer into the chat: user turn, evidence cards, tokens, the checked answer."""
        history, text = list(history or []), message or ""
        if not text.strip():
            yield history, R.notice_html('Type a question first, e.g. "What did Kellogg clarify?"', "hint"), ""
            return
        if len(text) > limit:
            msg = f"Your message has {len(text):,} characters; the limit is {limit:,}. Please shorten it and ask again."
            yield history, R.notice_html(msg, "error"), text
            return
        previous = user_texts(history)
        question, turn = standalone_question(text, previous), len(previous) + 1
        history += [
            {"role": "user", "content": html.escape(text, quote=False)},
            {"role": "assistant", "content": R.searching_html(question, text)},
        ]
        yield history, "", ""
        for body in _answer_stream(bot, question, text, turn):
            history[-1] = {"role": "assistant", "content": body}
            yield history, "", ""

    return respond


def _answer_stream(bot, question: str, asked: str, turn: int) -> Iterator[str]:
    try:
        evidence, partial, docs = (), "", {}
        for event in bot.stream(question):
            if isinstance(event, EvidenceReady):
                evidence, docs = event.evidence, _docs(bot, [e.doc_id for e in event.evidence])
                if evidence and not event.will_abstain:
                    yield R.pending_html(question, asked, evidence, "", docs, turn)
            elif isinstance(event, Token):
                partial += event.text
                yield R.pending_html(question, asked, evidence, partial, docs, turn)
            elif isinstance(event, Done):
                a = event.answer
                docs |= _docs(bot, [c.doc_id for c in a.citations] + [e.doc_id for e in a.evidence])
                yield R.answer_html(a, asked, docs, turn)
    except FactbotError as e:
        yield R.notice_html(str(e), "error")
    except Exception:  # a bug or a crash below: say so in the chat, keep the session alive
        log.exception("answering %r failed", question)
        yield R.notice_html("Something went wrong while answering. Try again; if it persists, check the server log.")


def fill_example(evt: gr.SelectData) -> str:
    value = evt.value
    return value.get("text", "") if isinstance(value, dict) else str(value)


# Claim checks ---------------------------------------------------------------------------------
def make_check(bot, limit: int):
    def check(text: str) -> str:
        """Verdicts for one claim, or for each check-worthy sentence of a paragraph."""
        text = text or ""
        if not text.strip():
            return R.notice_html("Paste a claim or a paragraph to check, e.g. a sentence from a news story.", "hint")
        if len(text) > limit:
            return R.notice_html(f"The text has {len(text):,} characters; the limit is {limit:,}. Shorten it.", "error")
        try:
            one = len(sentence_spans(text.strip())) <= 1
            verdicts = [bot.check(text)] if one else bot.check_text(text)
            docs = _docs(bot, [c.doc_id for v in verdicts for c in v.evidence])
            return R.verdicts_html(verdicts, docs)
        except FactbotError as e:
            return R.notice_html(str(e), "error")
        except Exception:
            log.exception("checking %r failed", text[:80])
            return R.notice_html("Something went wrong while checking. Try again; if it persists, check the server log.")

    return check


# Library and uploads --------------------------------------------------------------------------
def upload_problem(path: Path, max_bytes: int) -> str | None:
    """Why this uploaded file cannot be added, or None when it can."""
    if path.suffix.lower() not in SUFFIXES:
        kind = path.suffix or "no extension"
        return f"wrong type ({kind}); upload .txt, .md or .html files"
    try:
        load_document(read_source(path, max_bytes))
    except Unreadable as e:
        return str(e)
    return None


def safe_name(name: str) -> str:
    name = re.sub(r"[^\w.\- ]+", "_", Path(name).name).strip().lstrip(".")
    return name or "upload.txt"


def make_library(bot):
    def library() -> str:
        return R.library_html(bot.store.documents().values(), str(uploads_dir(bot.config)))

    def add_files(files: list[str] | None, progress=gr.Progress()) -> tuple[str, str, None]:
        """Validate each upload; copy the good ones to the uploads folder and index them.
        A rejected file is named with its reason; it never touches the index."""
        if not files:
            return R.notice_html("Choose one or more .txt, .md or .html files first.", "hint"), library(), None
        accepted, rejected, good = [], [], []
        for f in progress.tqdm(files, desc="Checking files"):
            path = Path(f)
            problem = upload_problem(path, bot.config.max_file_bytes)
            if problem:
                rejected.append((path.name, problem))
            else:
                good.append(path)
        if good:
            target = uploads_dir(bot.config)
            target.mkdir(parents=True, exist_ok=True)
            dests = {p.name: target / safe_name(p.name) for p in good}
            for p in good:
                shutil.copyfile(p, dests[p.name])
            progress(0.6, desc=f"Indexing {len(good)} file(s)")
            report = bot.ingest(target, progress=False)
            outcome = {s: "added" for s in report.added} | {s: "already in the library, unchanged" for s in report.unchanged}
            outcome |= {s: "updated: replaces the earlier upload of that name" for s in report.updated}
            skipped = {str(s): why for s, why in report.skipped}
            for name, dest in dests.items():
                if str(dest) in skipped:
                    rejected.append((name, skipped[str(dest)]))
                else:
                    accepted.append((name, outcome.get(str(dest), "indexed")))
        return R.upload_report_html(accepted, rejected), library(), None

    return library, add_files


def uploads_dir(config: Config) -> Path:
    return config.data_dir / "uploads"


# The app --------------------------------------------------------------------------------------
def has_claim_checks() -> bool:
    from factbot.pipeline.factbot import FactBot

    return hasattr(FactBot, "check") and hasattr(FactBot, "check_text")


def build_app(bot) -> gr.Blocks:
    """The three views over one FactBot: Ask (chat), Check a claim (when FactBot has it), Library."""
    with gr.Blocks(title="factbot") as app:
        gr.HTML(
            '<div class="fb-header"><h1>factbot</h1><p>Answers from your news articles. Every sentence is '
            "checked against a passage; click a [n] to read it in place.</p></div>"
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                _ask_view(bot)
            if has_claim_checks():
                with gr.Tab("Check a claim", id="check"):
                    _check_view(bot)
            with gr.Tab("Library", id="library"):
                refresh, table = _library_view(bot)
        app.load(refresh, None, table, api_name="library")
    return app


def _ask_view(bot) -> None:
    respond = make_respond(bot, bot.config.max_question_chars)
    chat = gr.Chatbot(
        elem_id="fb-chat", height=620, latex_delimiters=[], show_label=False, feedback_options=None,
        buttons=["copy", "copy_all"], examples=[{"text": q} for q in EXAMPLES],
        placeholder="Ask a question about the articles. Answers cite their passages; follow-up questions work too.",
    )  # fmt: skip
    with gr.Row(equal_height=True):
        msg = gr.Textbox(
            elem_id="fb-msg", show_label=False, scale=8, lines=1, max_lines=6, autofocus=True,
            placeholder="Ask about the articles, e.g. What did Kellogg clarify?",
        )  # fmt: skip
        ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="fb-ask")
    with gr.Row():
        status = gr.HTML(elem_id="fb-status")
        gr.ClearButton([chat, msg, status], value="New conversation", size="sm", scale=0, min_width=160)
    chat_io = dict(fn=respond, inputs=[msg, chat], outputs=[chat, status, msg], concurrency_id="chat",
                   concurrency_limit=CHAT_CONCURRENCY)  # fmt: skip
    gr.on([msg.submit, ask.click], api_name="ask", trigger_mode="once", **chat_io)
    chat.example_select(fill_example, None, msg, api_visibility="private").then(api_visibility="private", **chat_io)


def _check_view(bot) -> None:
    claim = gr.Textbox(
        label="A claim, or a paragraph of claims", lines=4, max_lines=12, elem_id="fb-claim",
        placeholder="Paste a claim, e.g. John Healey called the coalition's plans unclear.",
    )  # fmt: skip
    check = gr.Button("Check", variant="primary", elem_id="fb-check")
    gr.Examples(CLAIM_EXAMPLES, inputs=claim, label="Examples")
    verdicts = gr.HTML(elem_id="fb-verdicts")
    gr.on([check.click, claim.submit], make_check(bot, bot.config.max_question_chars), claim, verdicts,
          api_name="check", concurrency_limit=CHAT_CONCURRENCY)  # fmt: skip


def _library_view(bot) -> tuple:
    """The article table and the upload form; returns the table's refresh function and the table."""
    library, add_files = make_library(bot)
    table = gr.HTML(elem_id="fb-library")
    files = gr.File(label="Add articles: .txt, .md or .html", file_count="multiple", type="filepath", elem_id="fb-upload")
    add = gr.Button("Add to library", variant="primary", elem_id="fb-add")
    report = gr.HTML(elem_id="fb-upload-report")
    add.click(add_files, files, [report, table, files], api_name="add_files", concurrency_limit=1)
    return library, table


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise BadInput("UI auth must be user:password (--auth or FACTBOT_UI_AUTH).")
    return user, password


def launch(app: gr.Blocks, config: Config, *, block: bool = True) -> str:
    """Start the server and return its local URL; with block, serve until interrupted."""
    offline_env()  # no Gradio analytics
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
            auth_message="Sign in to factbot.",
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


def serve(config: Config, *, block: bool = True) -> str:
    parse_auth(config.ui_auth)  # fail before loading anything
    bot = make_bot(config)
    return launch(build_app(bot), config, block=block)
