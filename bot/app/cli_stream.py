"""`factbot ask` on a terminal: progress while the index and the model load, the passages as soon
as they are found, the model's words as it writes them, then the checked answer in their place.

Only for a terminal: piped output and --json get the checked answer alone, as before (a draft
that the citation check then changes has no place in a file)."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

from factbot.app.render import answer_text, byline
from factbot.core.types import Answer, Done, EvidenceReady, Token

DIM, RESET, ERASE_LINE = "\x1b[2m", "\x1b[0m", "\x1b[2K"


def on_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def status(message: str) -> None:
    """A progress line on stderr, when stderr is a terminal (a script's log stays clean)."""
    if on_terminal(sys.stderr):
        print(f"factbot: {message}", file=sys.stderr, flush=True)


def warm_model(bot) -> threading.Thread:
    """Load the model in the background while the index syncs and retrieval runs: on a first run
    it is assembled from its packages (with a progress bar) and loaded meanwhile. An error is kept
    for the answer to raise, where the user sees it in context."""

    def load():
        try:
            bot.model
        except Exception:  # the answer's own bot.model call raises it again, with its message
            pass

    thread = threading.Thread(target=load, name="factbot-model-warmup", daemon=True)
    thread.start()
    return thread


class Draft:
    """The model's words as they arrive, dimmed, erased again once the checked answer is ready."""

    def __init__(self, out: TextIO):
        self.out, self.text, self.started = out, "", False

    def add(self, piece: str) -> None:
        if not self.started:
            self.out.write(f"\nDraft (being checked against the passages):\n{DIM}")
            self.started = True
        self.text += piece
        self.out.write(piece)
        self.out.flush()

    def erase(self) -> None:
        """Move the cursor back over the draft's lines (wrapped at the terminal width) and clear them."""
        if not self.started:
            return
        width = max(20, shutil.get_terminal_size().columns)
        lines = 2 + sum(max(1, -(-len(line) // width)) for line in self.text.split("\n"))  # blank + heading + text
        self.out.write(f"{RESET}\r{ERASE_LINE}" + f"\x1b[1A{ERASE_LINE}" * (lines - 1) + "\r")
        self.out.flush()


def ask_streaming(bot, question: str, within, dates: dict, out: TextIO = sys.stdout) -> Answer:
    """Answer on a terminal: passages at once, the draft as it is written, then the checked answer."""
    t0 = time.perf_counter()
    if not _model_ready(bot):
        status("starting the local model in the background")
        warm_model(bot)
    draft = Draft(out)
    for event in bot.stream(question, within=within, **dates):
        if isinstance(event, EvidenceReady):
            if event.evidence:
                out.write(f"Passages found ({time.perf_counter() - t0:.1f} s):\n")
                for e in event.evidence:
                    doc = bot.store.document(e.doc_id)
                    who = byline(doc.outlet, doc.published) if doc is not None else ""
                    out.write(f"  [{e.n}] {e.title}{f' — {who}' if who else ''}\n")
                out.flush()
            if not event.will_abstain:
                status("the model is reading the passages" if _model_ready(bot) else
                       "waiting for the local model to finish loading, then it reads the passages")  # fmt: skip
        elif isinstance(event, Token):
            draft.add(event.text)
        elif isinstance(event, Done):
            draft.erase()
            out.write(("\n" if event.answer.evidence else "") + answer_text(event.answer) + "\n")
            out.flush()
            return event.answer
    raise AssertionError("stream() always ends with Done")


def _model_ready(bot) -> bool:
    return getattr(bot, "_model", None) is not None  # FactBot creates its model handle on first use
