"""API keys at the gateway: wrong keys slow down the address that sends them (and only that one), every answer
is counted in /metrics, and keys can come from a file or the environment instead of the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.cli.serve import cli
from serve.gateway import ApiKey, BackendConfig, GatewayConfig, ServerThread, create_app
from serve.gateway.limits import AuthFailures
from tests.integration.serve.conftest import free_port, wait_for_health

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "what is ethanol"}]}
ANN = {"Authorization": "Bearer sk-ann"}
WRONG = {"Authorization": "Bearer sk-guess"}


def client(address: str) -> httpx.Client:
    """A client whose connections come from ADDRESS (any 127.x.y.z reaches the gateway on 127.0.0.1)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def keyed_gateway(backend_url: str, free_failures: int = 3) -> ServerThread:
    config = GatewayConfig(
        backends=[BackendConfig(name="a", url=backend_url, models=["fake-chat"])],
        api_keys=[ApiKey(name="ann", key="sk-ann")],
        auth_free_failures=free_failures,
    )
    return ServerThread(create_app(config))


def test_wrong_keys_make_their_address_wait_while_the_key_works_from_elsewhere(fake_backend):
    url, _ = fake_backend()
    with keyed_gateway(url) as gw, client("127.0.0.3") as guesser, client("127.0.0.4") as ann:
        guesses = [guesser.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=WRONG) for _ in range(4)]
        right_key_from_guesser = guesser.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=ANN)
        from_elsewhere = ann.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=ANN)
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    assert guesses[3].headers["retry-after"] == "1"
    # while it waits, the guessing address is not told whether a key is right ...
    assert right_key_from_guesser.status_code == 429
    # ... and the key holder elsewhere is not locked out
    assert from_elsewhere.status_code == 200


def test_the_wait_doubles_with_each_further_failure_up_to_the_cap():
    now = [0.0]
    failures = AuthFailures(free=2, max_delay_s=8, clock=lambda: now[0])
    waits = []
    for _ in range(7):
        failures.failed("10.0.0.9")
        waits.append(failures.wait("10.0.0.9"))
        now[0] += waits[-1]  # the next try comes as soon as it is allowed
    assert waits == [0, 1, 2, 4, 8, 8, 8]


def test_a_right_key_after_the_wait_starts_the_count_again():
    now = [0.0]
    failures = AuthFailures(free=2, max_delay_s=60, clock=lambda: now[0])
    for _ in range(4):
        failures.failed("10.0.0.9")
    now[0] += failures.wait("10.0.0.9")
    failures.succeeded("10.0.0.9")
    failures.failed("10.0.0.9")
    assert failures.wait("10.0.0.9") == 0  # one failure since: free again


def test_metrics_count_every_status_the_gateway_answers():
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with keyed_gateway(dead, free_failures=1) as gw, client("127.0.0.5") as guesser, client("127.0.0.6") as ann:
        guesser.post(f"{gw.url}/v1/chat/completions", json=CHAT)  # 401: no key
        guesser.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=ANN)  # 429: must wait
        ann.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "gpt-9"}, headers=ANN)  # 404
        ann.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=ANN)  # 502: its backend is down
        ann.get(f"{gw.url}/v1/embeddings")  # 405
        ann.get(f"{gw.url}/health")  # 503: nothing serves
        ann.get(f"{gw.url}/no/such/page")  # 404
        text = ann.get(f"{gw.url}/metrics").text
    counted = {line.rsplit(" ", 1)[0] for line in text.splitlines() if line.startswith("gateway_requests_total{")}
    assert counted == {
        'gateway_requests_total{model="-",route="chat/completions",status="401"}',
        'gateway_requests_total{model="-",route="chat/completions",status="429"}',
        'gateway_requests_total{model="-",route="chat/completions",status="404"}',
        'gateway_requests_total{model="fake-chat",route="chat/completions",status="502"}',
        'gateway_requests_total{model="-",route="embeddings",status="405"}',
        'gateway_requests_total{model="-",route="health",status="503"}',
        'gateway_requests_total{model="-",route="other",status="404"}',
    }


def test_gateway_keys_come_from_a_file_and_the_environment_and_stay_out_of_ps(fake_backend, tmp_path):
    url, _ = fake_backend()
    catalog = tmp_path / "catalog.yaml"  # an external endpoint: a backend the gateway does not start
    catalog.write_text(
        f"models:\n  - name: fake-chat\n    source: scripted\n    role: general\n    params_b: 0.1\n"
        f"    layers: 2\n    kv_heads: 2\n    head_dim: 64\n    endpoint: {url}\n"
    )
    key_file = tmp_path / "gateway-keys"
    key_file.write_text("# lab members\nann=sk-ann-from-file:50\n\nbob=sk-bob-from-file  # the robot\n")
    key_file.chmod(0o600)
    port = free_port()
    argv = [sys.executable, "-m", "app.cli.main", "gateway", "--port", str(port), "--catalog", str(catalog)]
    argv += ["--state-dir", str(tmp_path / "state"), "--api-key-file", str(key_file)]
    env = {**os.environ, "CHEMASSIST_GATEWAY_API_KEYS": "cy=sk-cy-from-env,dee=sk-dee-from-env:2"}
    gateway = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", timeout_s=60)
        codes = {
            key: httpx.post(
                f"http://127.0.0.1:{port}/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {key}"}
            ).status_code
            for key in ("sk-ann-from-file", "sk-bob-from-file", "sk-cy-from-env", "sk-dee-from-env", "sk-nobody")
        }
        command_line = Path(f"/proc/{gateway.pid}/cmdline").read_bytes()
    finally:
        gateway.terminate()
        gateway.wait(30)
    assert codes == {
        "sk-ann-from-file": 200,
        "sk-bob-from-file": 200,
        "sk-cy-from-env": 200,
        "sk-dee-from-env": 200,
        "sk-nobody": 401,
    }
    assert b"sk-" not in command_line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ann=sk-secret-1\nann=sk-secret-2\n", "API key names must differ; repeated: ['ann']"),
        ("# ok\nann sk-secret-1\n", "line 2 of {file} must look like NAME=KEY or NAME=KEY:RATE_PER_S"),
        ("ann=sk-secret-1:fast\n", "line 1 of {file} (key 'ann'): the rate must be a number"),
    ],
)
def test_a_bad_key_file_is_one_clear_error_that_does_not_print_the_keys(tmp_path, text, message):
    key_file = tmp_path / "keys"
    key_file.write_text(text)
    result = CliRunner().invoke(cli, ["gateway", "--state-dir", str(tmp_path), "--api-key-file", str(key_file)])
    output = " ".join(result.output.split())  # as one line, however the terminal wrapped it
    assert result.exit_code == 1 and message.format(file=key_file) in output
    assert "sk-secret" not in output
