"""The gateway as several worker processes on one port (`python -m serve.gateway --workers 2`), as deployed:
each key's rate limit holds across the workers, /metrics counts every worker's requests, the private run
directory (it holds the keys) is removed, and no worker outlives a killed gateway."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import httpx
import pytest

from serve.gateway.limits import SharedBuckets
from serve.launcher import process_start_ticks
from tests.helpers.waiting import wait_until
from tests.integration.serve.conftest import free_port, wait_for_health

BODY = {"model": "fake-chat", "messages": [{"role": "user", "content": "hello"}]}
KEYS = [
    {"name": "ann", "key": "sk-ann", "rate_per_s": 0.01, "burst": 5},
    {"name": "bob", "key": "sk-bob", "rate_per_s": 1000, "burst": 1000},
]


def _run_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("chemassist-gateway-*"))


@pytest.fixture
def start_gateway(fake_backend, tmp_path):
    """start() -> (url, process, run directory) of a 2-worker gateway; stopped at teardown."""
    backend, _ = fake_backend()
    config = {"backends": [{"name": "b0", "url": backend, "models": ["fake-chat"]}], "api_keys": KEYS}
    (tmp_path / "gateway.json").write_text(json.dumps(config))
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[str, subprocess.Popen[bytes], Path]:
        before = _run_dirs()
        port = free_port()
        argv = [sys.executable, "-m", "serve.gateway", "--config", str(tmp_path / "gateway.json")]
        proc = subprocess.Popen(
            [*argv, "--port", str(port), "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, timeout_s=30)
        [run_dir] = _run_dirs() - before
        return url, proc, run_dir

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(20)


def _post(url: str, key: str) -> int:
    with httpx.Client(timeout=10) as client:  # a new connection each time: the kernel picks the worker
        return client.post(
            f"{url}/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {key}"}
        ).status_code


def test_two_workers_share_each_keys_rate_limit_and_their_metrics(start_gateway):
    url, gateway, run_dir = start_gateway()
    assert oct(run_dir.stat().st_mode)[-3:] == "700"
    ok = 0
    # Until both workers have served (each writes its own metrics file), so the checks below span two processes.
    for _ in range(200):
        ok += _post(url, "sk-bob") == 200
        if len(list((run_dir / "metrics").glob("counter_*.db"))) == 2:
            break
    assert len(list((run_dir / "metrics").glob("counter_*.db"))) == 2

    codes = [_post(url, "sk-ann") for _ in range(40)]
    assert codes.count(200) == 5 and codes.count(429) == 35  # ann's burst of 5, once, not once per worker

    metrics = httpx.get(f"{url}/metrics").text
    line = f'gateway_requests_total{{model="fake-chat",route="chat/completions",status="200"}} {ok + 5:.1f}'
    assert line in metrics.splitlines()  # both workers' requests, summed

    gateway.terminate()
    gateway.wait(20)
    assert not run_dir.exists()  # the keys are not left on disk


def test_workers_stop_when_the_gateway_is_killed_and_the_next_start_removes_its_run_directory(start_gateway):
    url, gateway, run_dir = start_gateway()
    workers = [int(p) for p in Path(f"/proc/{gateway.pid}/task/{gateway.pid}/children").read_text().split()]
    assert len(workers) >= 2
    gateway.send_signal(signal.SIGKILL)
    gateway.wait(10)
    # no orphan left serving the port
    wait_until(lambda: not any(process_start_ticks(pid) for pid in workers), "the workers gone", timeout_s=15)
    assert run_dir.exists()  # killed: it could not clean up ...

    start_gateway()
    assert not run_dir.exists()  # ... so the next start did


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from serve.gateway.limits import SharedBuckets
    bucket = SharedBuckets(Path(sys.argv[1])).bucket(0, rate=1e-6, burst=20000)
    Path(sys.argv[2]).touch()  # ready
    while not Path(sys.argv[3]).exists():  # all take at once
        pass
    print(sum(bucket.take() == 0 for _ in range(15000)))
    """
)


def test_processes_taking_from_one_shared_bucket_spend_its_tokens_exactly_once(tmp_path):
    path = tmp_path / "buckets"
    SharedBuckets.create(path, [20000])
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(2)]
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(r), str(go)], stdout=subprocess.PIPE, text=True)
        for r in ready
    ]
    for child, r in zip(children, ready, strict=True):
        wait_until(r.exists, "the child process ready", timeout_s=60, process=child, interval_s=0.01)
    go.touch()
    passed = [int(child.communicate(timeout=60)[0]) for child in children]
    assert sum(passed) == 20000  # 30,000 takes of 20,000 tokens: without the lock the count goes wrong
    assert min(passed) > 0 and os.path.getsize(path) == 16
