"""A disagreement between dated reports, with the real local model: each side shows its date and
the answer names the most recent report (the CLI text, the JSON and the web UI's HTML)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import write

pytestmark = pytest.mark.model

DEALS = {  # file -> (header block, article)
    "deal-0.txt": ("Title: Orbitel buys Chatterly\nSource: Tech Wire\nDate: 2014-02-19\n",
                   "In February 2014, Orbitel acquired the messaging app Chatterly for $19 billion, the company "
                   "announced on Wednesday. Chatterly's founders will join Orbitel's board."),
    "deal-1.txt": ("Title: Chatterly deal confirmed\nSource: Market Daily\nDate: 2014-02-21\n",
                   "Regulators cleared the deal on Friday. In February 2014, Orbitel acquired the messaging app "
                   "Chatterly for $19 billion, the company announced."),
    "deal-2.txt": ("Title: Tech roundup\nSource: The Ledger\nDate: 2014-03-02\n",
                   "A busy week in technology. In February 2014, Vantix acquired the messaging app Chatterly for "
                   "$19 billion, the company announced. Analysts had expected a smaller price."),
}  # fmt: skip


def test_a_conflict_between_dated_reports_names_the_latest(make_bot, tmp_path):
    from factbot.app import ui_render as R
    from factbot.app.render import answer_text

    corpus = tmp_path / "deals"
    for name, (header, body) in DEALS.items():
        write(corpus, name, f"{header}\n{body}\n")
    # The verifier's answer gate is trained apart (its weights are not in every checkout); the
    # dates of the sides are what is tested here.
    bot = make_bot(corpus, ablate="verifier_support")
    a = bot.answer("Which company acquired the messaging app Chatterly?")
    assert not a.abstained and len(a.conflicts) == 2, (a.text, a.dropped)
    sides = {s.value: s for s in a.conflicts}
    assert set(sides) == {"Orbitel", "Vantix"}, a.conflicts
    assert sides["Vantix"].latest == dt.date(2014, 3, 2) and sides["Vantix"].newest
    assert sides["Orbitel"].latest == dt.date(2014, 2, 21) and not sides["Orbitel"].newest
    vantix = next(c for c in sides["Vantix"].citations if c.published == dt.date(2014, 3, 2))
    assert f"The most recent report, [{vantix.n}] (2 March 2014), says Vantix." in a.text, a.text

    text = answer_text(a)
    assert "latest 2 March 2014, THE MOST RECENT REPORT" in text and "latest 21 February 2014" in text
    assert "The Ledger, 2 March 2014" in text and "Market Daily, 21 February 2014" in text  # each source's byline
    data = json.loads(json.dumps(a.to_dict(), default=str))
    assert {(s["value"], s["latest"], s["newest"]) for s in data["conflicts"]} == {
        ("Orbitel", "2014-02-21", False), ("Vantix", "2014-03-02", True)}
    docs = {c.doc_id: bot.store.document(c.doc_id) for c in a.citations}
    html = R.answer_html(a, a.question, docs, turn=1)
    assert "Most recent report" in html and "latest 2 March 2014" in html and "latest 21 February 2014" in html
