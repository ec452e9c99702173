"""The library commands of the factbot CLI (list, add, remove, restore, replace), --report files,
and reading the text of `factbot check --text FILE`. Bad input exits with code 2 (cli.main)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path, PurePath

from factbot.core.config import Config
from factbot.core.errors import BadInput


def _bot(sync: bool = False):
    from factbot.pipeline.factbot import FactBot

    return FactBot(Config.from_env(), auto_ingest=sync)


# Reports --------------------------------------------------------------------------------------
def check_report_path(path: Path | None) -> None:
    """Before anything is loaded: the report's format is known and its folder exists."""
    if path is None:
        return
    from factbot.app.report import report_format

    try:
        report_format(path)
    except ValueError as e:
        raise BadInput(f"{e} (Markdown or JSON).") from None
    if not path.expanduser().resolve().parent.is_dir():
        raise BadInput(f"The folder of {path} does not exist. Create it or write the report elsewhere.")


def write_report(path: Path | None, items: list, bot) -> None:
    if path is None:
        return
    from factbot.app.report import render, report_format

    text = render(items, report_format(path), library=bot.store.documents())
    path.expanduser().write_text(text, encoding="utf-8")
    print(f"factbot: report written to {path}", file=sys.stderr)


# Standard input -----------------------------------------------------------------------------
def read_stdin() -> str:
    """Standard input as text; bytes that are not UTF-8 are bad input, said as such."""
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BadInput(f"Standard input is not UTF-8 text (bad byte at offset {e.start}). Save it as UTF-8.") from None


def stdin_if_dash(value: str) -> str:
    """`factbot ask -` and `factbot check -`: the question or claim comes from standard input."""
    if value != "-":
        return value
    if sys.stdin.isatty():
        print("factbot: reading from standard input (end with Ctrl+D)", file=sys.stderr)
    return read_stdin().strip()


# check --text FILE ----------------------------------------------------------------------------
def text_argument(value: str, max_bytes: int) -> tuple[str, str | None]:
    """(the text, the file it came from): `factbot check --text FILE` reads an article, draft or
    press release (.txt, .md, .html, .pdf, .docx; - for stdin); anything else is the text itself."""
    from factbot.index.ingest import SUFFIXES, Unreadable, load_document, read_source

    if value == "-":
        return read_stdin(), "stdin"
    looks_like_file = len(value) < 4096 and "\n" not in value and PurePath(value).suffix.lower() in SUFFIXES
    path = Path(value).expanduser() if looks_like_file else None
    if path is None or not path.is_file():
        if looks_like_file and " " not in value.strip():
            raise BadInput(f"File {value} does not exist. Give the path of the text to check, or the text itself.")
        return value, None
    try:
        return load_document(read_source(path, max_bytes)).text, str(path)
    except Unreadable as e:
        raise BadInput(f"{path} cannot be read: {e}.") from None


def text_pieces(text: str, limit: int) -> list[str]:
    """Whole sentences packed into pieces of at most limit characters (a sentence longer than
    the limit is a piece of its own, cut at the limit). Headings are left out, and a line that
    ends without a full stop gets one, so it is not run into the next sentence."""
    from factbot.text.sentences import is_heading, sentence_spans

    pieces, current = [], ""
    for s0, s1 in sentence_spans(text):
        sentence = text[s0:s1][:limit - 1]
        if is_heading(sentence):
            continue
        if not re.search(r"[.!?…”\"')\]]$", sentence):
            sentence += "."
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def check_long_text(bot, text: str, within, origin: str, **dates) -> list:
    """Every check-worthy claim of a text of any length, checked piece by piece (dates: since, until)."""
    verdicts = []
    for piece in text_pieces(text, bot.config.max_question_chars):
        try:
            verdicts += bot.check_text(piece, within=within, **dates)
        except BadInput as e:
            if "No check-worthy claim" not in str(e):
                raise
    if not verdicts:
        raise BadInput(
            f"No check-worthy claim found in {origin}: give statements that name someone or something, or a number."
        )
    return verdicts


# Library commands -----------------------------------------------------------------------------
def by_date(records) -> list:
    """Articles newest first by publication date; undated ones after them, by title."""
    dated = sorted((r for r in records if r.published), key=lambda r: (-r.published.toordinal(), r.title.casefold()))
    return dated + sorted((r for r in records if not r.published), key=lambda r: (r.title.casefold(), r.source))


def article_dict(r, uploads: str) -> dict:
    """One article of `factbot list --json`."""
    return {"id": r.id, "file": PurePath(r.source).name, "path": r.source, "title": r.title, "outlet": r.outlet,
            "authors": list(r.authors), "published": r.published.isoformat() if r.published else None, "url": r.url,
            "passages": r.chunks, "origin": "upload" if r.source.startswith(uploads + "/") else "folder"}  # fmt: skip


def cmd_list(args) -> int:
    from factbot.app.render import byline

    bot = _bot()
    uploads = str(bot.config.uploads_dir.resolve())
    articles = by_date(bot.articles())
    removed = bot.removed()
    if args.json:
        import json

        gone = [{"path": p, "title": v.get("title", ""), "removed_at": v.get("removed_at")} for p, v in sorted(removed.items())]
        print(json.dumps({"articles": [article_dict(r, uploads) for r in articles], "removed": gone},
                         ensure_ascii=False, indent=2))  # fmt: skip
        return 0
    print(f"{len(articles)} articles, {sum(r.chunks for r in articles)} passages in {bot.store.location} (newest first)")
    for r in articles:
        tag = " (uploaded)" if r.source.startswith(uploads + "/") else ""
        who = byline(r.outlet, r.published, r.authors)
        print(f"  {r.id:<40} {PurePath(r.source).name}{tag}\n      {r.title}" + (f"\n      {who}" if who else ""))
    if removed:
        print(f"Removed from the library, files kept and not synced ({len(removed)}; factbot restore NAME):")
        for path, info in sorted(removed.items()):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.get("removed_at", 0)))
            print(f"  {path}  ({info.get('title', '')}; removed {when})")
    return 0


def cmd_add(args) -> int:
    outcomes = _bot().add_files(args.files, replace=args.replace)
    for o in outcomes:
        print(f"{o.name}: {o.message}" if o.ok else f"{o.name} was not added: {o.message}")
    return 2 if any(not o.ok for o in outcomes) else 0


def cmd_remove(args) -> int:
    from factbot.index.library import resolve

    bot = _bot()
    records = resolve(bot.store.documents(), args.articles, unique=True)  # the same check remove() makes
    uploads = bot.config.uploads_dir.resolve()
    for r in records:
        what = "and delete its uploaded copy" if Path(r.source).parent == uploads else "(the file stays; sync skips it)"
        print(f"  {r.title} [{PurePath(r.source).name}] {what}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise BadInput(f"Removing {len(records)} article(s) needs confirmation: run again with --yes.")
        if input(f"Remove these {len(records)} article(s) from the library? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing removed.")
            return 1
    for removal in bot.remove(*(r.id for r in records)):
        print(removal.message)
    return 0


def cmd_restore(args) -> int:
    for path in _bot().restore(*args.names):
        print(f"Restored {path}")
    return 0


def cmd_replace(args) -> int:
    outcome, removal = _bot().replace(args.article, args.file)
    print(f"{outcome.name}: {outcome.message}")
    if removal:
        print(removal.message)
    return 0


LIBRARY_COMMANDS = {"list": cmd_list, "add": cmd_add, "remove": cmd_remove, "restore": cmd_restore, "replace": cmd_replace}


def add_library_parsers(sub) -> None:
    p = sub.add_parser("list", help="list the articles in the library (newest first: ids, files, titles, outlets, "
                       "dates) and the files removed from it")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one object per article (id, file, title, outlet, "
                   "authors, published, url, passages, origin) and the removed files, as JSON")  # fmt: skip
    p = sub.add_parser("add", help="add files to the library (copied into the data dir; never replaces silently)")
    p.add_argument("files", nargs="+", type=Path, help=".txt, .md, .html, .pdf or .docx files, or .jsonl exports "
                   "(one article a line: text, and any of title, url, source, authors, published)")  # fmt: skip
    p.add_argument("--replace", action="store_true", help="replace an uploaded article of the same file name "
                   "(default: keep both, the new one as 'name (2)')")  # fmt: skip
    p = sub.add_parser("remove", help="remove articles from the library (an uploaded copy is deleted; "
                       "your own files are kept and skipped)")  # fmt: skip
    p.add_argument("articles", nargs="+", metavar="ARTICLE", help="file name, title or id (factbot list)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = sub.add_parser("restore", help="bring back files removed from the library (they stayed in their folder)")
    p.add_argument("names", nargs="+", metavar="NAME", help="path, file name or title (factbot list)")
    p = sub.add_parser("replace", help="put a file in place of an article (the old one goes once the new one is in)")
    p.add_argument("article", help="file name, title or id of the article to replace")
    p.add_argument("file", type=Path, help="the new file")
