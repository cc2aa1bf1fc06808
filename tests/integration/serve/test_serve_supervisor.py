"""The supervisor keeps the scripted server up: restarts after a crash or a hang, gives up, stops cleanly."""

from __future__ import annotations

import os
import threading

import httpx
import pytest
from conftest import fake_argv, free_port

from serve import launcher
from serve.errors import LaunchError, NotRunning
from serve.launcher import LaunchSpec, RestartPolicy, read_state
from serve.supervisor import BackendLog, Supervisor
from tests.helpers.waiting import wait_until

FAST = RestartPolicy(
    backoff_initial_s=0.1,
    backoff_max_s=0.5,
    startup_timeout_s=10,
    health_interval_s=0.1,
    health_timeout_s=0.3,
    health_failures=2,
    stop_timeout_s=2,
    max_restarts=3,
)


def spec(*flags: str, policy: RestartPolicy = FAST, name: str = "fake") -> LaunchSpec:
    port = free_port()
    return LaunchSpec(name=name, argv=fake_argv(port, *flags), port=port, served_names=["fake-chat"], policy=policy)


def healthy(state_dir, restarts: int = 0) -> None:
    """Wait until the supervised backend is healthy (after at least RESTARTS restarts)."""
    wait_until(
        lambda: (st := status(state_dir)) is not None and st.status == "healthy" and st.restarts >= restarts,
        f"the backend healthy after {restarts} restart(s)",
        timeout_s=15,
    )


class Running:
    """A Supervisor running in a thread for the length of a `with` block."""

    def __init__(self, spec: LaunchSpec, state_dir):
        self.supervisor = Supervisor(spec, state_dir)
        self.thread = threading.Thread(target=self.supervisor.run, daemon=True)

    def __enter__(self) -> Supervisor:
        self.thread.start()
        return self.supervisor

    def __exit__(self, *exc: object) -> None:
        self.supervisor.stop()
        self.thread.join(timeout=15)


def status(tmp_path, name="fake"):
    try:
        return read_state(tmp_path, name)
    except NotRunning:
        return None


def test_a_crashed_backend_is_restarted_and_answers_again(tmp_path):
    s = spec("--crash-after", "3")
    with Running(s, tmp_path):
        healthy(tmp_path)
        for _ in range(3):
            assert httpx.get(f"{s.base_url}/v1/models", timeout=2).status_code == 200
        with pytest.raises(httpx.HTTPError):  # the 4th request kills it
            httpx.get(f"{s.base_url}/v1/models", timeout=2)
        healthy(tmp_path, restarts=1)
        assert httpx.get(f"{s.base_url}/v1/models", timeout=2).json()["data"][0]["id"] == "fake-chat"


def test_a_hung_backend_is_killed_and_restarted(tmp_path):
    s = spec("--hang-after", "1")
    with Running(s, tmp_path):
        healthy(tmp_path)
        httpx.get(f"{s.base_url}/v1/models", timeout=2)
        with pytest.raises(httpx.ReadTimeout):  # from now on it accepts connections but never answers
            httpx.get(f"{s.base_url}/v1/models", timeout=0.5)
        healthy(tmp_path, restarts=1)
        first_restart = read_state(tmp_path, "fake")
    assert "failed health checks" in "\n".join(launcher.tail_log(tmp_path, "fake", 200))
    assert first_restart.restarts >= 1


def test_a_backend_that_never_starts_ends_failed_after_max_restarts(tmp_path):
    s = spec("--fail-start", policy=FAST.model_copy(update={"max_restarts": 2}))
    supervisor = Supervisor(s, tmp_path)
    supervisor.run()  # returns by itself once it gives up
    state = read_state(tmp_path, "fake")
    assert (state.status, state.restarts) == ("failed", 2) and "exited with code 2" in state.message


def test_stop_sends_sigterm_and_the_backend_is_gone(tmp_path):
    s = spec()
    with Running(s, tmp_path):
        healthy(tmp_path)
        child = read_state(tmp_path, "fake").child_pid
    assert read_state(tmp_path, "fake").status == "stopped"
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_logs_rotate_at_the_size_limit(tmp_path):
    log = BackendLog(tmp_path / "x.log", max_bytes=1000, backups=2)
    for i in range(50):
        log.write(f"line {i:04d} {'x' * 90}\n".encode())
    log.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.log", "x.log.1", "x.log.2"]
    assert all(p.stat().st_size <= 1000 for p in tmp_path.iterdir())
    assert (tmp_path / "x.log").read_text().splitlines()[-1].startswith("line 0049 ")


def test_without_backups_the_log_starts_over_instead_of_growing(tmp_path):
    log = BackendLog(tmp_path / "x.log", max_bytes=1000, backups=0)
    for i in range(50):
        log.write(f"line {i:04d} {'x' * 90}\n".encode())
    log.write(b"not utf-8: \xff\n")
    log.close()
    assert [p.name for p in tmp_path.iterdir()] == ["x.log"] and (tmp_path / "x.log").stat().st_size <= 1000
    assert (tmp_path / "x.log").read_text().endswith("not utf-8: \ufffd\n")


def test_detached_start_status_and_stop_work_across_invocations(tmp_path):
    s = spec()
    launcher.start(s, tmp_path)
    try:
        state = launcher.wait_healthy(tmp_path, "fake", timeout_s=15)
        assert httpx.get(f"{state.base_url}/health").json() == {"status": "ok"}
        with pytest.raises(LaunchError, match="already running"):
            launcher.start(s, tmp_path)
    finally:
        stopped = launcher.stop(tmp_path, "fake")
    assert stopped.status == "stopped" and [st.name for st in launcher.list_states(tmp_path)] == ["fake"]


def test_a_busy_port_is_refused_before_anything_starts(tmp_path, fake_backend):
    url, _ = fake_backend()
    port = int(url.rsplit(":", 1)[1])
    busy = LaunchSpec(name="clash", argv=fake_argv(port), port=port)
    with pytest.raises(LaunchError, match=f"port {port} on 127.0.0.1 is already in use"):
        launcher.start(busy, tmp_path)
    assert launcher.list_states(tmp_path) == []


def test_a_backend_that_never_becomes_healthy_is_reported_with_its_log(tmp_path):
    s = spec("--fail-start", policy=FAST.model_copy(update={"max_restarts": 1}))
    launcher.start(s, tmp_path)
    try:
        with pytest.raises(LaunchError, match="told to fail at start"):
            launcher.wait_healthy(tmp_path, "fake", timeout_s=15)
    finally:
        launcher.stop(tmp_path, "fake")
