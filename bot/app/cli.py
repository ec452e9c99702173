"""The factbot command: thin argument parsing around the pipeline. Bad input exits with code 2."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from factbot.core.config import Config, offline_env
from factbot.core.errors import BadInput, FactbotError


def _bot(args):
    from factbot.pipeline.factbot import FactBot

    return FactBot(Config.from_env(), corpus=getattr(args, "corpus", None), auto_ingest=not args.no_sync)


def _validate(text: str, what: str) -> None:
    from factbot.pipeline.factbot import validate_text

    validate_text(text, what, Config.from_env().max_question_chars)


def cmd_ingest(args) -> int:
    from factbot.pipeline.factbot import FactBot
    from factbot.app.render import report_text
    from factbot.index.store import rebuild_data_dir

    config = Config.from_env()
    if args.rebuild:
        rebuild_data_dir(config)
    bot = FactBot(config, auto_ingest=False)
    print(report_text(bot.ingest(args.dir or config.corpus_dir)))
    return 0


def cmd_ask(args) -> int:
    from factbot.app.render import answer_text, to_json

    _validate(args.question, "question")  # before loading anything
    a = _bot(args).answer(args.question)
    print(to_json(a) if args.json else answer_text(a))
    return 0


def cmd_check(args) -> int:
    from factbot.app.render import to_json, verdict_text

    _validate(args.claim, "text" if args.text else "claim")
    bot = _bot(args)
    verdicts = bot.check_text(args.claim) if args.text else [bot.check(args.claim)]
    if args.json:
        print(to_json(verdicts[0]) if len(verdicts) == 1 and not args.text else
              "[" + ",\n".join(to_json(v) for v in verdicts) + "]")  # fmt: skip
    else:
        print("\n\n".join(verdict_text(v) for v in verdicts))
    return 0


def cmd_eval(args) -> int:
    from factbot.evals.report import summary_text
    from factbot.evals.cases import DEFAULT_ITEMS
    from factbot.evals.run import run_eval

    split = lambda v: [x.strip() for x in v.split(",") if x.strip()] if v else None  # noqa: E731
    report = run_eval(
        args.items or DEFAULT_ITEMS, subset=args.subset, corpus=args.corpus, baseline=args.baseline, progress=not args.json,
        ids=split(args.ids), kinds=split(args.kinds), baseline_subset=args.baseline_subset,
        out_dir=args.out or Config.from_env().data_dir / "reports",
    )  # fmt: skip
    if args.json:
        import json

        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        print(summary_text(report))
        print("gate: " + ("FAIL\n  " + "\n  ".join(report.gate_failures) if report.gate_failures else "pass"))
    return 1 if args.gate and report.gate_failures else 0


def cmd_serve(args) -> int:
    from factbot.app.ui import serve

    serve(Config.from_env(ui_host=args.host, ui_port=args.port, ui_auth=args.auth))
    return 0


COMMANDS = {"ingest": cmd_ingest, "ask": cmd_ask, "check": cmd_check, "eval": cmd_eval, "serve": cmd_serve}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factbot", description="Cited answers and claim checks from news articles, offline.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index a folder of .txt, .md and .html articles (incremental)")
    p.add_argument("dir", nargs="?", type=Path, help="folder to index (default: FACTBOT_CORPUS_DIR, the bundled corpus)")
    p.add_argument("--rebuild", action="store_true", help="delete this index's Chroma data first and index from scratch")

    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--corpus", type=Path, help="corpus folder to sync before answering (default: the configured one)")
    p.add_argument("--no-sync", action="store_true", help="use the index as it is; do not sync the corpus first")

    p = sub.add_parser("check", help="fact-check a claim: SUPPORTED, REFUTED, NOT_ENOUGH_INFO or CONFLICTING")
    p.add_argument("claim", help="the claim, or with --text a paragraph of several claims")
    p.add_argument("--text", action="store_true", help="split the text into check-worthy claims and check each")
    p.add_argument("--json", action="store_true", help="print the Verdict as JSON (a list with --text)")
    p.add_argument("--corpus", type=Path, help="corpus folder to sync before checking (default: the configured one)")
    p.add_argument("--no-sync", action="store_true", help="use the index as it is; do not sync the corpus first")

    p = sub.add_parser("eval", help="score answers against evals/cases.jsonl; write JSON and Markdown reports")
    p.add_argument("--items", type=Path, help="item file (.jsonl; default: the bundled evals/cases.jsonl)")
    p.add_argument("--subset", type=int, help="run N items spread over the kinds")
    p.add_argument("--ids", help="comma-separated item ids, e.g. q01,u03")
    p.add_argument("--kinds", help="comma-separated kinds: question, unanswerable, claim")
    p.add_argument("--corpus", type=Path, help="corpus folder (default: the configured one)")
    p.add_argument("--baseline", action="store_true", help="also run stock llama-index CitationQueryEngine (slow)")
    p.add_argument("--baseline-subset", type=int, help="run the baseline on N of the items only")
    p.add_argument("--out", type=Path, help="report folder (default: reports/ in the data dir)")
    p.add_argument("--gate", action="store_true", help="exit 1 when a threshold in evals/thresholds.json fails")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("serve", help="start the web UI (Gradio) on 127.0.0.1:7860")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1, FACTBOT_UI_HOST; 0.0.0.0 exposes it)")
    p.add_argument("--port", type=int, help="port (default: 7860, FACTBOT_UI_PORT)")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require this login (default: FACTBOT_UI_AUTH, none; the variable keeps it out of ps)")  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    offline_env()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return COMMANDS[args.command](args)
    except BadInput as e:
        print(f"factbot: {e}", file=sys.stderr)
        return 2
    except FactbotError as e:
        print(f"factbot: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
