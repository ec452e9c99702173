"""What the web UI and the JSON API guard against: pages framed or sniffed by other sites
(security headers), guessed logins (failed sign-ins throttled per address), and server paths in
error text shown to users."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from factbot.core.config import Config

# The UI is Gradio's: its pages use inline scripts and styles and talk to the server over fetch
# and server-sent events; nothing is loaded from elsewhere (no network), and no site may frame it.
UI_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"  # JSON only: nothing to load or run
SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def headers(csp: str) -> dict[str, str]:
    return {"Content-Security-Policy": csp, **SECURITY_HEADERS}


class LoginThrottle:
    """Failed sign-ins counted per client address: after config.max_failed_logins within
    config.login_window_s, that address is refused until the window has passed. Thread-safe."""

    def __init__(self, config: Config):
        self.limit, self.window = config.max_failed_logins, config.login_window_s
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds until this address may try again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < self.window]
            self._failures[client] = recent
            return self.window - (now - recent[0]) if len(recent) >= self.limit else 0.0

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, []).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def message(self, seconds: float) -> str:
        return (f"Too many failed sign-ins from your address ({self.limit} in {self.window:.0f} s). "
                f"Try again in {max(1, round(seconds))} s.")  # fmt: skip


class UiGuard:
    """ASGI middleware for the web UI: security headers on every response, and failed sign-ins
    (POST /login answered 400 by Gradio) throttled with a 429 that says when to try again."""

    def __init__(self, app, config: Config):
        self.app, self.throttle = app, LoginThrottle(config)
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers(UI_CSP).items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        login = scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/login")
        client = (scope.get("client") or ("?", 0))[0]
        if login and (wait := self.throttle.wait(client)):
            return await self._refuse(send, wait)
        status = [0]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if login:
            self.throttle.failed(client) if status[0] in (400, 401) else self.throttle.succeeded(client)

    async def _refuse(self, send, wait: float) -> None:
        import json

        body = json.dumps({"detail": self.throttle.message(wait)}).encode()
        extra = [(b"content-type", b"application/json"), (b"retry-after", str(max(1, round(wait))).encode())]
        await send({"type": "http.response.start", "status": 429, "headers": extra + self.headers})
        await send({"type": "http.response.body", "body": body})


def ui_middleware(config: Config) -> list:
    """For gr.Blocks.launch(app_kwargs={"middleware": ...}): the UI's guard."""
    from starlette.middleware import Middleware

    return [Middleware(UiGuard, config=config)]


# Error text ---------------------------------------------------------------------------------
_ABSOLUTE = re.compile(r"(?<![\w.~-])/(?:[^\s/'\"()\[\]]+/)+([^\s/'\"()\[\]]+)")


def public_text(error: BaseException | str, config: Config | None = None) -> str:
    """An error's message for users of the UI or API: the corpus and data folders by name (given
    the config), and any other absolute path cut to its last part, so no server path is shown."""
    text = str(error)
    roots = {}
    folders = ((config.data_dir, "the data folder"), (config.corpus_dir, "the corpus folder")) if config else ()
    for folder, name in folders:
        for form in {str(folder), str(Path(folder).absolute()), str(_resolved(folder))}:
            if form.startswith("/") and len(form) > 1:
                roots[form] = name
    for root in sorted(roots, key=len, reverse=True):  # the longest first: a corpus inside the data folder
        text = re.sub(re.escape(root) + r"(/[^\s'\"()\[\]]*)?", lambda m, n=roots[root]: _under(n, m.group(1)), text)
    return _ABSOLUTE.sub(lambda m: m.group(1), text)


def _under(name: str, rest: str | None) -> str:
    return f"{rest.lstrip('/')} in {name}" if rest and rest != "/" else name


def _resolved(folder: Path) -> Path:
    try:
        return Path(folder).resolve()
    except OSError:
        return Path(folder)
