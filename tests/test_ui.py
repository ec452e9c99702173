"""The web UI. Pure tests of follow-up rewriting and HTML rendering; gradio_client tests against
the real app on a free loopback port (real embedder, real Chroma; a scripted model for control
flow, the real model for the model-marked tests)."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from conftest import encrypted_pdf, pdf_bytes
from ui_harness import (
    KELLOGG_DOC, ScriptedModel, answered_question, card_sources, free_port, last_html, make_config, running_app,
)  # fmt: skip

from factbot.app import ui_render as R
from factbot.core.errors import BadInput, FactbotError
from factbot.app.followup import standalone_question
from factbot.core.types import Answer, Citation, Document, Evidence, Label, Verdict

# Follow-ups ----------------------------------------------------------------------------------
FOLLOWUPS = [
    # previous questions, new message, standalone question
    ([], "What did he clarify?", "What did he clarify?"),
    (["Who is Keith Kellogg?"], "What did he clarify?", "What did Keith Kellogg clarify?"),
    (["What did Kellogg clarify?"], "What did he say about troops?", "What did Kellogg say about troops?"),
    (["What did Kellogg clarify?"], "What was his role?", "What was Kellogg’s role?"),
    (["What did Kellogg clarify?"], "What about Peskov?", "What did Peskov clarify?"),
    (["What did Kellogg clarify?"], "And Zelenskyy?", "What did Zelenskyy clarify?"),
    (["What did Kellogg clarify?"], "Did Putin agree with him?", "Did Putin agree with Kellogg?"),
    (["What did Kellogg clarify?"], "What did Peskov say?", "What did Peskov say?"),
    (["Who is Trump?"], "What did Kellogg say when he clarified?", "What did Kellogg say when he clarified?"),
    (["What did Karoline Leavitt say?"], "Who met her?", "Who met Karoline Leavitt?"),
    (["What did the Kremlin say about the meeting?"], "What did they deny?", "What did the Kremlin deny?"),
    (["Did Trump and Putin meet?"], "What did they say?", "What did Trump and Putin say?"),
    (["Is the Trump-Putin meeting still possible?"], "When will it happen?",
     "When will it happen? (the Trump-Putin meeting still possible)"),
    (["What did Kellogg clarify?", "What about Peskov?"], "What did he say?", "What did Peskov say?"),
    (["What did Kellogg clarify?"], "Thanks!", "Thanks!"),
]  # fmt: skip


@pytest.mark.parametrize("previous,message,expected", FOLLOWUPS)
def test_standalone_question(previous, message, expected):
    assert standalone_question(message, previous) == expected


# Rendering -----------------------------------------------------------------------------------
ARTICLE = "Title line\nFirst para. <script>x()</script> Kellogg said “no troops”.\nSecond para & more."
DOC = Document(id="d1", title="A <b>title</b>", source="/srv/corpus/a&b.txt", text=ARTICLE, sha256="0")
Q0 = ARTICLE.index("Kellogg")
Q1 = ARTICLE.index(".\nSecond") + 1


def cite(n=1, start=Q0, end=Q1, stance="supports"):
    return Citation(n, "d1", DOC.title, DOC.source, ARTICLE[start:end], start, end, 0.9, stance)


def test_linkify_links_known_markers_and_escapes():
    out = R.linkify("A <b> [1]. B [2, 3]. C [9].", turn=2, known=[1, 2, 3])
    assert '<a class="fb-cite" href="#src-2-1">[1]</a>' in out
    assert 'href="#src-2-2">[2]</a><a class="fb-cite" href="#src-2-3">[3]</a>' in out
    assert "[9]" in out and "#src-2-9" not in out and "&lt;b&gt;" in out


def test_passage_marks_the_quote_inside_its_paragraph_escaped():
    body = R.passage_html(DOC, Q0, Q1, ARTICLE[Q0:Q1])
    assert body.startswith("First para. &lt;script&gt;")  # the paragraph, not the title line
    assert "<mark>Kellogg said “no troops”.</mark>" in body and "Second" not in body
    assert "<script>" not in body


def test_passage_falls_back_to_the_quote_when_the_document_changed():
    assert R.passage_html(None, 0, 5, "a <q>") == "<mark>a &lt;q&gt;</mark>"
    assert R.passage_html(DOC, 0, 5, "other") == "<mark>other</mark>"


def test_long_paragraphs_are_cut_around_the_quote():
    text = "word " * 400 + "QUOTE." + " tail" * 400
    start = text.index("QUOTE")
    p0, p1 = R.paragraph_span(text, start, start + 6)
    assert 0 < p0 < start and start + 6 < p1 < len(text) and p1 - p0 < 2 * R.MAX_CONTEXT + 20
    doc = Document("d", "t", "s", text, "0")
    body = R.passage_html(doc, start, start + 6, "QUOTE.")
    assert body.startswith("… ") and body.endswith(" …")


def test_answer_cards_and_links_match():
    a = Answer(question="What did Kellogg say?", text="He said no troops [1].", citations=(cite(),), abstained=False)
    out = R.answer_html(a, "What did he say?", {"d1": DOC}, turn=3)
    assert 'class="fb-answer fb-answered"' in out and 'href="#src-3-1"' in out and 'id="src-3-1"' in out
    assert "Searched for: “What did Kellogg say?”" in out  # the rewritten question is shown
    assert "A &lt;b&gt;title&lt;/b&gt;" in out and 'data-source="a&amp;b.txt"' in out and "/srv/corpus" not in out
    assert "\n" not in out  # one line: Markdown must not split the HTML block


def test_abstention_looks_different_and_offers_the_closest_passages():
    ev = Evidence(1, "d1", DOC.title, DOC.source, ARTICLE[Q0:Q1], Q0, Q1, 0.2)
    a = Answer(question="Q?", text="The articles do not say.", citations=(), abstained=True, evidence=(ev,))
    out = R.answer_html(a, "Q?", {"d1": DOC}, turn=1)
    assert "fb-abstained" in out and "fb-notice" in out and "fb-answered" not in out
    assert "Closest passages, for you to judge" in out and "<mark>Kellogg said" in out


def test_verdict_badges():
    for label, text in [(Label.SUPPORTED, "Supported"), (Label.REFUTED, "Refuted"),
                        (Label.NOT_ENOUGH_INFO, "Not enough info"), (Label.CONFLICTING, "Conflicting")]:  # fmt: skip
        v = Verdict("Kellogg said <no> troops.", label, "Because.", (cite(stance="refutes"),), 0.8)
        out = R.verdicts_html([v], {"d1": DOC})
        assert f">{text}</span>" in out and f'data-label="{label}"' in out
        assert "&lt;no&gt;" in out and "fb-tag-refutes" in out and "<mark>" in out


def test_library_and_upload_report():
    rec = SimpleNamespace(id="d1", title="<i>T</i>", source="/data/uploads/x.md", chunks=3, ingested_at=0.0)
    out = R.library_html([rec], uploads_root="/data/uploads")
    assert "1 articles, 3 passages" in out and "&lt;i&gt;T" in out and ">uploaded<" in out
    assert "No articles" in R.library_html([])
    rep = R.upload_report_html([("a.md", "added")], [("b<.pdf", "wrong type (.pdf)")])
    assert "a.md" in rep and "b&lt;.pdf</strong> was not added: wrong type (.pdf)" in rep


# The app, with a scripted model ----------------------------------------------------------------
@pytest.fixture(scope="module")
def fake_bot(tmp_path_factory, embedder):
    from factbot.pipeline.factbot import FactBot

    config = make_config(tmp_path_factory.mktemp("ui-fake"), check_mode="code", max_file_bytes=20_000)
    bot = FactBot(config, embedder=embedder, model=ScriptedModel())
    bot.ingest(progress=False)
    return bot


@pytest.fixture(scope="module")
def client(fake_bot):
    from gradio_client import Client

    with running_app(fake_bot.config, bot=fake_bot) as url:
        yield Client(url, verbose=False)


def test_evidence_streams_before_the_answer(client):
    job = client.submit("What did Kellogg clarify?", [], api_name="/ask")
    history, status, box = job.result(timeout=120)
    bodies = [last_html(out[0]) for out in job.outputs() if out[0]]
    pending = next(i for i, b in enumerate(bodies) if "fb-pending" in b and "fb-card" in b)
    answered = next(i for i, b in enumerate(bodies) if "fb-answered" in b)
    assert pending < answered
    assert any("fb-pending" in b and 'class="fb-text"' in b for b in bodies[pending:answered])  # tokens stream
    final = last_html(history)
    assert answered_question(final) == "What did Kellogg clarify?" and status == "" and box == ""
    assert KELLOGG_DOC in card_sources(final) and "<mark>" in final
    assert 'href="#src-1-1"' in final and 'id="src-1-1"' in final


def test_a_stop_press_that_beats_the_cancellation_ends_the_answer_with_the_note(fake_bot):
    """Stop reaches the server before Gradio cancels the answer's generator: its next update is the
    "Stopped" note, never more of the unchecked answer (scripted model: control flow only)."""
    from types import SimpleNamespace

    from factbot.app.ui import STOPPED_NOTE, StopPresses, make_respond

    stops, me, other = StopPresses(), SimpleNamespace(session_hash="me"), SimpleNamespace(session_hash="other")
    respond = make_respond(fake_bot, 2_000, stops)
    updates = respond("What did Kellogg clarify?", [], request=me)
    history = next(updates)[0]  # the question and "searching"
    while "fb-pending" not in last_html(history):
        history = next(updates)[0]
    stops.press(other)  # another browser's Stop leaves this answer alone
    history = next(updates)[0]
    assert "fb-pending" in last_html(history)  # still being written
    history, _ = stops.stop(history, [], request=me)
    assert STOPPED_NOTE in last_html(history)  # what the Stop handler shows at once
    rest = [last_html(out[0]) for out in updates]
    assert rest == [last_html(history)]  # the answer's next update is the note, then it ends
    finished = list(respond("What did Kellogg clarify?", [], request=other))  # other's count was taken before its press
    assert "fb-answered" in last_html(finished[-1][0])


def test_follow_up_question_is_made_standalone(client):
    history, _, _ = client.predict("What did Kellogg clarify?", [], api_name="/ask")
    history, _, _ = client.predict("What did he clarify?", history, api_name="/ask")
    final = last_html(history)
    assert len(history) == 4 and history[2]["content"][0]["text"] == "What did he clarify?"
    assert answered_question(final) == "What did Kellogg clarify?" and "Searched for:" in final
    assert 'id="src-2-1"' in final  # the second answer's cards have their own anchors


def test_bad_messages_get_a_hint_and_keep_the_session(client):
    history, _, _ = client.predict("What did Kellogg clarify?", [], api_name="/ask")
    same, status, box = client.predict("   ", history, api_name="/ask")
    assert len(same) == len(history) and "fb-message-hint" in status and "Kellogg" in status
    long = "Why? " * 401
    same, status, box = client.predict(long, history, api_name="/ask")
    assert len(same) == len(history) and "2,000" in status and "fb-message-error" in status
    assert box == long  # kept, so it can be shortened
    history, status, _ = client.predict("How long was Steve Witkoff's meeting with Putin?", same, api_name="/ask")
    assert len(history) == 4 and status == "" and "fb-answered" in last_html(history)


QUESTIONS = {  # question -> the article that answers it
    "How long was Steve Witkoff's meeting with Putin in St. Petersburg?": KELLOGG_DOC,
    "Which nuclear power plant did Witkoff and Karoline Leavitt say the talks had touched on?": "003_8114263770172673.txt",
    "How many working groups has Moscow proposed, and on which issues?": "002_a866e3e8c53c6af1.txt",
}  # fmt: skip


def ask_concurrently(client, questions) -> dict[str, tuple[str, float]]:
    def ask(q):
        t0 = time.perf_counter()
        history, _, _ = client.submit(q, [], api_name="/ask").result(timeout=900)
        return q, (last_html(history), time.perf_counter() - t0)

    with ThreadPoolExecutor(len(questions)) as pool:
        return dict(pool.map(ask, questions))


def test_concurrent_questions_get_their_own_sources(client):
    results = ask_concurrently(client, QUESTIONS)
    for q, (body, _) in results.items():
        assert answered_question(body) == " ".join(q.split())
        assert QUESTIONS[q] in card_sources(body), (q, card_sources(body))


def test_claim_check_view(client):
    from factbot.app.ui import has_claim_checks

    if not has_claim_checks():
        pytest.skip("FactBot.check is not there yet: the view is absent")
    out = client.predict("John Healey called the coalition's plans unclear.", api_name="/check")
    assert "fb-verdict" in out and any(f'data-label="{label}"' in out for label in Label)
    assert "fb-message-hint" in client.predict("  ", api_name="/check")


def test_uploads_add_good_files_and_name_rejected_ones(client, fake_bot, tmp_path):
    from gradio_client import handle_file

    good = tmp_path / "harbor.md"
    good.write_text("# Harbor Bridge Reopens\n\nThe Harbor Bridge reopened on Monday after eleven weeks of repairs.\n")
    report, _, library, *_ = client.predict([handle_file(str(good))], False, [], api_name="/add_files")
    assert "harbor.md</strong>: added" in report and "Harbor Bridge Reopens" in library and ">uploaded<" in library
    before = (fake_bot.store.count(), set(fake_bot.store.documents()))

    bad = {
        "blob.txt": b"\x00\x01binary" * 10,
        "empty.txt": b"   \n",
        "huge.txt": b"words and more words. " * 2000,
        "slides.pptx": b"PK\x03\x04 slides",
        "broken.pdf": b"%PDF-1.4 not an article",
        "locked.pdf": encrypted_pdf(pdf_bytes([["The council approved the budget on Tuesday after a debate."]])),
        "scan.pdf": pdf_bytes([[], []]),
        "broken.docx": b"PK\x03\x04 not a word file",
    }
    paths = []
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
        paths.append(handle_file(str(tmp_path / name)))
    report, _, library, *_ = client.predict(paths, False, [], api_name="/add_files")
    for name, reason in [("blob.txt", "binary"), ("empty.txt", "empty"), ("huge.txt", "too large"),
                         ("slides.pptx", "wrong type"), ("broken.pdf", "not a readable PDF"),
                         ("locked.pdf", "encrypted PDF: it needs a password"), ("scan.pdf", "no text in this PDF"),
                         ("broken.docx", "not a readable Word .docx file")]:  # fmt: skip
        assert f"{name}</strong> was not added: {reason}" in report, report
    assert (fake_bot.store.count(), set(fake_bot.store.documents())) == before  # nothing lost, nothing added

    report, *_ = client.predict([handle_file(str(good))], False, [], api_name="/add_files")
    assert "unchanged" in report
    assert "Choose one or more" in client.predict([], False, [], api_name="/add_files")[0]


def test_login_when_auth_is_set(fake_bot):
    from gradio_client import Client

    with running_app(fake_bot.config.with_(ui_auth="ann:s3cret"), bot=fake_bot) as url:
        with pytest.raises(Exception):
            Client(url, verbose=False).predict(api_name="/library")
        assert "articles" in Client(url, auth=("ann", "s3cret"), verbose=False).predict(api_name="/library")


def test_serve_options():
    from factbot.app.cli import build_parser
    from factbot.app.ui import parse_auth

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.auth) == (None, None, None)  # -> Config: 127.0.0.1:7860, no login
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8080", "--auth", "a:b"])
    assert (args.host, args.port, parse_auth(args.auth)) == ("0.0.0.0", 8080, ("a", "b"))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--share"])
    with pytest.raises(BadInput):
        parse_auth("no-colon")


def test_busy_port_is_reported(fake_bot):
    from factbot.app.ui import build_app, launch

    with socket.socket() as s:
        port = free_port()
        s.bind(("127.0.0.1", port))
        s.listen()
        with pytest.raises(FactbotError, match="another --port"):
            launch(build_app(fake_bot), fake_bot.config.with_(ui_port=port), block=False)


# The app with the real model ------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_client(tmp_path_factory, embedder):
    from gradio_client import Client

    from factbot.pipeline.factbot import FactBot

    bot = FactBot(make_config(tmp_path_factory.mktemp("ui-model")), embedder=embedder)
    bot.ingest(progress=False)
    with running_app(bot.config, bot=bot) as url:
        yield Client(url, verbose=False)


@pytest.mark.model
def test_three_concurrent_questions_real_model(model_client):
    t0 = time.perf_counter()
    results = ask_concurrently(model_client, QUESTIONS)
    wall = time.perf_counter() - t0
    for q, (body, seconds) in results.items():
        print(f"{seconds:6.1f} s  {q}")
        assert answered_question(body) == " ".join(q.split())
        assert "fb-answered" in body or "fb-abstained" in body
        assert QUESTIONS[q] in card_sources(body), (q, card_sources(body))
    print(f"{wall:6.1f} s  wall for {len(QUESTIONS)} concurrent questions")


@pytest.mark.model
def test_claim_check_real_model(model_client):
    from factbot.app.ui import has_claim_checks

    if not has_claim_checks():
        pytest.skip("FactBot.check is not there yet: the view is absent")
    out = model_client.predict("Putin has confirmed he will attend the parade in Beijing.", api_name="/check")
    assert 'data-label="SUPPORTED"' in out, out
    assert "001_93b11b6d99d7b0f3.txt" in card_sources(out) and "<mark>" in out
