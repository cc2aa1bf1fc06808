"""Wait on a condition, not on a fixed sleep: poll until it holds, fail early when the process it depends on has
exited, and say what was awaited when it never holds. The one polling loop of the tests."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class NotReached(RuntimeError):
    """The awaited condition did not hold in time, or the process it depended on exited first."""


def wait_until(
    condition: Callable[[], T],
    what: str,
    *,
    timeout_s: float = 30.0,
    process: subprocess.Popen | None = None,
    ignore: tuple[type[BaseException], ...] = (),
    interval_s: float = 0.05,
) -> T:
    """Call CONDITION until it returns something truthy, and return that. An exception in IGNORE (a server not
    listening yet) counts as "not yet". NotReached names WHAT when TIMEOUT_S passes or PROCESS exits first.

    The timeout is a ceiling for a broken run, not a pause: a passing test waits only as long as it must."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process is not None and process.poll() is not None:
            raise NotReached(f"{what}: the process exited with code {process.returncode}")
        try:
            value = condition()
        except ignore:
            value = None  # type: ignore[assignment]
        if value:
            return value
        if time.monotonic() >= deadline:
            raise NotReached(f"{what}: not reached within {timeout_s:g} s")
        time.sleep(interval_s)
