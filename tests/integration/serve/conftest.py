"""Fixtures that start the scripted OpenAI-compatible server as real processes on free loopback ports."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

FAKE_SERVER = Path(__file__).resolve().parents[2] / "fakes" / "fake_openai_server.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fake_argv(port: int, *flags: str) -> list[str]:
    return [sys.executable, str(FAKE_SERVER), "--port", str(port), "--quiet", *flags]


def wait_for_health(url: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"fake server at {url} did not become healthy")


@pytest.fixture
def fake_backend() -> Iterator[Callable[..., tuple[str, subprocess.Popen[bytes]]]]:
    """start(*flags) -> (base URL, process); every process is killed at teardown."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(*flags: str) -> tuple[str, subprocess.Popen[bytes]]:
        port = free_port()
        proc = subprocess.Popen(fake_argv(port, *flags), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url)
        return url, proc

    try:
        yield start
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)
