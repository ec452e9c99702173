"""Every torch call of the process on one thread.

OpenMP gives each thread that calls into torch its own team of worker threads, and with
OMP_WAIT_POLICY=ACTIVE (core/config.py: what llama.cpp needs) a team that has just worked keeps
spinning. A web UI answers on a pool of threads: a request's embedding then ran beside the
spinning team of an earlier thread and took twice as long (an abstention, all retrieval and
evidence scoring: 0.60 s in a worker thread against 0.31 s on the thread that loaded the model).
On one thread there is one team."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
NAME = "factbot-torch"

_pool: ThreadPoolExecutor | None = None  # created on first use
_pool_lock = threading.Lock()


def on_torch_thread(fn: Callable[..., T], *args, **kwargs) -> T:
    """fn(*args, **kwargs) run on the process's torch thread (at once when already on it)."""
    global _pool
    if threading.current_thread().name.startswith(NAME):
        return fn(*args, **kwargs)
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=NAME)
    return _pool.submit(fn, *args, **kwargs).result()
