"""The other process of the soak test (test_soak.py): adds, replaces and removes an article N times
through FactBot's library operations, the ones `factbot add/replace/remove` run, and logs every
version it stored with the time it became and stopped being the stored one. Not a test module.

    python tests/soak_writer.py CHANGES LOG_JSON WORK_DIR"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from factbot.core.config import Config
from factbot.pipeline.factbot import FactBot

COMET = """Mountain Observatory Spots a New Comet

Astronomers at the Kestrel Peak observatory have spotted a faint comet approaching the inner solar system.
The comet, catalogued as C/2031 K{n}, should be visible through binoculars in late March, the team said.
Observatory director Priya Raman said the discovery came from a survey telescope installed {n} years ago.
"""


def main(changes: int, log_path: Path, work: Path) -> None:
    bot = FactBot(Config.from_env(), auto_ingest=False)
    versions: list[dict] = []  # doc_id, text, live_from, live_until (None: still stored)
    current: dict | None = None
    for i in range(changes):
        step = ("add", "replace", "remove")[i % 3]
        if step == "remove" or current is None and step == "replace":
            step = "remove" if current is not None else "add"
        started = time.time()  # a version may be seen from the start of the change that stores it
        if step == "add":
            path = work / f"comet-{i}.txt"
            path.write_text(COMET.format(n=i + 2))
            (out,) = bot.add_files([path])
            assert out.ok, out.message
            name = out.stored_as
        elif step == "replace":
            path = work / f"comet-{i}-v2.txt"
            path.write_text(COMET.format(n=i + 2))
            out, _ = bot.replace(current["name"], path)
            name = out.stored_as
        else:
            bot.remove(current["doc_id"])
        now = time.time()
        if current is not None and step != "add":
            current["live_until"] = now  # ... and until the end of the change that drops it
        if step != "remove":
            doc = bot.store.document(out.doc_id)
            current = {"doc_id": doc.id, "name": name, "text": doc.text, "live_from": started, "live_until": None,
                       "step": step}  # fmt: skip
            versions.append(current)
        else:
            current = None
        print(f"change {i + 1}: {step}", flush=True)
    log_path.write_text(json.dumps(versions))


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
