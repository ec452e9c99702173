"""The FEVER / Climate-FEVER suite (evals/fever.py): the format loader, the fit/report split, the
balanced sampler, the collection (one file per article), the metrics (balanced accuracy, recall,
confusion) and one run of run_fever over a fake bot. No model, no index."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from factbot.app.cli import main
from factbot.core.errors import BadInput
from factbot.core.types import Citation, Label, Stance, Timings, Verdict
from factbot.evals import fever as fv


def ev(article: str, k: int, text: str, label: str = "NOT_ENOUGH_INFO") -> dict:
    return {"evidence_id": f"{article}:{k}", "evidence_label": label, "article": article, "evidence": text,
            "entropy": 0.0, "votes": [label, None]}  # fmt: skip


def claim(cid: str, text: str, label: str, *evidences: dict) -> dict:
    return {"claim_id": cid, "claim": text, "claim_label": label, "evidences": list(evidences)}


CLAIMS = [
    claim("1", "Sea level rise is accelerating.", "SUPPORTS",
          ev("Sea level rise", 7, "The rate of sea level rise has increased in recent decades.", "SUPPORTS"),
          ev("Sea level rise", 2, "Sea level is measured with tide gauges.")),
    claim("2", "Global warming stopped in 1998.", "REFUTES",
          ev("Global warming", 3, "Warming has continued since 1998.", "REFUTES"),
          ev("Sea level rise", 2, "Sea level is measured with tide gauges.")),
    claim("3", "Polar bears like honey.", "NOT_ENOUGH_INFO", ev("Polar bear", 1, "Polar bears live in the Arctic.")),
    claim("4", "CO2 is plant food.", "DISPUTED",
          ev("Carbon dioxide", 4, "Plants use CO2 in photosynthesis.", "SUPPORTS"),
          ev("Carbon dioxide", 9, "Higher CO2 does not simply help plants grow.", "REFUTES")),
]  # fmt: skip


def write(tmp_path: Path, rows: list[dict], name: str = "cf.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return p


def test_load_fever_reads_claims_and_evidence(tmp_path):
    claims = fv.load_fever(write(tmp_path, CLAIMS))
    assert [c.claim_id for c in claims] == ["1", "2", "3", "4"]
    assert [c.expected for c in claims] == [Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO, Label.CONFLICTING]
    assert claims[0].evidences[0].label == "SUPPORTS" and claims[0].evidences[0].position == 7
    assert {c.part for c in claims} <= {"fit", "report"}


@pytest.mark.parametrize(
    "row, message",
    [
        ({"claim": "x", "claim_label": "SUPPORTS", "evidences": []}, "claim_id"),
        ({"claim_id": "1", "claim": " ", "claim_label": "SUPPORTS", "evidences": []}, "claim must"),
        ({"claim_id": "1", "claim": "x", "claim_label": "TRUE", "evidences": []}, "claim_label"),
        ({"claim_id": "1", "claim": "x", "claim_label": "SUPPORTS", "evidences": [{"article": "A", "evidence": "t",
          "evidence_label": "MAYBE"}]}, "evidence_label"),
        ({"claim_id": "1", "claim": "x", "claim_label": "SUPPORTS", "evidences": [{"evidence": "t",
          "evidence_label": "SUPPORTS"}]}, "article"),
    ],
)  # fmt: skip
def test_load_fever_names_the_bad_line(tmp_path, row, message):
    with pytest.raises(BadInput, match=message) as e:
        fv.load_fever(write(tmp_path, [CLAIMS[0], row]))
    assert "cf.jsonl:2" in str(e.value)


def test_load_fever_refuses_duplicates_missing_and_empty_files(tmp_path):
    with pytest.raises(BadInput, match="duplicate claim_id 1"):
        fv.load_fever(write(tmp_path, [CLAIMS[0], CLAIMS[0]]))
    with pytest.raises(BadInput, match="does not exist"):
        fv.load_fever(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(BadInput, match="no claims"):
        fv.load_fever(tmp_path / "empty.jsonl")


def test_split_is_by_claim_id_deterministic_and_about_half():
    parts = [fv.part_of(str(i)) for i in range(2000)]
    assert parts == [fv.part_of(str(i)) for i in range(2000)]
    assert 0.45 < parts.count("report") / len(parts) < 0.55


def many(n_per_label: dict[str, int]) -> list[fv.FeverClaim]:
    out, k = [], 0
    for label, n in n_per_label.items():
        for _ in range(n):
            out.append(fv.FeverClaim(str(k), f"claim {k}", label))
            k += 1
    return out


def test_balanced_sample_takes_a_third_of_each_label_with_a_fixed_seed():
    claims = many({"SUPPORTS": 40, "REFUTES": 12, "NOT_ENOUGH_INFO": 30, "DISPUTED": 9})
    s = fv.balanced_sample(claims, 30)
    assert Counter(c.label for c in s) == {"SUPPORTS": 10, "REFUTES": 10, "NOT_ENOUGH_INFO": 10}
    assert s == fv.balanced_sample(claims, 30)  # deterministic
    assert [c.claim_id for c in s] == sorted((c.claim_id for c in s), key=int)  # file order
    assert fv.balanced_sample(claims, 30, seed=1) != s
    with_disputed = fv.balanced_sample(claims, 30, disputed=True)
    assert Counter(c.label for c in with_disputed)["DISPUTED"] == 9  # all it has (quota 10)
    assert Counter(c.label for c in fv.balanced_sample(claims, 40))["REFUTES"] == 12  # all it has
    assert Counter(c.label for c in fv.balanced_sample(claims, 31)) == {"SUPPORTS": 11, "REFUTES": 10, "NOT_ENOUGH_INFO": 10}
    with pytest.raises(BadInput):
        fv.balanced_sample(claims, 2)


def test_select_part():
    claims = many({"SUPPORTS": 50})
    fit, report = fv.select_part(claims, "fit"), fv.select_part(claims, "report")
    assert len(fit) + len(report) == 50 and not {c.claim_id for c in fit} & {c.claim_id for c in report}
    assert fv.select_part(claims, "all") == claims
    with pytest.raises(BadInput):
        fv.select_part(claims, "test")


def test_collection_is_one_file_per_article_sentences_once_in_article_order(tmp_path):
    files = fv.collection(fv.load_fever(write(tmp_path, CLAIMS)))
    assert len(files) == 4
    sea = files[fv.article_file("Sea level rise")]
    assert sea.startswith("Sea level rise\n\n")
    assert sea.count("tide gauges") == 1  # shared by two claims, written once
    assert sea.index("tide gauges") < sea.index("has increased")  # :2 before :7
    counts = fv.write_collection(files, tmp_path / "articles")
    assert counts == {"written": 4, "unchanged": 0, "removed": 0}
    (tmp_path / "articles" / "stale.txt").write_text("old")
    assert fv.write_collection(files, tmp_path / "articles") == {"written": 0, "unchanged": 4, "removed": 1}
    assert fv.article_file("A/B") != fv.article_file("A B")


S, R, N, C = Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO, Label.CONFLICTING


def test_metrics_balanced_accuracy_recall_and_confusion():
    gold = [S, S, S, S, R, R, N, N]
    pred = [S, S, S, N, R, N, N, S]
    assert fv.recall_per_label(gold, pred) == {"SUPPORTED": 0.75, "REFUTED": 0.5, "NOT_ENOUGH_INFO": 0.5}
    assert fv.balanced_accuracy(gold, pred) == pytest.approx((0.75 + 0.5 + 0.5) / 3)
    cm = fv.confusion(gold, pred)
    assert cm["SUPPORTED"] == {"SUPPORTED": 3, "REFUTED": 0, "NOT_ENOUGH_INFO": 1, "CONFLICTING": 0}
    assert cm["REFUTED"]["NOT_ENOUGH_INFO"] == 1 and cm["CONFLICTING"] == {str(x): 0 for x in (S, R, N, C)}
    assert fv.balanced_accuracy([], []) is None


def row(expected: Label, predicted: Label, latency: float = 1.0) -> fv.FeverRow:
    return fv.FeverRow("1", "c", str(expected), str(predicted), expected == predicted, 0.5, "", latency)


def test_score_keeps_disputed_apart():
    rows = [row(S, S, 1.0), row(R, N, 2.0), row(N, N, 3.0), row(C, S, 9.0), row(C, C, 9.0)]
    f = fv.score(rows)
    assert f["claims"] == 3 and f["accuracy"] == pytest.approx(2 / 3)
    assert f["recall_REFUTED"] == 0.0 and f["min_recall"] == 0.0 and f["balanced_accuracy"] == pytest.approx(2 / 3)
    assert f["disputed"] == {"claims": 2, "conflicting": 0.5, "predicted": {"SUPPORTED": 1, "CONFLICTING": 1}}
    assert f["median_s"] == 3.0


class FakeBot:
    """Answers SUPPORTED for claims about sea level, REFUTED for 1998, else NOT_ENOUGH_INFO."""

    def __init__(self, folder: Path):
        from factbot.core.config import Config

        self.config = Config(corpus_dir=folder, check_mode="code")
        self.asked = []

    def check(self, text: str) -> Verdict:
        self.asked.append(text)
        label = S if "Sea level" in text else R if "1998" in text else N
        quote = "Warming has continued since 1998."
        cit = Citation(1, "d", "Global warming", "/x/Global_warming_0.txt", quote, 0, len(quote), 0.9, Stance.REFUTES)
        return Verdict(text, label, "because", (cit,) if label == R else (), 0.7, Timings(total_s=0.1))


def test_run_fever_over_a_fake_bot(tmp_path):
    path = write(tmp_path, CLAIMS)
    bot = FakeBot(tmp_path)
    report = fv.run_fever(path, part="all", bot=bot, progress=False, out_dir=tmp_path / "reports",
                          thresholds={"accuracy": {"min": 0.9}, "recall_REFUTED": {"min": 0.5}})  # fmt: skip
    f = report.factbot
    assert f["accuracy"] == 1.0 and f["claims"] == 3 and f["disputed"]["claims"] == 1
    assert report.gate_failures == []
    r2 = next(r for r in report.rows if r.claim_id == "2")
    assert r2.gold_found and r2.quotes[0]["gold"] == "REFUTES"
    assert Path(report.paths["json"]).is_file()
    text = fv.summary_text(report)
    assert "accuracy 1.00" in text and "DISPUTED (apart): 1 claims" in text


def test_cli_fever_needs_a_file_and_refuses_other_suites_options(tmp_path, capsys):
    assert main(["eval", "--suite", "fever"]) == 2
    assert "needs the Climate-FEVER-format file" in capsys.readouterr().err
    path = write(tmp_path, CLAIMS)
    assert main(["eval", "--suite", "fever", str(path), "--kinds", "claim"]) == 2
    assert "do not apply to --suite fever" in capsys.readouterr().err
    assert main(["eval", "--sample", "30"]) == 2
    assert "--sample belongs to --suite fever" in capsys.readouterr().err
