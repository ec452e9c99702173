"""The scale benchmark's report: the cold `factbot ask` figure is a median of new processes, and
the summary prints it with each run. A report measured at 100,000 chunks is the fixture."""

import json
from pathlib import Path

from factbot.evals import scale

REPORT = Path(__file__).parent / "data" / "scale_report_100k.json"


def test_cli_asks_takes_the_median_of_runs(monkeypatch):
    firsts = iter([9.6, 8.8, 12.5])
    monkeypatch.setattr(scale, "cli_ask", lambda env, q: {"wall_s": 11.0, "answer_total_s": 4.0,
                                                          "first_token_since_start_s": next(firsts)})
    got = scale.cli_asks({}, "q", n=3)
    assert got["first_token_since_start_s"] == 9.6
    assert [r["first_token_since_start_s"] for r in got["runs"]] == [9.6, 8.8, 12.5]


def test_cli_asks_without_any_first_token(monkeypatch):
    # an abstention streams no token: there is no first token to take a median of
    monkeypatch.setattr(scale, "cli_ask", lambda env, q: {"wall_s": 3.0, "answer_total_s": 0.2,
                                                          "first_token_since_start_s": None})
    got = scale.cli_asks({}, "q", n=2)
    assert got["first_token_since_start_s"] is None and got["wall_s"] == 3.0


def test_summary_prints_the_cold_ask_median_and_its_runs():
    text = scale.summary(json.loads(REPORT.read_text()))
    line = next(l for l in text.splitlines() if l.startswith("factbot ask, no server"))
    assert "median of 3" in line and "first token 9.2 s" in line and "runs: 9.0, 9.2, 9.2" in line
    assert "retrieval 19.5/22.0" in text


def test_summary_reads_an_older_single_run_report():
    r = json.loads(REPORT.read_text())
    r["cli_ask_without_server"] = {"wall_s": 15.6, "answer_total_s": 13.2, "first_token_since_start_s": 12.3}
    line = next(l for l in scale.summary(r).splitlines() if l.startswith("factbot ask, no server"))
    assert "first token 12.3 s" in line and "median of 1" in line


def test_summary_when_no_run_streamed_a_token():
    r = json.loads(REPORT.read_text())
    r["cli_ask_without_server"] = {"runs": [], "wall_s": 3.0, "first_token_since_start_s": None}
    line = next(l for l in scale.summary(r).splitlines() if l.startswith("factbot ask, no server"))
    assert "none (no token streamed)" in line
