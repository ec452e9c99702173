"""The web UI's library and report flows through gradio_client against the real app: uploads
that never drop an article, deleting with a confirmation, restoring, replacing, asking within
chosen articles, and the report download. Real embedder and Chroma; a scripted model, claims in
code mode. Its own app and data dir: these tests change the library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import BRIDGE, OBSERVATORY, ORCHARD, pdf_bytes, write
from ui_harness import ScriptedModel, card_sources, last_html, running_app

from factbot.core.config import Config
from factbot.index.ingest import doc_id_for


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-lib-corpus")
    write(folder, "bridge.txt", BRIDGE)
    write(folder, "orchard.txt", ORCHARD)
    write(folder, "observatory.md", OBSERVATORY)
    return folder


@pytest.fixture(scope="module")
def bot(tmp_path_factory, embedder, corpus):
    from factbot.pipeline.factbot import FactBot

    config = Config.from_env(env={}, data_dir=tmp_path_factory.mktemp("ui-lib-data"), corpus_dir=corpus, check_mode="code")
    b = FactBot(config, embedder=embedder, model=ScriptedModel(delay=0))
    b.ingest(progress=False)
    return b


@pytest.fixture(scope="module")
def client(bot):
    from gradio_client import Client

    with running_app(bot.config, bot=bot) as url:
        yield Client(url, verbose=False)


def _upload(client, paths, replace=False):
    from gradio_client import handle_file

    report, _files, table, _within, _select, _restore = client.predict(
        [handle_file(str(p)) for p in paths], replace, [], api_name="/add_files"
    )
    return report, table


def test_same_name_is_kept_beside_unless_replace_is_ticked(client, bot, tmp_path):
    a = write(tmp_path / "a", "memo.txt", BRIDGE.replace("Harbor", "Canal"))
    b = write(tmp_path / "b", "memo.txt", ORCHARD.replace("Tamsin", "Brook"))
    report, _ = _upload(client, [a])
    assert "memo.txt</strong>: added" in report
    report, table = _upload(client, [b])
    assert "added as memo (2).txt: memo.txt already holds a different article, which is kept" in report
    assert "Canal Bridge Reopens" in table and table.count("Valley Orchards Expect") == 2  # corpus and memo (2).txt
    c = write(tmp_path / "c", "memo.txt", OBSERVATORY.replace("Kestrel", "Falcon"))
    report, table = _upload(client, [c], replace=True)
    assert "replaced the earlier memo.txt" in report and "Canal Bridge Reopens" not in table
    report, _ = _upload(client, [c])
    assert "unchanged" in report
    for name in ("memo.txt", "memo (2).txt"):
        bot.remove(name)  # tidy up for the next tests


def test_delete_needs_confirmation_and_deletes_the_upload_copy(client, bot, tmp_path):
    _upload(client, [write(tmp_path, "canal.txt", BRIDGE.replace("Harbor", "Canal"))])
    canal = doc_id_for(bot.config.uploads_dir / "canal.txt")
    text, status = client.predict([], api_name="/delete")
    assert "Select the articles to delete first" in status and text == ""

    text, status = client.predict([canal], api_name="/delete")
    assert "Delete these articles?" in text and "its uploaded copy deleted" in text
    status = client.predict(api_name="/cancel_delete")
    assert "Nothing deleted" in status and canal in bot.store.documents()

    client.predict([canal], api_name="/delete")
    status, table, *_ = client.predict([], api_name="/confirm_delete")
    assert "and its uploaded copy" in status and "Canal Bridge" not in table
    assert canal not in bot.store.documents() and not (bot.config.uploads_dir / "canal.txt").exists()
    status, *_ = client.predict([], api_name="/confirm_delete")  # a second "Yes" deletes nothing more
    assert "Nothing to delete" in status


def test_deleting_a_corpus_article_keeps_its_file_until_restored(client, bot, corpus):
    orchard = doc_id_for(corpus / "orchard.txt")
    text, _ = client.predict([orchard], api_name="/delete")
    assert "the file stays in its folder and is skipped from now on" in text
    status, table, _within, _select, restore = client.predict([], api_name="/confirm_delete")
    assert "stays where it is" in status and (corpus / "orchard.txt").exists()
    assert "Removed from the library (1)" in table and "orchard.txt" in table
    bot.ingest(progress=False)
    assert orchard not in bot.store.documents()
    status, table, *_ = client.predict([str((corpus / "orchard.txt").resolve())], [], api_name="/restore")
    assert "orchard.txt</strong>: restored" in status and "Removed from the library" not in table
    assert orchard in bot.store.documents()


def test_replace_the_selected_article(client, bot, tmp_path):
    from gradio_client import handle_file

    _upload(client, [write(tmp_path, "old.txt", BRIDGE.replace("Harbor", "Canal"))])
    old = doc_id_for(bot.config.uploads_dir / "old.txt")
    new = write(tmp_path, "new.txt", BRIDGE.replace("Harbor", "River"))
    report, *_ = client.predict([old], [handle_file(str(new))], [], api_name="/replace")
    assert "new.txt</strong>: added" in report and "and its uploaded copy" in report
    assert old not in bot.store.documents() and doc_id_for(bot.config.uploads_dir / "new.txt") in bot.store.documents()
    report, *_ = client.predict([], [handle_file(str(new))], [], api_name="/replace")
    assert "Select exactly one article" in report
    bot.remove("new.txt")


def test_ask_within_the_chosen_articles(client, corpus):
    q = "How much did the Harbor Bridge repairs cost?"
    history, _, _ = client.predict(q, [], [], api_name="/ask")
    assert "bridge.txt" in card_sources(last_html(history))
    within = [doc_id_for(corpus / "orchard.txt"), doc_id_for(corpus / "observatory.md")]
    history, _, _ = client.predict(q, [], within, api_name="/ask")
    body = last_html(history)
    assert "fb-within" in body and "Searched only within: " in body and "Valley Orchards" in body
    assert "bridge.txt" not in card_sources(body)


def test_pdf_upload_cards_show_the_page(client, bot, tmp_path):
    pdf = write(tmp_path, "tunnel.pdf", pdf_bytes([
        ["Cooper Tunnel Opens", "The Cooper Tunnel opened to cars on Sunday morning after four years of work."],
        ["Transport officials said the Cooper Tunnel cost 90 million dollars to build."],
    ]))  # fmt: skip
    report, table = _upload(client, [pdf])
    assert "tunnel.pdf</strong>: added" in report and "Cooper Tunnel Opens" in table
    out = client.predict("The Cooper Tunnel cost 90 million dollars to build.", [doc_id_for(bot.config.uploads_dir / "tunnel.pdf")],
                         api_name="/check")  # fmt: skip
    assert 'data-label="SUPPORTED"' in out and "tunnel.pdf" in card_sources(out)
    assert '<span class="fb-page">p. 2</span>' in out and "Checked only within: Cooper Tunnel Opens" in out


def _report_files(value) -> list[Path]:
    """The report files of the File output (an update that also shows it, through the API)."""
    value = value.get("value") if isinstance(value, dict) and "__type__" in value else value
    return [Path(f if isinstance(f, str) else f["path"]) for f in value or []]


def test_report_of_the_conversation_and_of_the_claims(bot):
    from gradio_client import Client

    with running_app(bot.config, bot=bot) as url:  # a fresh session: its own conversation
        client = Client(url, verbose=False)
        note, files = client.predict(api_name="/report_ask")
        assert "Nothing to report yet" in note and not _report_files(files)
        client.predict("How much did the Harbor Bridge repairs cost?", [], [], api_name="/ask")
        client.predict("What did Omar Haddad warn about?", [], [], api_name="/ask")
        note, files = client.predict(api_name="/report_ask")
        assert "Report of 2 items" in note
        paths = sorted(_report_files(files))
        md_path, json_path = [p for p in paths if p.suffix == ".md"][0], [p for p in paths if p.suffix == ".json"][0]
        text = md_path.read_text()
        assert "## 1. Question: How much did the Harbor Bridge repairs cost?" in text and "## 2. Question" in text
        data = json.loads(json_path.read_text())
        assert [i["question"] for i in data["items"]] == ["How much did the Harbor Bridge repairs cost?",
                                                           "What did Omar Haddad warn about?"]  # fmt: skip
        for item in data["items"]:
            for q in item["quotes"]:
                assert bot.store.document(q["doc_id"]).text[q["start"] : q["end"]] == q["quote"]

        client.predict("Mayor Lena Ortiz said the repairs cost 4.2 million dollars.", [], api_name="/check")
        note, files = client.predict(api_name="/report_check")
        text = next(p for p in _report_files(files) if p.suffix == ".md").read_text()
        assert "## 1. Claim: Mayor Lena Ortiz said the repairs cost 4.2 million dollars." in text
        assert re.search(r"\*\*Verdict: (Supported|Not enough information|Refuted|Conflicting)\*\*", text)
