"""The CLI's side of the API (api.py): find a running `factbot serve` and ask it. Standard library
and factbot's plain types only, so a command that uses a server starts in a fraction of a second."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from dataclasses import fields

from factbot.core.config import SERVER, Config
from factbot.core.errors import BadInput, FactbotError
from factbot.core.types import AbstainReason, Answer, Citation, Evidence, Label, Side, Stance, Timings, Verdict

HEALTH_TIMEOUT_S = 1.0
FAST_HINT = "For answers without this wait, keep a server running in another shell: factbot serve --api"


class Server:
    def __init__(self, url: str, auth: str | None, timeout: float):
        self.url, self.timeout = url.rstrip("/"), timeout
        self.headers = {"Content-Type": "application/json"}
        if auth:
            self.headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()

    def _call(self, path: str, body: dict | None = None, timeout: float | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers=self.headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read()).get("error") or str(e)
            except ValueError:
                message = str(e)
            if e.code == 400:
                raise BadInput(message) from None
            if e.code == 401:
                raise FactbotError(f"The factbot server at {self.url} needs its login: set FACTBOT_UI_AUTH=user:password.") from None
            raise FactbotError(f"The factbot server at {self.url} failed: {message}") from None

    def healthy(self) -> bool:
        try:
            return bool(self._call("/v1/health", timeout=HEALTH_TIMEOUT_S).get("ok"))
        except FactbotError:
            raise
        except (OSError, ValueError):
            return False

    def answer(self, question: str, within: list[str] | None = None) -> Answer:
        return answer_from_dict(self._call("/v1/ask", {"question": question, "within": within})["answer"])

    def check(self, claim: str, text: bool = False, within: list[str] | None = None) -> list[Verdict]:
        got = self._call("/v1/check", {"claim": claim, "text": text, "within": within})
        return [verdict_from_dict(v) for v in got["verdicts"]]


def find_server(config: Config) -> Server | None:
    """The server FACTBOT_SERVER_URL names (an error when it does not answer), else the one that
    data_dir/server.json names when it is alive; None when there is none."""
    if config.server_url:
        server = Server(config.server_url, config.ui_auth, config.request_timeout)
        if not server.healthy():
            raise FactbotError(f"No factbot server answers at FACTBOT_SERVER_URL={config.server_url}. Start one "
                               "(factbot serve --api) or unset the variable.")  # fmt: skip
        return server
    try:
        info = json.loads((config.data_dir / SERVER).read_text())
        url, pid = info["url"], int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)  # the process is gone: a stale file from a crash
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    server = Server(url, config.ui_auth, config.request_timeout)
    return server if server.healthy() else None


# JSON back into factbot's types (the inverse of Answer.to_dict / Verdict.to_dict) --------------
def _known(cls, d: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}  # a newer server may send more


def _citation(d: dict) -> Citation:
    return Citation(**{**_known(Citation, d), "stance": Stance(d.get("stance", Stance.SUPPORTS))})


def _evidence(d: dict) -> Evidence:
    return Evidence(**{**_known(Evidence, d), "sentences": tuple(tuple(s) for s in d.get("sentences", ()))})


def verdict_from_dict(d: dict) -> Verdict:
    return Verdict(**{
        **_known(Verdict, d), "label": Label(d["label"]), "evidence": tuple(_citation(c) for c in d["evidence"]),
        "timings": Timings(**_known(Timings, d.get("timings", {}))), "within": tuple(d.get("within", ())),
    })  # fmt: skip


def answer_from_dict(d: dict) -> Answer:
    return Answer(**{
        **_known(Answer, d), "citations": tuple(_citation(c) for c in d["citations"]),
        "evidence": tuple(_evidence(e) for e in d.get("evidence", ())), "dropped": tuple(d.get("dropped", ())),
        "timings": Timings(**_known(Timings, d.get("timings", {}))),
        "reason": AbstainReason(d["reason"]) if d.get("reason") else None,
        "verdict": verdict_from_dict(d["verdict"]) if d.get("verdict") else None, "within": tuple(d.get("within", ())),
        "conflicts": tuple(_side(s) for s in d.get("conflicts", ())),
    })  # fmt: skip


def _side(d: dict) -> Side:
    return Side(**{**_known(Side, d), "citations": tuple(_citation(c) for c in d["citations"])})
