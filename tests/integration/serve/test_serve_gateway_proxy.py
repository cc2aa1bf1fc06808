"""The gateway's forwarding path against real scripted backends: streams, backend errors, kept-alive connections."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

from serve.gateway import BackendConfig, GatewayConfig, ServerThread, create_app
from tests.fakes.launch import SERVER as FAKE_SERVER
from tests.helpers.network import wait_for_health

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "what is ethanol"}]}


def gateway(*urls: str, **extra) -> ServerThread:
    backends = [BackendConfig(name=f"b{i}", url=url, models=["fake-chat"]) for i, url in enumerate(urls)]
    return ServerThread(create_app(GatewayConfig(backends=backends, aliases={"chemistry": "fake-chat"}, **extra)))


def sse_text(resp: httpx.Response, field: str) -> str:
    events = [line[6:] for line in resp.iter_lines() if line.startswith("data: ") and line != "data: [DONE]"]
    choices = [json.loads(e)["choices"] for e in events]
    return "".join(c[0]["delta"].get("content", "") if field == "delta" else c[0]["text"] for c in choices if c)


def test_a_streamed_completion_passes_through(fake_backend):
    url, _ = fake_backend()
    body = {"model": "fake-chat", "prompt": "benzene ring", "stream": True}
    with gateway(url) as gw, httpx.stream("POST", f"{gw.url}/v1/completions", json=body) as resp:
        text = sse_text(resp, "text")
    assert (resp.headers["content-type"], text) == ("text/event-stream", "echo: benzene ring")


def test_a_streamed_chat_through_a_role_alias_names_the_served_model(fake_backend):
    url, _ = fake_backend()
    body = {**CHAT, "model": "chemistry", "stream": True}
    with gateway(url) as gw, httpx.stream("POST", f"{gw.url}/v1/chat/completions", json=body) as resp:
        first = next(line for line in resp.iter_lines() if line.startswith("data: "))
    assert json.loads(first[6:])["model"] == "fake-chat"


def test_a_backend_refusing_a_malformed_request_is_passed_on_not_retried(fake_backend):
    url, _ = fake_backend()
    with gateway(url, url) as gw:
        resp = httpx.post(f"{gw.url}/v1/chat/completions", json={"model": "fake-chat", "messages": []})
        metrics = httpx.get(f"{gw.url}/metrics").text
    assert (resp.status_code, resp.json()["error"]["message"]) == (400, "'messages' must be a non-empty list")
    assert "gateway_failovers_total{" not in metrics


def test_a_request_without_a_model_is_a_clear_400(fake_backend):
    url, _ = fake_backend()
    with gateway(url) as gw:
        resp = httpx.post(f"{gw.url}/v1/chat/completions", json={"messages": []})
    assert resp.status_code == 400 and "'model' string" in resp.json()["error"]["message"]


def test_a_get_on_a_post_route_is_a_405(fake_backend):
    url, _ = fake_backend()
    with gateway(url) as gw:
        resp = httpx.get(f"{gw.url}/v1/chat/completions")
    assert resp.status_code == 405


def test_sequential_requests_reuse_one_kept_alive_backend_connection(fake_backend):
    url, _ = fake_backend()
    app = create_app(GatewayConfig(backends=[BackendConfig(name="a", url=url, models=["fake-chat"])]))
    with ServerThread(app) as gw, httpx.Client() as client:
        for _ in range(5):
            with client.stream("POST", f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True}) as resp:
                resp.read()
            client.post(f"{gw.url}/v1/embeddings", json={"model": "fake-chat", "input": "x"})
        idle = len(app.gateway.upstreams["a"].idle)
    assert idle == 1


def test_64_concurrent_streams_all_arrive_whole(fake_backend):
    url, _ = fake_backend()

    async def one(client: httpx.AsyncClient, base: str, i: int) -> str:
        body = {**CHAT, "messages": [{"role": "user", "content": f"molecule {i}"}], "stream": True}
        async with client.stream("POST", f"{base}/v1/chat/completions", json=body) as resp:
            await resp.aread()
        return sse_text(resp, "delta")

    async def run(base: str) -> list[str]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64), timeout=30) as client:
            return await asyncio.gather(*(one(client, base, i) for i in range(64)))

    with gateway(url) as gw, ThreadPoolExecutor(1) as pool:  # a fresh thread: no event loop of another test
        texts = pool.submit(asyncio.run, run(gw.url)).result()
    assert texts == [f"echo: molecule {i}" for i in range(64)]


def test_a_backend_restarted_on_the_same_port_is_used_without_client_errors(fake_backend):
    url, proc = fake_backend()
    with gateway(url) as gw:
        before = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT).status_code
        proc.kill()
        proc.wait()
        port = url.rsplit(":", 1)[1]
        argv = [sys.executable, str(FAKE_SERVER), "--port", port, "--quiet"]
        with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as replacement:
            try:
                wait_for_health(url, process=replacement)
                # the gateway's kept-alive connection to the old process is dead; it must open a fresh one
                after = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT).status_code
            finally:
                replacement.kill()
    assert (before, after) == (200, 200)
