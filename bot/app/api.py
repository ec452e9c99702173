"""A small JSON API over one running FactBot, so `factbot ask` and `check` from a shell answer at
server speed: no imports, index load or model load in their path. `factbot serve` starts it beside
the web UI; `factbot serve --api` runs it alone (no Gradio). It binds to loopback unless told
otherwise, asks for the --auth login (HTTP basic) when one is set, and writes its address to
data_dir/server.json, where the CLI finds it (or FACTBOT_SERVER_URL).

    GET  /v1/health                                         -> {"ok": true, "pid": ..., "chunks": ...}
    POST /v1/ask    {"question": str, "within": [str]|null}  -> {"answer": Answer.to_dict()}
    POST /v1/check  {"claim": str, "text": bool, "within": [str]|null} -> {"verdicts": [Verdict.to_dict()]}

Errors: 400 {"error": ...} for bad input (the CLI exits 2), 401 without the login, 429 after too
many failed logins from one address, 415 for a body that is not application/json, 500 otherwise.
Error text never holds server paths; every response carries CSP, X-Frame-Options and nosniff."""

from __future__ import annotations

import atexit
import base64
import hmac
import json
import logging
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from factbot.app import guard
from factbot.core.config import SERVER, Config
from factbot.core.errors import BadInput, FactbotError

log = logging.getLogger(__name__)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_BODY = 1_000_000


class ApiServer:
    """The API on its own thread; close() stops it and removes its address file."""

    def __init__(self, bot, config: Config, port: int | None = None):
        self.bot, self.config = bot, config
        self.auth = _basic(config.ui_auth)
        self.throttle = guard.LoginThrottle(config)
        handler = type("Handler", (_Handler,), {"api": self})
        port = config.api_port if port is None else port
        try:
            self.httpd = ThreadingHTTPServer((config.ui_host, port), handler)
        except OSError as e:
            raise FactbotError(f"Cannot serve the API on {config.ui_host}:{port} ({e}). Pass another --api-port.") from e
        self.httpd.daemon_threads = True
        host = f"[{config.ui_host}]" if ":" in config.ui_host else config.ui_host
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="factbot-api", daemon=True)
        self.thread.start()
        self.address_file = config.data_dir / SERVER
        self._write_address()
        atexit.register(self.close)

    def _write_address(self) -> None:
        info = {"url": self.url, "pid": os.getpid(), "auth": self.auth is not None, "started": time.time()}
        self.address_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.address_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.address_file)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        try:  # only our own address: a server started since keeps its file
            if json.loads(self.address_file.read_text()).get("pid") == os.getpid():
                self.address_file.unlink()
        except (OSError, ValueError):
            pass

    # Requests --------------------------------------------------------------------------------
    def handle(self, path: str, body: dict) -> dict:
        within = body.get("within") or None
        if path == "/v1/ask":
            return {"answer": self.bot.answer(_text(body, "question"), within=within).to_dict()}
        if path == "/v1/check":
            claim = _text(body, "claim")
            verdicts = self.bot.check_text(claim, within=within) if body.get("text") else [self.bot.check(claim, within=within)]
            return {"verdicts": [v.to_dict() for v in verdicts]}
        raise LookupError(path)


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise BadInput(f'The request needs "{key}": a string.')
    return value


def _basic(auth: str | None) -> bytes | None:
    """The Authorization header value that --auth user:password requires."""
    return b"Basic " + base64.b64encode(auth.encode()) if auth else None


class _Handler(BaseHTTPRequestHandler):
    api: ApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # requests go to the debug log, not stderr
        log.debug("api: " + fmt, *args)

    def _reply(self, status: int, payload: dict, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (guard.headers(guard.API_CSP) | (extra or {})).items():
            self.send_header(key, value)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="factbot"')
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, error: BaseException | str) -> None:
        self._reply(status, {"error": guard.public_text(error, self.api.config)})

    def _authorized(self) -> bool:
        """The login, when one is set; failed attempts are throttled per client address."""
        want = self.api.auth
        if want is None:
            return True
        client = self.client_address[0]
        wait = self.api.throttle.wait(client)
        if wait:
            self._reply(429, {"error": self.api.throttle.message(wait)}, {"Retry-After": str(max(1, round(wait)))})
            return False
        if hmac.compare_digest((self.headers.get("Authorization") or "").encode(), want):
            self.api.throttle.succeeded(client)
            return True
        self.api.throttle.failed(client)
        self._reply(401, {"error": "This factbot server needs its login (FACTBOT_UI_AUTH=user:password)."})
        return False

    def do_GET(self):
        if not self._authorized():
            return
        if self.path != "/v1/health":
            return self._error(404, f"No such endpoint: {self.path}")
        self._reply(200, {"ok": True, "pid": os.getpid(), "chunks": self.api.bot.store.count()})

    def do_POST(self):
        if not self._authorized():
            return
        try:
            size = int(self.headers.get("Content-Length") or 0)
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if kind != "application/json":  # a form another site posts is never read as a question
                self.rfile.read(min(size, MAX_BODY))
                self.close_connection = size > MAX_BODY
                return self._error(415, "The API accepts only Content-Type: application/json.")
            if size > MAX_BODY:
                raise BadInput(f"The request has {size:,} bytes; the limit is {MAX_BODY:,}.")
            body = json.loads(self.rfile.read(size) or b"{}")
            if not isinstance(body, dict):
                raise BadInput("The request body must be a JSON object.")
            self._reply(200, self.api.handle(self.path, body))
        except LookupError:
            self._error(404, f"No such endpoint: {self.path}")
        except (BadInput, ValueError) as e:
            self._error(400, e)
        except FactbotError as e:
            self._error(500, e)
        except Exception:  # a bug below: say so, keep serving
            log.exception("API request %s failed", self.path)
            self._error(500, "Something went wrong on the server; see its log.")


def start_api(bot, config: Config, *, warm: bool = True) -> ApiServer:
    """Serve bot's API on config.ui_host:config.api_port; warm: load the model now, in the
    background, so the first question does not wait for it."""
    if config.ui_host not in LOOPBACK and not config.ui_auth:
        print(f"factbot: warning: the API on {config.ui_host} has no --auth: anyone who can reach it can use it.",
              file=sys.stderr)  # fmt: skip
    api = ApiServer(bot, config)
    if warm:
        threading.Thread(target=lambda: bot.model, name="factbot-model-load", daemon=True).start()
    return api


def serve_api(config: Config) -> None:
    """factbot serve --api: the API alone (no web UI), until interrupted."""
    from factbot.pipeline.factbot import FactBot

    bot = FactBot(config)
    try:
        bot.ingest(progress=False)  # the configured corpus and the uploads, as the web UI does
    except BadInput as e:  # no corpus: the library may still hold uploads
        print(f"factbot: {e}", file=sys.stderr)
    api = start_api(bot, config)
    print(f"factbot: API on {api.url} (Ctrl+C to stop); factbot ask and check use it", file=sys.stderr)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        api.close()
