"""Start tests/fakes/fake_openai_server.py as a real process on a free loopback port, and stop it afterwards."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.network import free_port, wait_for_port

SERVER = Path(__file__).resolve().parent / "fake_openai_server.py"
__all__ = ["SERVER", "fake_openai_server", "free_port"]


@contextmanager
def fake_openai_server(*args: str) -> Iterator[str]:
    """Yield the server's root URL (append /v1 for OpenAI clients); extra args go to the server's CLI."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", str(port), "--quiet", *args], stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, timeout_s=20, process=proc)  # listening is enough: with --delay-ms even /health is slow
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
