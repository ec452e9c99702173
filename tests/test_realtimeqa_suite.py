"""evals/realtimeqa.py without the model: reading the format, parts by week, a sample spread over
weeks, one file per distinct article, and the scoring of replies."""

import datetime as dt
import json

import pytest

from factbot.core.errors import BadInput
from factbot.evals import realtimeqa as R


def item(week: str, n: int, answer: str = "Paris", urls=("u1",)) -> dict:
    return {"id": f"{week}_{n}", "date": f"{week[:4]}/{week[4:6]}/{week[6:]}", "question": f"Q{week}{n}?",
            "answer": answer, "choices": [answer, "Rome"],
            "articles": [{"url": u, "title": f"T {u}", "text": f"Text of {u} about {answer}."} for u in urls]}  # fmt: skip


@pytest.fixture()
def suite(tmp_path):
    rows = [item(w, n) for w in ("20250103", "20250627", "20250704", "20250711") for n in range(3)]
    p = tmp_path / "rtqa.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows))
    return p


def test_parts_split_by_week(suite):
    items = R.load(suite)
    assert {i.week for i in R.select(items, "fit", None)} == {"20250103", "20250627"}
    assert {i.week for i in R.select(items, "report", None)} == {"20250704", "20250711"}
    assert items[0].date == dt.date(2025, 1, 3)


def test_a_sample_is_spread_over_weeks(suite):
    chosen = R.select(R.load(suite), "report", 3)
    assert len(chosen) == 3 and {i.week for i in chosen} == {"20250704", "20250711"}
    assert R.select(R.load(suite), "report", 3) == chosen  # seeded


def test_one_file_per_distinct_article(suite):
    files = R.collection(R.load(suite))
    assert len(files) == 1 and next(iter(files.values())).startswith("T u1\n\nText of u1")


def test_scoring(suite):
    i = R.load(suite)[0]
    right = R.score(i, True, "The summit was held in Paris [1].", False, ["Leaders met in Paris."], 2.0, "factbot")
    uncited = R.score(i, True, "It was Paris [1].", False, ["Leaders met."], 2.0, "factbot")
    wrong = R.score(i, True, "It was Rome [1].", False, ["Leaders met in Rome."], 3.0, "factbot")
    declined = R.score(i, False, "The articles do not say.", True, [], 0.5, "factbot")
    assert (right.correct, right.cited, uncited.correct, uncited.cited, wrong.correct) == (True, True, True, False, False)
    s = R.summarize([right, uncited, wrong, declined])
    assert s["answerable_correct"] == round(2 / 3, 3) and s["answerable_cited"] == round(1 / 3, 3)
    assert s["wrong_stated"] == 0.25 and s["unanswerable_declined"] == 1.0 and s["seconds_median"] == 2.0


def test_bad_input(tmp_path, suite):
    with pytest.raises(BadInput, match="No RealTimeQA file"):
        R.load(tmp_path / "missing.jsonl")
    with pytest.raises(BadInput, match="--part"):
        R.select(R.load(suite), "dev", None)
