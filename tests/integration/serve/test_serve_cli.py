"""`chemassist serve` as an admin uses it: plan, size, then up / status / logs / down on a scripted server."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest
import yaml
from conftest import FAKE_SERVER, free_port, wait_for_health
from typer.testing import CliRunner

from app.cli.serve import cli
from app.services import serving
from serve.gateway import ServerThread, create_app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(cli, list(args))


def test_every_serve_command_has_help():
    for command in (
        [],
        ["plan"],
        ["size"],
        ["up"],
        ["down"],
        ["status"],
        ["logs"],
        ["load"],
        ["systemd"],
        ["k8s"],
        ["gateway"],
        ["alerts"],
    ):
        result = invoke(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output, command


def test_plan_prints_placements_and_real_command_lines():
    result = invoke("plan")
    assert result.exit_code == 0, result.output
    assert "vllm serve Qwen/Qwen2.5-7B-Instruct" in result.output and "CUDA_VISIBLE_DEVICES=" in result.output


def test_size_as_json_answers_fit_tp_and_sequences():
    result = invoke("size", "llama-3.3-70b-awq", "--gpus", "2 x RTX 3090", "--context", "2048", "--json")
    reports = json.loads(result.output)
    assert [(r["tp"], r["fits"]) for r in reports] == [(1, False), (2, True)]


def test_a_broken_catalog_is_one_clear_line(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("models:\n  - name: x\n    role: chef\n")
    result = invoke("plan", "--catalog", str(bad))
    assert result.exit_code == 1 and "models.0.role: Input should be" in result.output


def test_systemd_export_writes_one_unit_per_backend(tmp_path):
    result = invoke("systemd", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("chemassist-*.service"))) == 4


@pytest.fixture
def scripted_catalog(tmp_path):
    port = free_port()
    model = {
        "name": "fake-chat",
        "source": "scripted",
        "role": "general",
        "params_b": 0.1,
        "layers": 2,
        "kv_heads": 1,
        "head_dim": 8,
        "engine": "command",
        "command": [
            sys.executable,
            str(FAKE_SERVER),
            "--port",
            "{port}",
            "--model",
            "{name}",
            "--model",
            "chem-lora",
            "--quiet",
        ],
        "port": port,
        "adapters": [{"name": "chem-lora", "path": "/none", "role": "chemistry"}],
    }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [model]}))
    return path, port


def test_up_status_logs_down_from_separate_invocations(tmp_path, scripted_catalog):
    catalog, port = scripted_catalog
    state = str(tmp_path / "state")
    try:
        started = invoke("up", "--catalog", str(catalog), "--no-cluster", "--state-dir", state, "--timeout", "20")
        assert started.exit_code == 0, started.output
        assert httpx.get(f"http://127.0.0.1:{port}/v1/models").json()["data"][0]["id"] == "fake-chat"
        rows = json.loads(invoke("status", "--state-dir", state, "--json").output)
        assert [(r["name"], r["status"], r["health"]) for r in rows] == [("fake-chat", "healthy", "ok")]
        assert "status healthy" in invoke("logs", "fake-chat", "--state-dir", state).output
        # the gateway built from what is running routes the catalog's roles
        config = serving.gateway_config(tmp_path / "state", catalog, api_keys=[])
        with ServerThread(create_app(config)) as gw:
            chat = {"model": "chemistry", "messages": [{"role": "user", "content": "hi"}]}
            reply = httpx.post(f"{gw.url}/v1/chat/completions", json=chat).json()
        assert reply["model"] == "chem-lora"
        # `chemassist gateway` (top level, as the issue names it) with 2 workers: routes, and logs each request
        gw_port = free_port()
        argv = [sys.executable, "-m", "app.cli.main", "gateway", "--state-dir", state, "--catalog", str(catalog)]
        gateway = subprocess.Popen(
            [*argv, "--port", str(gw_port), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            wait_for_health(f"http://127.0.0.1:{gw_port}", timeout_s=30)
            secret = {"model": "chemistry", "messages": [{"role": "user", "content": "zanzibar-compound-7"}]}
            reply = httpx.post(f"http://127.0.0.1:{gw_port}/v1/chat/completions", json=secret).json()
            assert reply["model"] == "chem-lora"
        finally:
            gateway.terminate()
            output = gateway.communicate(timeout=30)[0].decode()
        assert "key=anonymous model=chem-lora backend=fake-chat status=200" in output  # a worker's request log
        assert "zanzibar" not in output  # and never the prompt
        assert "died" not in output  # the workers start light: they do not import the whole CLI
        # `serve load`: tokens/s between two readings of the backend's /metrics (the request above: 2 tokens)
        load = json.loads(invoke("load", "--state-dir", state, "--interval", "0.5", "--json").output)
        assert [(b["name"], b["engine"], b["running"]) for b in load["backends"]] == [("fake-chat", "vllm", "0")]
        assert load["gpus"] == [] and "nvidia-ml-py" in load["gpus_unavailable"]
    finally:
        stopped = invoke("down", "--state-dir", state)
    assert "fake-chat: stopped" in stopped.output


def test_down_with_nothing_running_says_so(tmp_path):
    assert "Nothing is running" in invoke("down", "--state-dir", str(tmp_path)).output


def test_a_backend_that_never_becomes_healthy_leaves_nothing_running(tmp_path, scripted_catalog):
    catalog, _ = scripted_catalog
    data = yaml.safe_load(catalog.read_text())
    broken = {**data["models"][0], "name": "broken", "port": free_port(), "adapters": []}
    broken["command"] = [*broken["command"], "--fail-start"]
    data["models"].append(broken)
    catalog.write_text(yaml.safe_dump(data))
    state = str(tmp_path / "state")
    try:
        result = invoke("up", "--catalog", str(catalog), "--no-cluster", "--state-dir", state, "--timeout", "3")
        rows = json.loads(invoke("status", "--state-dir", state, "--json").output)
    finally:
        invoke("down", "--state-dir", state)
    assert result.exit_code == 1 and "broken did not become healthy within 3 s" in result.output
    assert {r["name"]: r["status"] for r in rows} == {"fake-chat": "stopped", "broken": "stopped"}
