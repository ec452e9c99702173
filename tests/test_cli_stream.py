"""`factbot ask` on a terminal: passages first, the draft as it is written, then the checked
answer in its place. Control flow only: a FAKE scripted model (ui_harness.ScriptedModel)."""

from __future__ import annotations

import io

from conftest import BRIDGE, write
from ui_harness import ScriptedModel

from factbot.app.cli_stream import Draft, ask_streaming


class Recorder(io.StringIO):
    """What reached the terminal, each write kept apart (the order is what is tested)."""

    def __init__(self):
        super().__init__()
        self.writes: list[str] = []

    def write(self, s: str) -> int:
        self.writes.append(s)
        return super().write(s)


def test_passages_then_draft_then_checked_answer(make_bot, tmp_path):
    folder = tmp_path / "corpus"
    write(folder, "bridge.txt", "Title: Harbor Bridge Reopens\nSource: City Bulletin\nDate: 2025-03-03\n\n" + BRIDGE)
    # FAKE model: control flow only (so the verifier's answer gate, trained apart, is off too)
    bot = make_bot(folder, model=ScriptedModel(delay=0), ablate="verifier_support")
    out = Recorder()
    a = ask_streaming(bot, "How much did the Harbor Bridge repairs cost?", None, {}, out)
    text = "".join(out.writes)
    passages, draft, final = text.index("Passages found"), text.index("Draft ("), text.index("Sources:")
    assert passages < draft < final
    assert "[1] Harbor Bridge Reopens — City Bulletin, 3 March 2025" in text[passages:draft]
    first_word = next(i for i, w in enumerate(out.writes) if "Draft (" in w)
    assert len(out.writes) - first_word > 5  # the words came one write at a time, not all at the end
    assert "\x1b[1A" in text[draft:final]  # the draft is erased before the checked answer is printed
    after = " ".join(text[text.rindex("\x1b[2K") :].split())  # what stays on screen once the draft is gone
    assert " ".join(a.text.split()) in after
    assert not a.abstained and a.citations[0].outlet == "City Bulletin"


def test_draft_erases_its_wrapped_lines(monkeypatch):
    import shutil
    import os

    monkeypatch.setattr(shutil, "get_terminal_size", lambda: os.terminal_size((20, 24)))
    out = io.StringIO()
    d = Draft(out)
    d.add("x" * 45)  # 3 lines of 20 columns, after a blank line and the heading
    d.erase()
    assert out.getvalue().count("\x1b[1A") == 4
