"""Torch work runs on one thread whatever thread asks (core/torch_thread.py), so OpenMP keeps one team."""

import threading

import pytest

from factbot.core.torch_thread import NAME, on_torch_thread


def where() -> str:
    return threading.current_thread().name


def test_calls_from_any_thread_run_on_the_same_thread():
    seen = [on_torch_thread(where)]
    t = threading.Thread(target=lambda: seen.append(on_torch_thread(where)))
    t.start()
    t.join()
    assert len(set(seen)) == 1 and seen[0].startswith(NAME) and seen[0] != where()


def test_a_call_made_on_the_torch_thread_runs_at_once():
    assert on_torch_thread(lambda: on_torch_thread(where)).startswith(NAME)  # no deadlock


def test_errors_reach_the_caller():
    def fail():
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        on_torch_thread(fail)


def test_the_embedder_and_the_verifier_run_there(embedder):
    import torch

    from factbot.verify.verifier import load_verifier

    seen = []
    real = torch.nn.Module.__call__

    def spy(self, *a, **k):
        seen.append(where())
        return real(self, *a, **k)

    torch.nn.Module.__call__ = spy
    try:
        embedder.embed(["Kellogg clarified the plan."])
        load_verifier().batch([("Kellogg clarified the plan.", "Kellogg spoke.")])
    finally:
        torch.nn.Module.__call__ = real
    assert seen and all(name.startswith(NAME) for name in seen)
