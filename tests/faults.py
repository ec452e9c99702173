"""Helpers for the failure-path tests (test_failure_paths.py, test_soak.py): the real factbot CLI
run in its own process (as root, or as the unprivileged user `nobody` where permissions matter),
throwaway folders it can reach, and `factbot serve --api` in a process of its own. Not a test module.

No model is loaded anywhere here: claims are checked in code (FACTBOT_CHECK_MODE=code) and the
model endpoint points at a closed port, so a path that called the model would fail loudly."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import site
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SITE = Path(site.getsitepackages()[0])  # the venv's packages: the unprivileged interpreter reads them
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
BOOT = "import site, sys; site.addsitedir({site!r}); from factbot.app.cli import main; sys.exit(main(sys.argv[1:]))"


def nobody_reason() -> str | None:
    """Why the CLI cannot run as `nobody` here (None: it can). The venv's own interpreter lives
    under /root, which nobody may not enter, so the system Python of the same version runs the
    venv's packages."""
    if os.geteuid() != 0:
        return "not root: cannot switch to the user nobody"
    if not shutil.which("runuser"):
        return "runuser is not installed"
    if not SYSTEM_PYTHON.exists():
        return f"{SYSTEM_PYTHON} (the venv's Python version, readable by nobody) is not installed"
    return None


def sandbox(prefix: str) -> Path:
    """A throwaway folder every user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix=f"factbot-{prefix}-", dir="/tmp"))
    path.chmod(0o755)
    return path


def give_to_nobody(*paths: Path) -> None:
    user = pwd.getpwnam("nobody")
    for top in paths:
        for p in [top, *top.rglob("*")]:
            os.lchown(p, user.pw_uid, user.pw_gid)


def env(data: Path, corpus: Path | None = None, **more: str) -> dict[str, str]:
    """The environment of a factbot process: its own data dir and corpus, no model, one thread."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("FACTBOT_")}
    out |= {
        "FACTBOT_DATA_DIR": str(data), "FACTBOT_CHECK_MODE": "code", "FACTBOT_THREADS": "1",
        "FACTBOT_LLM_ENDPOINT": "http://127.0.0.1:9/v1", "OMP_WAIT_POLICY": "PASSIVE",
        "FACTBOT_MODEL_CACHE": str(data.parent / "model-cache"), "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    if corpus is not None:
        out["FACTBOT_CORPUS_DIR"] = str(corpus)
    return out | more


def cli(args: list, environ: dict, *, user: str | None = None, input: str | bytes | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:  # fmt: skip
    """`factbot ARGS` in a new process; user "nobody" runs it unprivileged. Output as bytes."""
    if user:
        cmd = ["runuser", "-u", user, "--", str(SYSTEM_PYTHON), "-c", BOOT.format(site=str(SITE))]
        environ = environ | {"HOME": str(Path(environ["FACTBOT_DATA_DIR"]).parent)}
    else:
        cmd = [sys.executable, "-m", "factbot.app.cli"]
    data = input.encode() if isinstance(input, str) else input
    return subprocess.run(cmd + list(args), env=environ, input=data, capture_output=True, timeout=timeout,
                          cwd="/tmp", stdin=None if data is not None else subprocess.DEVNULL)  # fmt: skip


def text(result: subprocess.CompletedProcess) -> tuple[int, str, str]:
    return result.returncode, result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")


class ApiProcess:
    """`factbot serve --api` in its own process, found through server.json like the CLI finds it."""

    def __init__(self, environ: dict, timeout: float = 180):
        data = Path(environ["FACTBOT_DATA_DIR"])
        (data / "server.json").unlink(missing_ok=True)
        self.log = open(data.parent / "serve.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "factbot.app.cli", "serve", "--api"], env=environ,
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd="/tmp")  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.url = json.loads((data / "server.json").read_text())["url"]
                break
            except (OSError, ValueError, KeyError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"factbot serve --api did not start: {self.output()}")
                time.sleep(0.2)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def post(self, path: str, body: dict, headers: dict | None = None, raw: bytes | None = None) -> tuple[int, dict, dict]:
        data = raw if raw is not None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data,
                                     headers=headers or {"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                return r.status, json.loads(r.read()), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}"), dict(e.headers)

    def check(self, claim: str) -> tuple[int, dict]:
        status, got, _ = self.post("/v1/check", {"claim": claim})
        return status, got

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
