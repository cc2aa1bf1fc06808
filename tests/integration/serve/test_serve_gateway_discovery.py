"""`chemassist gateway` started before its backends (as systemd may start it): it answers 503 until a backend
is up, routes to each backend that `serve up` starts later, and answers 503 again once it is stopped."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable

import httpx
from conftest import fake_argv, free_port

from serve import launcher
from serve.errors import NotRunning
from serve.launcher import LaunchSpec
from tests.helpers.waiting import wait_until

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "what is ethanol"}]}


def wait_for(probe: Callable[[], bool], gateway: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    wait_until(probe, "the gateway's answer", timeout_s=timeout_s, process=gateway, ignore=(httpx.HTTPError,))


def chat_four_times(url: str, answers: list[httpx.Response]) -> list[httpx.Response]:
    """Four chat requests; ANSWERS holds the last four."""
    answers[:] = [httpx.post(f"{url}/v1/chat/completions", json=CHAT) for _ in range(4)]
    return answers


def test_a_gateway_started_before_its_backends_waits_for_them_and_follows_them(tmp_path):
    state = tmp_path / "state"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "app.cli.main", "gateway", "--state-dir", str(state), "--port", str(port)]
    gateway = subprocess.Popen([*argv, "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    backend_port = free_port()
    spec = LaunchSpec(name="fake", argv=fake_argv(backend_port), port=backend_port, served_names=["fake-chat"])
    try:
        wait_for(lambda: httpx.get(f"{url}/health").status_code == 503, gateway)
        before = httpx.post(f"{url}/v1/chat/completions", json=CHAT)

        launcher.start(spec, state)
        launcher.wait_healthy(state, "fake", timeout_s=30)
        # Each worker finds the backend on its own next look at the state folder: wait until four requests in a
        # row (both workers, likely) are answered, not until the first worker that happens to answer /health.
        during = []
        wait_for(lambda: all(r.status_code == 200 for r in chat_four_times(url, during)), gateway)

        launcher.stop(state, "fake")
        wait_for(lambda: httpx.post(f"{url}/v1/chat/completions", json=CHAT).status_code == 503, gateway)
    finally:
        with contextlib.suppress(NotRunning):
            launcher.stop(state, "fake")
        gateway.terminate()
        gateway.wait(30)
    assert (before.status_code, before.headers["retry-after"]) == (503, "2")
    assert "no backend serving 'fake-chat' is running at the moment" in before.json()["error"]["message"]
    assert [r.json()["choices"][0]["message"]["content"] for r in during] == ["echo: what is ethanol"] * 4
