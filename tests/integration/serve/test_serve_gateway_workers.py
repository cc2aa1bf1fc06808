"""The gateway as several worker processes on one port (`python -m serve.gateway --workers 2`), as deployed:
each key's rate limit holds across the workers, /metrics counts every worker's requests, and the private run
directory (it holds the keys) is gone after the gateway stops."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from serve.gateway.limits import SharedBuckets
from tests.integration.serve.conftest import free_port, wait_for_health

BODY = {"model": "fake-chat", "messages": [{"role": "user", "content": "hello"}]}


def test_two_workers_share_the_rate_limit_and_the_metrics(fake_backend, tmp_path):
    backend, _ = fake_backend()
    config = {
        "backends": [{"name": "b0", "url": backend, "models": ["fake-chat"]}],
        "api_keys": [{"name": "ann", "key": "sk-ann", "rate_per_s": 0.01, "burst": 5}],
    }
    (tmp_path / "gateway.json").write_text(json.dumps(config))
    port = free_port()
    argv = [sys.executable, "-m", "serve.gateway", "--config", str(tmp_path / "gateway.json"), "--port", str(port)]
    before = set(Path(tempfile.gettempdir()).glob("chemassist-gateway-*"))
    gateway = subprocess.Popen([*argv, "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, timeout_s=30)
        codes = []
        for _ in range(12):  # a new connection each time, so the kernel spreads them over the workers
            with httpx.Client(timeout=10) as client:
                auth = {"Authorization": "Bearer sk-ann"}
                codes.append(client.post(f"{url}/v1/chat/completions", json=BODY, headers=auth).status_code)
        assert codes == [200] * 5 + [429] * 7  # the burst of 5, once, not once per worker
        metrics = httpx.get(f"{url}/metrics").text
        line = 'gateway_requests_total{model="fake-chat",route="chat/completions",status="200"} 5.0'
        assert line in metrics.splitlines()
        run_dirs = set(Path(tempfile.gettempdir()).glob("chemassist-gateway-*")) - before
        assert len(run_dirs) == 1 and oct(next(iter(run_dirs)).stat().st_mode)[-3:] == "700"
    finally:
        gateway.terminate()
        gateway.wait(20)
    assert set(Path(tempfile.gettempdir()).glob("chemassist-gateway-*")) == before  # keys not left on disk


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from serve.gateway.limits import SharedBuckets
    bucket = SharedBuckets(Path(sys.argv[1])).bucket(0, rate=0.001, burst=6)
    while time.time() < float(sys.argv[2]):
        pass
    print(sum(bucket.take() == 0 for _ in range(10)))
    """
)


def test_processes_taking_from_one_shared_bucket_get_its_burst_once_between_them(tmp_path):
    path = tmp_path / "buckets"
    SharedBuckets.create(path, [6])
    start_at = str(time.time() + 1.0)  # both processes take at the same moment
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(path), start_at], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    passed = [int(child.communicate(timeout=30)[0]) for child in children]
    assert sum(passed) == 6
