"""The web UI's Library tab: the article table, uploads (never silently replacing an article),
deleting with a confirmation step, replacing, restoring removed corpus files; and the article
choices of the "Search within" selector. Thin: every change goes through FactBot."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePath

import gradio as gr

from factbot.app import ui_render as R
from factbot.app.guard import public_text
from factbot.core.errors import FactbotError
from factbot.index.ingest import KINDS

log = logging.getLogger(__name__)


def article_choices(bot) -> list[tuple[str, str]]:
    """(label, doc id) for every article: "Title · file.pdf", "(uploaded)" added for an uploaded copy."""
    root = _uploads_root(bot)
    return [
        (f"{r.title} · {PurePath(r.source).name}{' (uploaded)' if R.is_uploaded(r.source, root) else ''}", r.id)
        for r in bot.articles()
    ]


def _uploads_root(bot) -> str:
    return str(bot.config.uploads_dir.resolve())


@dataclass
class LibraryView:
    """The components other views refresh after the library changes."""

    table: gr.HTML
    select: gr.Dropdown
    restore: gr.Dropdown
    restore_box: gr.Column

    @property
    def refreshed(self) -> list:
        """What refresh() updates after the table (and the "Search within" selector)."""
        return [self.select, self.restore, self.restore_box]


def make_refresh(bot):
    def refresh(within: list[str] | None = None):
        """The table, the "Search within" selector (its choices; its selection minus deleted
        articles), the selection for deleting (emptied) and the removed files to restore."""
        choices = article_choices(bot)
        ids = {v for _, v in choices}
        removed = bot.removed()
        restore = [(f"{PurePath(p).name} · {v.get('title', '')}", p) for p, v in sorted(removed.items())]
        return (
            R.library_html(bot.articles(), _uploads_root(bot), removed),
            gr.update(choices=choices, value=[w for w in within or [] if w in ids]),
            gr.update(choices=choices, value=[]),
            gr.update(choices=restore, value=[]),
            gr.update(visible=bool(restore)),
        )

    return refresh


def _safely(action: str):
    """Run a library action; a FactbotError or a crash becomes a message, never a broken page."""

    def wrap(fn):
        def run(*args):
            try:
                return fn(*args)
            except FactbotError as e:
                return R.notice_html(public_text(e), "error")  # no server paths
            except Exception:
                log.exception("%s failed", action)
                return R.notice_html(f"Something went wrong while {action}. Check the server log.")

        return run

    return wrap


def _selection_panel() -> tuple:
    """The article table, the selector, and the delete button with its confirmation step."""
    table = gr.HTML(elem_id="fb-library")
    select = gr.Dropdown(label="Selected articles", multiselect=True, choices=[], elem_id="fb-select",
                         info="Choose articles to delete, or one to replace with a file added below.")  # fmt: skip
    with gr.Row():
        delete = gr.Button("Delete selected…", variant="stop", size="sm", scale=0, min_width=170, elem_id="fb-delete")
        status = gr.HTML(elem_id="fb-lib-status")
    with gr.Group(visible=False, elem_id="fb-confirm") as confirm:
        confirm_text = gr.HTML()
        with gr.Row():
            yes = gr.Button("Yes, delete them", variant="stop", size="sm", elem_id="fb-confirm-yes")
            cancel = gr.Button("Cancel", size="sm", elem_id="fb-confirm-cancel")
    pending = gr.State([])  # the ids shown in the confirmation: what "Yes" deletes, whatever is selected later
    return table, select, delete, status, confirm, confirm_text, yes, cancel, pending


def _upload_panel() -> tuple:
    """The upload, add and replace controls, and the restore box for removed files."""
    files = gr.File(label=f"Add articles: {KINDS}", file_count="multiple", type="filepath", height=140,
                    elem_id="fb-upload")  # fmt: skip
    same_name = gr.Checkbox(label="Replace an uploaded article that has the same file name (otherwise both are kept)",
                            value=False, elem_id="fb-replace-same")  # fmt: skip
    with gr.Row():
        add = gr.Button("Add to library", variant="primary", elem_id="fb-add")
        replace = gr.Button("Replace the selected article with this file", elem_id="fb-replace")
    report = gr.HTML(elem_id="fb-upload-report")
    with gr.Column(visible=False) as restore_box:
        restore = gr.Dropdown(label="Removed from the library (files kept in their folder)", multiselect=True,
                              choices=[], elem_id="fb-restore-select")  # fmt: skip
        restore_btn = gr.Button("Restore selected", size="sm", elem_id="fb-restore")
    return files, same_name, add, replace, report, restore_box, restore, restore_btn


def _delete_handlers(bot, refresh) -> tuple:
    """The delete button's, "Yes"'s and "Cancel"'s event handlers."""

    def ask_confirm(selected):
        records = [r for r in bot.articles() if r.id in set(selected or [])]
        if not records:
            return gr.update(visible=False), "", [], R.notice_html("Select the articles to delete first.", "hint")
        return gr.update(visible=True), R.confirm_delete_html(records, _uploads_root(bot)), [r.id for r in records], ""

    def do_delete(ids, current_within):
        if not ids:
            return gr.update(visible=False), R.notice_html("Nothing to delete.", "hint"), [], *refresh(current_within)
        message = _safely("deleting")(lambda: R.removals_html(bot.remove(*ids)))()
        return gr.update(visible=False), message, [], *refresh(current_within)

    def do_cancel():
        return gr.update(visible=False), R.notice_html("Nothing deleted.", "hint"), []

    return ask_confirm, do_delete, do_cancel


def _upload_handlers(bot, refresh) -> tuple:
    """The add, replace and restore buttons' event handlers."""

    def add_files(paths, replace_same, current_within, progress=gr.Progress()):
        if not paths:
            return R.notice_html(f"Choose one or more {KINDS} files first.", "hint"), None, *refresh(current_within)
        progress(0.1, desc=f"Reading and indexing {len(paths)} file(s)")
        message = _safely("adding files")(lambda: _outcomes_html(bot.add_files(paths, replace=bool(replace_same))))()
        return message, None, *refresh(current_within)

    def do_replace(selected, paths, current_within):
        if len(selected or []) != 1 or len(paths or []) != 1:
            hint = "Select exactly one article above and choose exactly one file to put in its place."
            return R.notice_html(hint, "hint"), paths, *refresh(current_within)

        def run():
            outcome, removal = bot.replace(selected[0], paths[0])
            return _outcomes_html([outcome]) + (R.removals_html([removal]) if removal else "")

        return _safely("replacing")(run)(), None, *refresh(current_within)

    def do_restore(paths, current_within):
        if not paths:
            return R.notice_html("Select the removed files to restore first.", "hint"), *refresh(current_within)
        message = _safely("restoring")(
            lambda: R.upload_report_html([(PurePath(p).name, "restored") for p in bot.restore(*paths)], [])
        )()
        return message, *refresh(current_within)

    return add_files, do_replace, do_restore


def build_library_tab(bot, within: gr.Dropdown) -> LibraryView:
    """The Library tab's components and events; `within` is the "Search within" selector to refresh."""
    refresh = make_refresh(bot)
    table, select, delete, status, confirm, confirm_text, yes, cancel, pending = _selection_panel()
    files, same_name, add, replace, report, restore_box, restore, restore_btn = _upload_panel()
    listing = [table, within, select, restore, restore_box]
    ask_confirm, do_delete, do_cancel = _delete_handlers(bot, refresh)
    add_files, do_replace, do_restore = _upload_handlers(bot, refresh)

    delete.click(ask_confirm, select, [confirm, confirm_text, pending, status], api_name="delete")
    yes.click(do_delete, [pending, within], [confirm, status, pending, *listing], api_name="confirm_delete",
              concurrency_limit=1)  # fmt: skip
    cancel.click(do_cancel, None, [confirm, status, pending], api_name="cancel_delete")
    add.click(add_files, [files, same_name, within], [report, files, *listing], api_name="add_files", concurrency_limit=1)
    replace.click(do_replace, [select, files, within], [report, files, *listing], api_name="replace", concurrency_limit=1)
    restore_btn.click(do_restore, [restore, within], [status, *listing], api_name="restore", concurrency_limit=1)
    return LibraryView(table, select, restore, restore_box)


def _outcomes_html(outcomes) -> str:
    accepted = [(o.name, o.message) for o in outcomes if o.ok]
    rejected = [(o.name, o.message) for o in outcomes if not o.ok]
    return R.upload_report_html(accepted, rejected)
