"""Fixtures that start the scripted OpenAI-compatible server as real processes on free loopback ports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.fakes.launch import SERVER
from tests.helpers.network import free_port, wait_for_health

FAKE_SERVER = SERVER
__all__ = ["FAKE_SERVER", "fake_argv", "free_port", "wait_for_health"]  # imported by the serve tests


def fake_argv(port: int, *flags: str) -> list[str]:
    return [sys.executable, str(FAKE_SERVER), "--port", str(port), "--quiet", *flags]


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
