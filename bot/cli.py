"""The factbot command: thin argument parsing around the pipeline. Bad input exits with code 2."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.config import Config
from bot.errors import BadInput, FactbotError


def _bot(args):
    from bot.pipeline import FactBot

    return FactBot(Config.from_env(), corpus=getattr(args, "corpus", None), auto_ingest=not args.no_sync)


def cmd_ingest(args) -> int:
    from bot.pipeline import FactBot
    from bot.render import report_text
    from index.store import rebuild_data_dir

    config = Config.from_env()
    if args.rebuild:
        rebuild_data_dir(config)
    bot = FactBot(config, auto_ingest=False)
    print(report_text(bot.ingest(args.dir or config.corpus_dir)))
    return 0


def cmd_ask(args) -> int:
    from bot.render import answer_text, to_json

    a = _bot(args).answer(args.question)
    print(to_json(a) if args.json else answer_text(a))
    return 0


COMMANDS = {"ingest": cmd_ingest, "ask": cmd_ask}


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
