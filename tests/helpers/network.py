"""Loopback ports for the real servers the tests start, and waiting until such a server answers."""

from __future__ import annotations

import socket
import subprocess

import httpx

from tests.helpers.waiting import wait_until


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 20.0, process: subprocess.Popen | None = None) -> None:
    """Return once something accepts connections on 127.0.0.1:port (for servers whose every answer is slow)."""
    wait_until(lambda: _accepts(port), f"nothing listened on port {port}", timeout_s=timeout_s, process=process)


def wait_for_health(
    url: str, timeout_s: float = 10.0, process: subprocess.Popen | None = None, path: str = "/health"
) -> None:
    """Return once GET url+path answers 200; fail early when `process` (the server) has exited."""
    wait_until(lambda: _answers(url + path), f"{url} did not become healthy", timeout_s=timeout_s, process=process)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
