"""The eval harness: `run_eval(...)` answers the items in evals/cases.jsonl, scores them in plain
Python (evals.metrics) and gates the figures against evals/thresholds.json (evals.gate)."""

from factbot.evals.gate import gate, load_thresholds
from factbot.evals.run import EvalReport, run_eval

__all__ = ["EvalReport", "gate", "load_thresholds", "run_eval"]
