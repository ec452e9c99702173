"""The external RGB suite (evals/rgb.py, evals/funnel.py): the format loader, RGB's answer rule,
writing the collection, negatives-only mode, the funnel on hand-built Found/Answer objects, and
one run of run_rgb over a fake bot. No model, no index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factbot.answer.find import Found
from factbot.app.cli import main
from factbot.core.errors import BadInput
from factbot.core.types import AbstainReason, Answer, Chunk, Citation, Evidence, IndexReport, Passage
from factbot.evals import funnel as fn
from factbot.evals import rgb
from factbot.evals.metrics import Cited, Reply, Span
from factbot.evals.report import rgb_markdown, rgb_summary_text

PRIZE = {
    "id": 50,
    "query": "Who was awarded the 2018 Vesper Prize for poetry?",
    "answer": "Mara Lindqvist",
    "fakeanswer": "Tomas Brekke",
    "positive": ["The Vesper Prize for poetry 2018 was awarded to Mara Lindqvist ...",
                 "The 2018 prize went to the Swedish writer Mara Lindqvist."],
    "negative": ["The Vesper Prize has been awarded 40 times.",
                 "The Swedish Academy postponed the 2018 prize over a scandal."],
    "positive_wrong": ["The Vesper Prize for poetry 2018 was awarded to Tomas Brekke ..."],
}  # fmt: skip
GAME = {
    "id": 51,
    "query": "What is the release date of Starfall Saga (2018)?",
    "answer": [["March 9 2018", "Mar 9, 2018", "March 9, 2018"]],
    "fakeanswer": "April 2, 2011",
    "positive": ["Starfall Saga was released worldwide on March 9, 2018, for the PlayStation 4."],
    # the same text as a noise passage of item 50 (written once), and one that holds item 50's answer
    "negative": ["The Vesper Prize has been awarded 40 times.",
                 "Mara Lindqvist also reviewed Starfall Saga, the critics said."],
    "positive_wrong": ["Starfall Saga was released worldwide on April 2, 2011, for the PlayStation 4."],
}  # fmt: skip


def write_suite(path: Path, *objs) -> Path:
    path.write_text("\n".join(json.dumps(o) if isinstance(o, dict) else o for o in objs) + "\n", encoding="utf-8")
    return path


# The format ----------------------------------------------------------------------------------
def test_loads_a_good_file_into_frozen_items(tmp_path):
    items = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE, "", GAME))
    assert [i.id for i in items] == [50, 51]
    assert items[0].answer == "Mara Lindqvist" and items[0].fakeanswer == "Tomas Brekke"
    assert items[1].answer == (("March 9 2018", "Mar 9, 2018", "March 9, 2018"),)
    assert items[1].positive_wrong == tuple(GAME["positive_wrong"])
    with pytest.raises(AttributeError):
        items[0].query = "changed"


def test_the_dev_file_loads_when_present():
    dev = Path(__file__).resolve().parents[2] / "shared" / "dev" / "rgb_en_fact_dev.jsonl"
    if not dev.is_file():
        pytest.skip("the shared dev data is not on this machine")
    items = rgb.load_suite(dev)
    assert len(items) == 50 and {i.id for i in items} == set(range(50, 100))


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({**PRIZE, "id": "50"}), "id must be a whole number"),
        (json.dumps({**PRIZE, "id": -1}), "id must be a whole number"),
        (json.dumps({**PRIZE, "query": " "}), "query must be a non-empty string"),
        (json.dumps({k: v for k, v in PRIZE.items() if k != "answer"}), "has no answer"),
        (json.dumps({**PRIZE, "answer": []}), "answer must be"),
        (json.dumps({**PRIZE, "answer": [["a"], []]}), "answer must be"),
        (json.dumps({**PRIZE, "answer": [1]}), "answer must be"),
        (json.dumps({**PRIZE, "fakeanswer": ""}), "fakeanswer must be"),
        (json.dumps({k: v for k, v in PRIZE.items() if k != "negative"}), "no 'negative' list"),
        (json.dumps({**PRIZE, "positive": "one passage"}), "positive must be a list of strings"),
        (json.dumps({**PRIZE, "id": 51}), "duplicate id 51 (first on line 2)"),
    ],
)
def test_a_malformed_line_is_named_by_its_number(tmp_path, line, message):
    path = write_suite(tmp_path / "s.jsonl", PRIZE, GAME, line)  # the bad line is line 3
    with pytest.raises(BadInput) as e:
        rgb.load_suite(path)
    assert f"{path}:3:" in str(e.value) and message in str(e.value)


def test_a_missing_or_empty_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        rgb.load_suite(tmp_path / "absent.jsonl")
    with pytest.raises(BadInput, match="no items"):
        rgb.load_suite(write_suite(tmp_path / "empty.jsonl", ""))


# RGB's rule ----------------------------------------------------------------------------------
def test_rgb_rule_string_list_alternatives_and_case():
    assert rgb.holds_answer("Mara Lindqvist", "It went to MARA LINDQVIST in 2019.")
    assert not rgb.holds_answer("Mara Lindqvist", "It went to Lindqvist.")
    assert rgb.holds_answer(("Paris", "London"), "Paris and london")  # every item
    assert not rgb.holds_answer(("Paris", "London"), "Paris only")
    dates = (("March 9 2018", "Mar 9, 2018"),)  # an inner list: any one suffices
    assert rgb.holds_answer(dates, "released mar 9, 2018")
    assert not rgb.holds_answer(dates, "released April 2, 2011")
    assert rgb.holds_answer(("Beijing", ("2008", "two thousand eight")), "Beijing, 2008")
    assert not rgb.holds_answer(("Beijing", ("2008", "two thousand eight")), "Beijing, 2012")
    assert rgb.holds_answer("Soul", "Soulful")  # RGB's rule is a plain substring test


# Slices --------------------------------------------------------------------------------------
def test_halves_limit_and_ids(tmp_path):
    items = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE, GAME, {**PRIZE, "id": 52}, {**GAME, "id": 53}))
    assert [i.id for i in rgb.select_items(items, half="a")] == [50, 52]
    assert [i.id for i in rgb.select_items(items, half="b")] == [51, 53]
    assert [i.id for i in rgb.select_items(items, limit=3)] == [50, 51, 52]
    assert [i.id for i in rgb.select_items(items, ids=["53", "50"], half="b")] == [53]
    for bad in ({"ids": ["99"]}, {"ids": ["x"]}, {"limit": 0}, {"half": "c"}, {"ids": ["50"], "half": "b"}):
        with pytest.raises(BadInput):
            rgb.select_items(items, **bad)


# The collection ------------------------------------------------------------------------------
def test_collection_names_files_stably_and_writes_identical_texts_once(tmp_path):
    items = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE, GAME))
    noise = rgb.collection(items, "noise")
    names = [p.name for p in noise]
    assert names == ["050_positive_0.txt", "050_positive_1.txt", "050_negative_0.txt", "050_negative_1.txt",
                     "051_positive_0.txt", "051_negative_1.txt"]  # fmt: skip
    shared = next(p for p in noise if p.name == "050_negative_0.txt")
    assert shared.items == (50, 51) and shared.kinds == ("negative",)
    assert not any("positive_wrong" in n for n in names)
    counter = [p.name for p in rgb.collection(items, "counterfactual")]
    assert "050_positive_wrong_0.txt" in counter and "051_positive_wrong_0.txt" in counter

    folder = tmp_path / "passages"
    (folder).mkdir()
    (folder / "999_negative_0.txt").write_text("stale")
    assert rgb.write_collection(noise, folder) == {"written": 6, "unchanged": 0, "removed": 1}
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert (folder / "051_positive_0.txt").read_text() == GAME["positive"][0] + "\n"
    assert rgb.write_collection(noise, folder) == {"written": 0, "unchanged": 6, "removed": 0}


def test_gold_is_every_passage_that_holds_the_answer_but_never_a_positive_wrong(tmp_path):
    items = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE, GAME))
    counter = rgb.collection(items, "counterfactual")
    # item 51's noise passage names Mara Lindqvist: by RGB's rule it holds item 50's answer
    assert rgb.gold_files(items[0].answer, counter) == {"050_positive_0.txt", "050_positive_1.txt",
                                                        "051_negative_1.txt"}  # fmt: skip
    assert rgb.gold_files(items[1].answer, counter) == {"051_positive_0.txt"}
    assert rgb.gold_files(items[1].fakeanswer, counter) == set()  # the fake answer's passages are not gold


def test_negatives_only_leaves_out_every_passage_that_holds_an_answer(tmp_path):
    items = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE, GAME))
    negatives = rgb.collection(items, "negatives")
    assert [p.name for p in negatives] == ["050_negative_0.txt", "050_negative_1.txt"]
    assert all(p.kinds == ("negative",) for p in negatives)
    assert not any(rgb.holds_answer(i.answer, p.text) for i in items for p in negatives)
    with pytest.raises(BadInput, match="mode"):
        rgb.collection(items, "noisy")


# The funnel, on hand-built Found and Answer objects -----------------------------------------
GOLD_TEXT = "The Vesper Prize for poetry 2018 was awarded to Mara Lindqvist."
NOISE_TEXT = "The Swedish Academy postponed the 2018 prize over a scandal."


def passage(name: str, text: str) -> Passage:
    return Passage(Chunk(f"{name}:0", name, text, 0, len(text)), name, f"/data/passages/{name}", 0.5)


def evidence(n: int, name: str, text: str) -> Evidence:
    return Evidence(n, name, name, f"/data/passages/{name}", text, 0, len(text), 0.7)


def citation(n: int, name: str, quote: str) -> Citation:
    return Citation(n, name, name, f"/data/passages/{name}", quote, 0, len(quote), 0.9)


GOLD = frozenset({"050_positive_0.txt"})
MATCHES = lambda t: rgb.holds_answer("Mara Lindqvist", t)  # noqa: E731
FOUND = Found(
    [evidence(1, "050_positive_0.txt", GOLD_TEXT)], 0.8,
    candidates=(passage("050_negative_1.txt", NOISE_TEXT), passage("050_positive_0.txt", GOLD_TEXT)),
    shortlisted=(passage("050_positive_0.txt", GOLD_TEXT),),
)  # fmt: skip


def hand_built_answer(text: str, cites=(), raw: str | None = None, shown=None, reason=None) -> Answer:
    """A fake Answer built by hand: what bot.answer would return, without the model."""
    return Answer(question=PRIZE["query"], text=text, citations=tuple(cites), abstained=reason is not None,
                  raw_text=text if raw is None else raw, evidence=tuple(FOUND.evidence if shown is None else shown),
                  reason=reason)  # fmt: skip


def test_funnel_every_stage_holds_the_answer():
    a = hand_built_answer("It went to Mara Lindqvist [1].", [citation(1, "050_positive_0.txt", GOLD_TEXT)])
    f = fn.funnel(GOLD, MATCHES, FOUND, a)
    assert all(f.flags().values()) and f.lost_at is None and f.marks() == "CSERFG"


def test_funnel_finds_the_first_losing_stage():
    lost_retrieval = Found([], 0.1, candidates=(passage("050_negative_1.txt", NOISE_TEXT),))
    declined = hand_built_answer("The articles do not say.", raw="", shown=(), reason=AbstainReason.NO_RELEVANT_PASSAGES)
    f = fn.funnel(GOLD, MATCHES, lost_retrieval, declined)
    assert f.lost_at == "candidates" and f.marks() == "......"

    # the gold passage was shortlisted but its answer sentence was not shown
    shown = (evidence(1, "050_positive_0.txt", "The Vesper Prize for poetry 2018 was awarded."),)
    f = fn.funnel(GOLD, MATCHES, FOUND, hand_built_answer("Nobody [1].", shown=shown))
    assert f.lost_at == "evidence" and f.marks() == "CS...."

    # the model named the answer, the checks dropped it
    a = hand_built_answer("The articles do not clearly answer this.", raw="Mara Lindqvist won [1].",
                          reason=AbstainReason.UNSUPPORTED)  # fmt: skip
    f = fn.funnel(GOLD, MATCHES, FOUND, a)
    assert f.lost_at == "final" and f.marks() == "CSER.."

    # right answer, but cited from a noise passage
    a = hand_built_answer("Mara Lindqvist [1].", [citation(1, "050_negative_1.txt", NOISE_TEXT)])
    f = fn.funnel(GOLD, MATCHES, FOUND, a)
    assert f.lost_at == "final_cites_gold" and f.marks() == "CSERF."


def test_a_gold_file_chunk_without_the_answer_does_not_count():
    other = passage("050_positive_0.txt", "The Swedish Academy announced two laureates.")
    assert not fn.stage_holds([(other.source, other.chunk.text)], GOLD, MATCHES)
    assert not fn.stage_holds([("/x/050_negative_1.txt", "Mara Lindqvist")], GOLD, MATCHES)  # not a gold file
    assert fn.reply_holds("Mara [1] Lindqvist", MATCHES)  # markers removed before the rule


def test_funnel_totals_share_and_losses():
    held = fn.Funnel(True, True, True, True, True, True)
    lost = fn.Funnel(True, True, False, False, False, False)
    t = fn.totals([held, lost, None])
    assert t["items"] == 2 and t["kept"] == 1
    assert t["held"]["candidates"] == 1.0 and t["held"]["evidence"] == 0.5
    assert t["lost_at"]["evidence"] == 1 and sum(t["lost_at"].values()) == 1


# Scoring rows --------------------------------------------------------------------------------
def test_factbot_row_scores_correct_cites_gold_and_fake(tmp_path):
    item = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE))[0]
    a = hand_built_answer("Mara Lindqvist [1], not Tomas Brekke [2].", [
        citation(1, "050_positive_0.txt", GOLD_TEXT), citation(2, "050_positive_wrong_0.txt", "Tomas Brekke")])
    row = rgb.factbot_row(item, GOLD, FOUND, a, 1.5)
    assert row.correct and row.cites_gold and row.states_fake and row.lost_at is None
    assert [c.gold for c in row.cited] == [True, False]
    declined = rgb.factbot_row(item, GOLD, FOUND, hand_built_answer("x", reason=AbstainReason.MODEL_DECLINED), 0.2)
    assert not declined.correct and not declined.cites_gold and declined.reason == "model_declined"
    figs = rgb.summarize([row, declined], "counterfactual")
    assert figs["answer_correct"] == 0.5 and figs["states_fake"] == 0.5 and figs["both"] == 0.5
    assert figs["declined"] == 0.5 and figs["abstention_reasons"] == {"model_declined": 1}
    assert figs["latency_median_s"] == pytest.approx(0.85)


def test_baseline_row_counts_retrieved_source_nodes_as_cites_gold(tmp_path):
    item = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE))[0]
    reply = Reply("Mara Lindqvist won [1].", False, (Cited(1, "050_negative_1.txt", 0, 10, NOISE_TEXT),), 3.0,
                  shown=(Span("050_negative_1.txt", 0, 10), Span("050_positive_0.txt", 0, 10)))  # fmt: skip
    row = rgb.baseline_row(item, GOLD, reply)
    assert row.correct and row.cites_gold and row.cites_gold_marked is False
    assert row.retrieved == ("050_negative_1.txt", "050_positive_0.txt")


# The whole run, over a fake bot --------------------------------------------------------------
class FakeStore:
    location = "fake"


class FakeBot:
    """A stand-in for FactBot: answers every question with the first passage file it was given,
    citing it; no index, no model."""

    model = None
    store = FakeStore()

    def __init__(self):
        self.folder = None

    def ingest(self, folder, progress=False):
        self.folder = Path(folder)
        return IndexReport(added=[str(p) for p in sorted(self.folder.iterdir())])

    def _first(self, question):
        name = "051_positive_0.txt" if "Starfall Saga" in question else "050_positive_0.txt"
        if not (self.folder / name).is_file():  # negatives only: the first file there is
            name = sorted(p.name for p in self.folder.iterdir())[0]
        return name, (self.folder / name).read_text().strip()

    def find_evidence(self, question):
        name, text = self._first(question)
        return Found([evidence(1, name, text)], 0.8, (passage(name, text),), (passage(name, text),))

    def answer(self, question):
        name, text = self._first(question)
        shown = [evidence(1, name, text)]
        if "Starfall Saga" in question:  # declines this one
            return hand_built_answer("The articles do not say.", shown=shown, reason=AbstainReason.MODEL_DECLINED)
        return hand_built_answer(f"{text} [1]", [citation(1, name, text)], shown=shown)


def test_run_rgb_over_a_fake_bot_writes_reports_and_gates(tmp_path):
    path = write_suite(tmp_path / "s.jsonl", PRIZE, GAME)
    bot, folder = FakeBot(), tmp_path / "passages"
    limits = {"answer_correct": {"min": 0.4}, "declined": {"max": 0.2}}
    report = rgb.run_rgb(path, "noise", bot=bot, folder=folder, progress=False, out_dir=tmp_path / "out",
                         thresholds=limits)  # fmt: skip
    assert report.n_items == 2 and report.n_passages == 6
    assert report.factbot["answer_correct"] == 0.5 and report.factbot["cites_gold"] == 0.5
    assert report.factbot["abstention_reasons"] == {"model_declined": 1}
    assert report.funnel["items"] == 2 and report.funnel["kept"] == 1
    assert report.funnel["lost_at"]["raw_reply"] == 1  # the declined item lost its answer at the model
    assert report.gate_failures == ["declined = 0.500, above the maximum 0.200"]
    saved = json.loads(Path(report.paths["json"]).read_text())
    assert saved["funnel"]["held"]["evidence"] == 1.0 and saved["rows"][1]["lost_at"] == "raw_reply"
    assert "| factbot | 50 |" in Path(report.paths["markdown"]).read_text()
    text = rgb_summary_text(report)
    assert "funnel" in text and "answers lost at: the model (or an early abstention before it) 1" in text and "model_declined 1" in text
    assert "CSERFG" in text

    neg = rgb.run_rgb(path, "negatives", bot=bot, folder=tmp_path / "neg", progress=False, thresholds=None)
    assert sorted(p.name for p in (tmp_path / "neg").iterdir()) == ["050_negative_0.txt", "050_negative_1.txt"]
    assert neg.factbot["declined"] == 0.5  # FakeBot still answers item 50 from the file it expects
    assert "answer_correct" not in neg.factbot
    assert all(r.funnel is None and r.lost_at is None for r in neg.rows)  # nothing holds an answer: no funnel
    assert "answers given" in rgb_markdown(neg).lower()


def test_counterfactual_needs_fakeanswer_and_positive_wrong(tmp_path):
    plain = {k: v for k, v in PRIZE.items() if k not in ("fakeanswer", "positive_wrong")}
    path = write_suite(tmp_path / "s.jsonl", plain)
    with pytest.raises(BadInput, match="--counterfactual needs fakeanswer"):
        rgb.run_rgb(path, "counterfactual", bot=FakeBot(), folder=tmp_path / "p", progress=False, thresholds=None)


def test_thresholds_file_is_read_per_mode():
    limits = rgb.mode_thresholds(rgb.DEFAULT_RGB_THRESHOLDS, "noise")
    assert all(set(b) <= {"min", "max"} for b in limits.values())
    assert rgb.mode_thresholds(rgb.DEFAULT_RGB_THRESHOLDS, "no-such-mode") == {}


# The command line ----------------------------------------------------------------------------
def test_cli_rgb_needs_a_suite_file(capsys):
    assert main(["eval", "--suite", "rgb"]) == 2
    assert "--suite rgb needs the RGB-format file" in capsys.readouterr().err


def test_cli_rejects_mixed_suite_options(capsys, tmp_path):
    assert main(["eval", "--limit", "3"]) == 2
    assert "belong to --suite rgb" in capsys.readouterr().err
    assert main(["eval", "--suite", "rgb", "--suite-file", str(tmp_path / "s.jsonl"), "--kinds", "claim"]) == 2
    assert "belong to the bundled suite" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["eval", "--suite", "rgb", "x.jsonl", "--counterfactual", "--negatives-only"])


def test_cli_reports_a_malformed_suite_file(capsys, tmp_path):
    path = write_suite(tmp_path / "s.jsonl", PRIZE, "{oops")
    assert main(["eval", "--suite", "rgb", str(path)]) == 2
    assert f"{path}:2: not valid JSON" in capsys.readouterr().err


def test_conflicts_are_scored_reported_with_the_true_side_or_not(tmp_path):
    from dataclasses import replace

    from factbot.core.types import Side

    item = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE))[0]
    gold, fake = citation(1, "050_positive_0.txt", GOLD_TEXT), citation(2, "050_positive_wrong_0.txt", "Tomas Brekke")
    flagged = replace(hand_built_answer("The sources disagree: [1] says Mara Lindqvist; [2] says Tomas Brekke.",
                                        [gold, fake]),
                      conflicts=(Side("Mara Lindqvist", (gold,), True), Side("Tomas Brekke", (fake,))))  # fmt: skip
    silent = hand_built_answer("Tomas Brekke [2].", [fake])
    rows = [rgb.factbot_row(item, GOLD, FOUND, a, 1.0) for a in (flagged, silent)]
    assert rows[0].conflict and rows[0].true_side and rows[0].sides == ("Mara Lindqvist", "Tomas Brekke")
    assert not rows[1].conflict and rows[1].states_fake
    figs = rgb.summarize(rows, "counterfactual")
    assert figs["conflict_reported"] == 0.5 and figs["true_among_sides"] == 0.5 and figs["fake_unflagged"] == 0.5


def test_the_baselines_words_count_as_reporting_a_conflict(tmp_path):
    item = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE))[0]
    says = Reply("The sources disagree: Mara Lindqvist [1] or Tomas Brekke [2].", False, latency_s=3.0)
    row = rgb.baseline_row(item, GOLD, says)
    assert row.conflict and row.true_side


def test_an_items_claim_is_the_first_long_enough_sentence_holding_its_answer(tmp_path):
    from factbot.evals.rgb_claims import ClaimRow, claim_of, summarize_claims

    item = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE))[0]
    assert "Mara Lindqvist" in claim_of(item, rgb.holds_answer) and len(claim_of(item, rgb.holds_answer).split()) >= 5
    rows = [ClaimRow(1, "c", "CONFLICTING", (("supports", "a"), ("refutes", "b")), 0.1),
            ClaimRow(2, "c", "SUPPORTED", (("supports", "a"),), 0.1)]
    assert summarize_claims(rows) == {"claims": 2, "labels": {"CONFLICTING": 1, "SUPPORTED": 1}, "conflicting": 0.5,
                                      "conflicting_with_both_quotes": 0.5}


def test_a_quote_stating_the_answer_in_another_spelling_counts_only_loosely(tmp_path):
    item = rgb.load_suite(write_suite(tmp_path / "s.jsonl", PRIZE))[0]
    spelled = "The 2018 prize went to LINDQVIST, Mara, the Swedish writer."  # name order, case
    a = hand_built_answer("Mara Lindqvist [1].", [citation(1, "050_negative_1.txt", spelled)])
    row = rgb.factbot_row(item, GOLD, FOUND, a, 1.0)
    assert row.correct and not row.cites_gold and row.cites_answer_loose
    noise = rgb.factbot_row(item, GOLD, FOUND, hand_built_answer("Mara Lindqvist [1].", [
        citation(1, "050_negative_1.txt", NOISE_TEXT)]), 1.0)  # fmt: skip
    assert not noise.cites_answer_loose
    figs = rgb.summarize([row, noise], "noise")
    assert figs["cites_gold"] == 0.0 and figs["cites_answer_loose"] == 0.5
