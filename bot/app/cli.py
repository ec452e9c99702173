"""The factbot command: thin argument parsing around the pipeline. Bad input exits with code 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from factbot.app.cli_library import LIBRARY_COMMANDS, add_library_parsers, stdin_if_dash
from factbot.core.config import Config, library_env
from factbot.core.errors import BadInput, FactbotError

WITHIN_HELP = "search only this article (file name, title or id; factbot list); repeat for several"
REPORT_HELP = "also write a fact-check report: PATH.md (Markdown) or PATH.json"
DATE_HELP = "a date: 2024-05-02, 'May 2, 2024', 'yesterday', '3 weeks ago'"


def date(text: str):
    """An argparse type: the date the user typed (argparse turns the ValueError into exit code 2)."""
    from factbot.index.meta import parse_when

    return parse_when(text)


def _add_date_options(p, as_of: bool) -> None:
    p.add_argument("--since", type=date, metavar="DATE", help=f"only articles published on or after DATE ({DATE_HELP})")
    p.add_argument("--until", type=date, metavar="DATE", help="only articles published on or before DATE")
    if as_of:
        p.add_argument("--as-of", type=date, metavar="DATE", help="read 'now' and 'this week' as of DATE: the model is "
                       "told the date, and articles published after it are left out (default: no reference date)")  # fmt: skip


def _dates(args) -> dict:
    return {k: v for k in ("since", "until", "as_of") if (v := getattr(args, k, None)) is not None}


def _bot(args):
    from factbot.pipeline.factbot import FactBot

    return FactBot(Config.from_env(), corpus=getattr(args, "corpus", None), auto_ingest=not args.no_sync)


def _served(args):
    """A running `factbot serve` to answer from (nothing to load here), or None, saying how to get
    one. Not for --corpus (another folder to sync) or --report (it reads the documents here)."""
    if getattr(args, "corpus", None) or getattr(args, "report", None) or _dates(args):
        return None
    from factbot.app.client import FAST_HINT, find_server

    server = find_server(Config.from_env())
    if server is None:
        print(f"factbot: no factbot server is running, so this loads the index and the model first. {FAST_HINT}",
              file=sys.stderr)  # fmt: skip
    return server


def _validate(text: str, what: str) -> None:
    from factbot.pipeline.factbot import validate_text

    validate_text(text, what, Config.from_env().max_question_chars)


def cmd_ingest(args) -> int:
    from factbot.pipeline.factbot import FactBot
    from factbot.app.render import report_text

    config = Config.from_env()
    if args.rebuild and not config.chroma_host:  # built beside the index in use, then swapped in
        from factbot.index.datadir import rebuild

        report = rebuild(config.data_dir, lambda folder: _fill(FactBot(config, auto_ingest=False, index_folder=folder), args.dir))
        print(report_text(report))
        return 0
    if args.rebuild:  # a Chroma server: its collections are dropped first
        from factbot.index.store import rebuild_data_dir

        rebuild_data_dir(config)
    bot = FactBot(config, auto_ingest=False)
    print(report_text(bot.ingest(args.dir)))  # no folder: the configured corpus and the uploads
    return 0


def _fill(bot, folder):
    """A rebuild's ingest: the folder given (else the corpus) and the uploads, so none is lost."""
    report = bot.ingest(folder)
    uploads = bot.config.uploads_dir
    if folder is not None and uploads.is_dir() and any(uploads.iterdir()):
        more = bot.ingest(uploads)
        for f in ("added", "updated", "unchanged", "removed", "skipped", "excluded"):
            getattr(report, f).extend(getattr(more, f))
        report.chunk_count = more.chunk_count
    return report


def cmd_ask(args) -> int:
    from factbot.app.cli_library import check_report_path, write_report
    from factbot.app.render import answer_text, to_json

    args.question = stdin_if_dash(args.question)
    _validate(args.question, "question")  # before loading anything
    check_report_path(args.report)
    server = _served(args)
    if server is not None:  # a running server answers: no start-up in this process
        a = server.answer(args.question, args.within)
        print(to_json(a) if args.json else answer_text(a))
        return 0
    from factbot.app.cli_stream import ask_streaming, on_terminal, status

    status("loading the index and the embedding model")  # a first run spends seconds here: say so at once
    bot = _bot(args)
    if not args.json and on_terminal(sys.stdout):  # passages at once, the answer as it is written
        a = ask_streaming(bot, args.question, args.within, _dates(args))
    else:
        a = bot.answer(args.question, within=args.within, **_dates(args))
        print(to_json(a) if args.json else answer_text(a))
    write_report(args.report, [a], bot)
    return 0


def cmd_check(args) -> int:
    from factbot.app.render import to_json, verdict_text

    from factbot.app.cli_library import check_long_text, check_report_path, text_argument, write_report

    if not args.text:  # with --text, - is read by text_argument (it may be a long file)
        args.claim = stdin_if_dash(args.claim)
    _validate(args.claim, "text" if args.text else "claim")
    check_report_path(args.report)
    text, origin = text_argument(args.claim, Config.from_env().max_file_bytes) if args.text else (args.claim, None)
    server = None if origin else _served(args)
    bot = None if server else _bot(args)
    if server:  # a running server checks: no start-up in this process
        verdicts = server.check(text, args.text, args.within)
    elif origin:  # --text FILE: every check-worthy claim of the file
        verdicts = check_long_text(bot, text, args.within, origin, **_dates(args))
    else:
        dates = _dates(args)
        verdicts = (bot.check_text(text, within=args.within, **dates) if args.text
                    else [bot.check(text, within=args.within, **dates)])  # fmt: skip
    if args.json:
        print(to_json(verdicts[0]) if len(verdicts) == 1 and not args.text else
              "[" + ",\n".join(to_json(v) for v in verdicts) + "]")  # fmt: skip
    else:
        print("\n\n".join(verdict_text(v) for v in verdicts))
    write_report(args.report, verdicts, bot)
    return 0


def cmd_eval(args) -> int:
    split = lambda v: [x.strip() for x in v.split(",") if x.strip()] if v else None  # noqa: E731
    if args.sample is not None and args.suite not in ("fever", "realtimeqa"):
        raise BadInput("--sample belongs to --suite fever (balanced over the claim labels) and --suite realtimeqa.")
    if args.suite == "realtimeqa":
        return _eval_realtimeqa(args)
    if args.suite == "fever":
        return _eval_fever(args, split)
    if args.suite == "rgb":
        return _eval_rgb(args, split)
    rgb_only = [flag for flag, value in (("a suite file", args.suite_path or args.suite_file),
                ("--counterfactual", args.counterfactual), ("--negatives-only", args.negatives_only),
                ("--limit", args.limit), ("--half", args.half)) if value]  # fmt: skip
    if rgb_only:
        raise BadInput(f"{', '.join(rgb_only)} belong to --suite rgb; the bundled suite takes --items, --subset, --kinds.")

    from factbot.evals.report import summary_text
    from factbot.evals.cases import DEFAULT_ITEMS
    from factbot.evals.run import run_eval

    report = run_eval(
        args.items or DEFAULT_ITEMS, subset=args.subset, corpus=args.corpus, baseline=args.baseline, progress=not args.json,
        ids=split(args.ids), kinds=split(args.kinds), baseline_subset=args.baseline_subset,
        out_dir=args.out or Config.from_env().reports_dir,
    )  # fmt: skip
    if args.json:
        import json

        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        print(summary_text(report))
        print("gate: " + ("FAIL\n  " + "\n  ".join(report.gate_failures) if report.gate_failures else "pass"))
    return 1 if report.gate_failures else 0  # printed or in the JSON: a failed gate never exits 0


def _eval_rgb(args, split) -> int:
    """factbot eval --suite rgb --suite-file PATH: the external RGB suite (evals/rgb.py)."""
    bundled_only = [flag for flag, value in (("--items", args.items), ("--subset", args.subset),
                    ("--kinds", args.kinds), ("--corpus", args.corpus)) if value]  # fmt: skip
    if bundled_only:
        raise BadInput(f"{', '.join(bundled_only)} belong to the bundled suite; --suite rgb takes --ids, --limit, --half.")
    if args.suite_path and args.suite_file and args.suite_path != args.suite_file:
        raise BadInput("Give the RGB file once: either as PATH or as --suite-file PATH.")
    path = args.suite_file or args.suite_path
    if path is None:
        raise BadInput("--suite rgb needs the RGB-format file: factbot eval --suite rgb --suite-file PATH "
                       "(one JSON object a line: id, query, answer, positive, negative; see factbot eval --help).")  # fmt: skip

    from factbot.evals.report import rgb_summary_text
    from factbot.evals.rgb import run_rgb

    mode = "counterfactual" if args.counterfactual else "negatives" if args.negatives_only else "noise"
    config = Config.from_env()
    report = run_rgb(
        path, mode, ids=split(args.ids), half=args.half, limit=args.limit, baseline=args.baseline,
        baseline_subset=args.baseline_subset, config=config, progress=not args.json,
        out_dir=args.out or config.reports_dir, claims=args.claims,
    )  # fmt: skip
    if args.json:
        import json

        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        print(rgb_summary_text(report))
        print("gate: " + ("FAIL\n  " + "\n  ".join(report.gate_failures) if report.gate_failures else "pass"))
    return 1 if report.gate_failures else 0


def _eval_realtimeqa(args) -> int:
    """factbot eval --suite realtimeqa PATH: weekly news-quiz questions over their articles (evals/realtimeqa.py)."""
    import json

    from factbot.evals.realtimeqa import run

    path = args.suite_file or args.suite_path
    if path is None:
        raise BadInput("--suite realtimeqa needs the RealTimeQA-format file: factbot eval --suite realtimeqa PATH")
    report = run(path, part=args.part or "report", sample=args.sample or 60, baseline=args.baseline, progress=not args.json)
    out = args.out or Config.from_env().reports_dir
    out.mkdir(parents=True, exist_ok=True)
    (out / f"realtimeqa-{report.part}.json").write_text(json.dumps(report.to_dict(), indent=1, default=str))
    print(json.dumps({k: v for k, v in report.to_dict().items() if k != "rows"}, indent=1))
    return 0


def _eval_fever(args, split) -> int:
    """factbot eval --suite fever PATH: the FEVER / Climate-FEVER claim suite (evals/fever.py)."""
    bundled_only = [flag for flag, value in (("--items", args.items), ("--subset", args.subset), ("--kinds", args.kinds),
                    ("--corpus", args.corpus), ("--baseline", args.baseline), ("--counterfactual", args.counterfactual),
                    ("--negatives-only", args.negatives_only)) if value]  # fmt: skip
    if bundled_only:
        raise BadInput(f"{', '.join(bundled_only)} do not apply to --suite fever; it takes --half, --sample, --limit, --ids.")
    if args.suite_path and args.suite_file and args.suite_path != args.suite_file:
        raise BadInput("Give the FEVER file once: either as PATH or as --suite-file PATH.")
    path = args.suite_file or args.suite_path
    if path is None:
        raise BadInput("--suite fever needs the Climate-FEVER-format file: factbot eval --suite fever PATH "
                       "(one JSON object a line: claim_id, claim, claim_label, evidences; see factbot eval --help).")  # fmt: skip

    from factbot.evals.fever import DEFAULT_FEVER_THRESHOLDS, run_fever, summary_text

    config = Config.from_env()
    part = {"a": "fit", "b": "report", None: "all"}[args.half]
    report = run_fever(path, part=part, sample=args.sample, limit=args.limit, ids=split(args.ids), config=config,
                       progress=not args.json, out_dir=args.out or config.reports_dir,
                       thresholds=DEFAULT_FEVER_THRESHOLDS if args.gate else None)  # fmt: skip
    if args.json:
        import json

        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        print(summary_text(report))
        if args.gate:
            print("gate: " + ("FAIL\n  " + "\n  ".join(report.gate_failures) if report.gate_failures else "pass"))
    return 1 if args.gate and report.gate_failures else 0


def cmd_serve(args) -> int:
    config = Config.from_env(ui_host=args.host, ui_port=args.port, ui_auth=args.auth, api_port=args.api_port)
    if args.api:  # the JSON API alone, without the web UI (no Gradio to load)
        from factbot.app.api import serve_api

        serve_api(config)
        return 0
    from factbot.app.ui import serve

    serve(config)
    return 0


RGB_FORMAT_HELP = """\
--suite rgb reads RGB's format (Chen et al., AAAI 2024), one JSON object a line:
  {"id": 7, "query": "Who was awarded the 2018 Vesper Prize for poetry?",
   "answer": "Mara Lindqvist", "fakeanswer": "Tomas Brekke",
   "positive": ["...passages that hold the answer..."], "negative": ["...noise passages..."],
   "positive_wrong": ["...fact-altered copies of the positives, stating fakeanswer..."]}
  id: a unique whole number >= 0; answer (and fakeanswer): a string, or a list whose items must all
  appear in the reply, an inner list being alternatives ([["Mar 9, 2018", "9 March 2018"]]);
  matched case-insensitively as substrings (RGB's rule). fakeanswer and positive_wrong are needed
  only for --counterfactual. Every passage becomes one file of one collection, indexed once under
  the data dir (suites/rgb-<mode>-<file>); correct = RGB's rule holds on the answer, cites gold =
  a citation comes from a passage that holds the answer.
  Modes: noise (positive + negative), --counterfactual (+ positive_wrong), --negatives-only
  (negative passages that hold no answer: declining is right).

--suite fever reads FEVER / Climate-FEVER's format (Diggelmann et al., 2020), one JSON object a line:
  {"claim_id": "1607", "claim": "CO2 limits won't cool the planet.", "claim_label": "NOT_ENOUGH_INFO",
   "evidences": [{"article": "Carbon dioxide", "evidence_id": "Carbon dioxide:191",
                  "evidence": "...", "evidence_label": "NOT_ENOUGH_INFO"}, ...]}
  claim_label: SUPPORTS, REFUTES, NOT_ENOUGH_INFO (scored as SUPPORTED, REFUTED, NOT_ENOUGH_INFO) or
  DISPUTED (CONFLICTING, reported apart). Every evidence sentence goes into one collection, one file
  per article, indexed once under the data dir (suites/fever-<file>). Reports accuracy, balanced
  accuracy, recall per label, the confusion matrix and median seconds per verdict. --half a / b: the
  fit / report part (a hash of claim_id; the verdict model is fitted on a only); --sample N: N claims
  balanced over the three labels (fixed seed), plus N/3 DISPUTED ones scored apart."""


COMMANDS = {"ingest": cmd_ingest, "ask": cmd_ask, "check": cmd_check, "eval": cmd_eval, "serve": cmd_serve}
COMMANDS |= LIBRARY_COMMANDS


def _add_ingest_parser(sub) -> None:
    """The ingest subcommand and its options."""
    p = sub.add_parser("ingest", help="index a folder of .txt, .md, .html, .pdf and .docx articles (incremental)")
    p.add_argument("dir", nargs="?", type=Path, help="folder to index (default: FACTBOT_CORPUS_DIR, the bundled corpus, and the uploaded files)")
    p.add_argument("--rebuild", action="store_true", help="delete this index's Chroma data first and index from scratch")


def _add_ask_parser(sub) -> None:
    """The ask subcommand and its options."""
    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument("question", help="the question; - reads it from standard input")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--within", action="append", metavar="ARTICLE", help=WITHIN_HELP)
    p.add_argument("--report", type=Path, metavar="PATH", help=REPORT_HELP)
    _add_date_options(p, as_of=True)
    p.add_argument("--corpus", type=Path, help="corpus folder to sync before answering (default: the configured one)")
    p.add_argument("--no-sync", action="store_true", help="use the index as it is; do not sync the corpus first")


def _add_check_parser(sub) -> None:
    """The check subcommand and its options."""
    p = sub.add_parser("check", help="fact-check a claim: SUPPORTED, REFUTED, NOT_ENOUGH_INFO or CONFLICTING")
    p.add_argument("claim", help="the claim (- reads it from standard input), or with --text a paragraph of several claims or a FILE holding them "
                   "(.txt, .md, .html, .pdf, .docx; - reads stdin)")
    p.add_argument("--text", action="store_true", help="split the text into check-worthy claims and check each")
    p.add_argument("--within", action="append", metavar="ARTICLE", help=WITHIN_HELP)
    p.add_argument("--report", type=Path, metavar="PATH", help=REPORT_HELP)
    p.add_argument("--json", action="store_true", help="print the Verdict as JSON (a list with --text)")
    _add_date_options(p, as_of=False)
    p.add_argument("--corpus", type=Path, help="corpus folder to sync before checking (default: the configured one)")
    p.add_argument("--no-sync", action="store_true", help="use the index as it is; do not sync the corpus first")


def _add_eval_parser(sub) -> None:
    """The eval subcommand: the suite options here, the item and report options in _add_eval_run_options."""
    p = sub.add_parser(
        "eval", help="score answers against evals/cases.jsonl (or an RGB-format file); write JSON and Markdown reports",
        description="Score factbot on the bundled items (evals/cases.jsonl) or, with --suite rgb, on an RGB-format "
        "file, and write JSON and Markdown reports.", epilog=RGB_FORMAT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("--suite", choices=("bundled", "rgb", "fever", "realtimeqa"), default="bundled",
                   help="bundled: evals/cases.jsonl over the configured corpus (default); rgb: an RGB-format file; "
                   "fever: a FEVER / Climate-FEVER-format file; realtimeqa: a RealTimeQA-format file")  # fmt: skip
    p.add_argument("suite_path", nargs="?", type=Path, metavar="PATH", help="the RGB- or FEVER-format file (same as --suite-file)")
    p.add_argument("--suite-file", type=Path, metavar="PATH", help="the RGB- or FEVER-format file, required with --suite rgb or fever")
    rgb_mode = p.add_mutually_exclusive_group()
    rgb_mode.add_argument("--counterfactual", action="store_true",
                          help="rgb: add the positive_wrong passages; also record whether answers state fakeanswer")  # fmt: skip
    rgb_mode.add_argument("--negatives-only", action="store_true",
                          help="rgb: index only the negative passages (none holds an answer); score declining")  # fmt: skip
    p.add_argument("--limit", type=int, help="rgb, fever: run only the first N selected items")
    p.add_argument("--half", choices=("a", "b"), help="rgb: a = even ids, b = odd ids (tune on one, report the other); "
                   "fever: a = the fit part, b = the report part")  # fmt: skip
    p.add_argument("--sample", type=int, metavar="N", help="fever: N claims balanced over the labels (fixed seed); "
                   "realtimeqa: N questions spread over the part's weeks (default 60)")  # fmt: skip
    p.add_argument("--part", choices=("fit", "report", "all"), help="realtimeqa: weeks up to 2025-06-27 (fit) or after (report, the default)")
    p.add_argument("--claims", action="store_true",
                   help="rgb: also check() each item's claim (the first sentence of its positive passages that holds "
                   "the answer); counterfactual mode should say CONFLICTING, noise mode should not")  # fmt: skip
    _add_eval_run_options(p)


def _add_eval_run_options(p) -> None:
    """eval's options choosing items, the baseline, the report folder and the gate."""
    p.add_argument("--items", type=Path, help="item file (.jsonl; default: the bundled evals/cases.jsonl)")
    p.add_argument("--subset", type=int, help="run N items spread over the kinds")
    p.add_argument("--ids", help="comma-separated item ids, e.g. q01,u03 (rgb: 50,51)")
    p.add_argument("--kinds", help="comma-separated kinds: question, unanswerable, claim")
    p.add_argument("--corpus", type=Path, help="corpus folder (default: the configured one)")
    p.add_argument("--baseline", action="store_true", help="also run stock llama-index CitationQueryEngine (slow)")
    p.add_argument("--baseline-subset", type=int, help="run the baseline on N of the items only")
    p.add_argument("--out", type=Path, help="report folder (default: reports/ in the data dir)")
    p.add_argument("--gate", action="store_true",
                   help="fever: also gate on evals/thresholds_fever.json and exit 1 when it fails (the bundled and "
                   "rgb suites always gate on evals/thresholds.json / thresholds_rgb.json and exit 1 when a "
                   "threshold fails)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _add_serve_parser(sub) -> None:
    """The serve subcommand and its options."""
    p = sub.add_parser("serve", help="start the web UI (Gradio) on 127.0.0.1:7860")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1, FACTBOT_UI_HOST; 0.0.0.0 exposes it)")
    p.add_argument("--port", type=int, help="port (default: 7860, FACTBOT_UI_PORT)")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require this login (default: FACTBOT_UI_AUTH, none; the variable keeps it out of ps)")  # fmt: skip
    p.add_argument("--api", action="store_true",
                   help="serve only the JSON API that factbot ask and check use (no web UI); it also runs beside the UI")  # fmt: skip
    p.add_argument("--api-port", type=int, help="the API's port (default: FACTBOT_API_PORT, else any free one; "
                   "written to server.json in the data dir)")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factbot", description="Cited answers and claim checks from news articles, offline.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_ingest_parser(sub)
    _add_ask_parser(sub)
    _add_check_parser(sub)
    _add_eval_parser(sub)
    add_library_parsers(sub)
    _add_serve_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    library_env()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so a closed pipe is caught below rather than at exit
        return code
    except BadInput as e:
        print(f"factbot: {e}", file=sys.stderr)
        return 2
    except FactbotError as e:
        print(f"factbot: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `factbot list | head -1`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit flush has nowhere to fail
        return 141  # what a shell reports for a writer ended by SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
