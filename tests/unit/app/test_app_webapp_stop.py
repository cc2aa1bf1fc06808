"""`chemassist web` supervises Streamlit as a child: a signal to it stops the child, which is killed when it does
not stop by itself (Streamlit with Milvus Lite's threads never did). Real processes, no browser; the browser
version is tests/e2e/test_e2e_chemist_app.py."""

import signal
import subprocess
import sys
from pathlib import Path

from app.settings import PROJECT_ROOT
from tests.helpers.waiting import wait_until

# A stand-in for a Streamlit that hangs on shutdown: it ignores SIGTERM and writes its pid.
STUCK_CHILD = "import os, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(os.getpid(), flush=True); time.sleep(120)"  # noqa: E501
POLITE_CHILD = "import os, time; print(os.getpid(), flush=True); time.sleep(120)"


def supervisor(child_code: str) -> subprocess.Popen[str]:
    code = (
        "import sys; from app.cli.webapp import _supervise; "
        f"sys.exit(_supervise([sys.executable, '-c', {child_code!r}]))"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop(proc: subprocess.Popen[str]) -> tuple[int, int]:
    """SIGTERM the supervisor once its child runs; its exit status and the child's pid."""
    child = int(proc.stdout.readline())  # type: ignore[union-attr]
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30), child


def test_a_child_that_ignores_sigterm_is_killed_and_the_supervisor_exits():
    proc = supervisor(STUCK_CHILD)
    try:
        code, child = stop(proc)
        wait_until(lambda: not running(child), "the child killed", timeout_s=10)  # the kill lands, then reaping
        assert code == 0
    finally:
        proc.kill()


def test_a_child_that_stops_on_sigterm_ends_the_supervisor_with_it():
    proc = supervisor(POLITE_CHILD)
    try:
        code, child = stop(proc)
        assert (code, running(child)) == (0, False)
    finally:
        proc.kill()
