"""The gateway in front of real scripted backends: routing, streaming, failover, keys, limits, metrics."""

from __future__ import annotations

import json

import httpx
import pytest
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from serve.gateway import ApiKey, BackendConfig, GatewayConfig, ServerThread, create_app

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "what is ethanol"}]}


def gateway(backends: list[tuple[str, str]], **extra) -> ServerThread:
    config = GatewayConfig(
        backends=[BackendConfig(name=name, url=url, models=["fake-chat"]) for name, url in backends],
        aliases={"chemistry": "fake-chat"},
        **extra,
    )
    return ServerThread(create_app(config))


@pytest.fixture
def two_backends(fake_backend):
    return [("a", fake_backend()[0]), ("b", fake_backend()[0])]


def test_a_chat_completion_passes_through(two_backends):
    with gateway(two_backends) as gw:
        reply = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT).json()
    assert reply["choices"][0]["message"]["content"] == "echo: what is ethanol"


def test_a_role_alias_reaches_the_model_that_serves_it(two_backends):
    with gateway(two_backends) as gw:
        reply = httpx.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "chemistry"}).json()
    assert reply["model"] == "fake-chat"


def test_streaming_arrives_as_sse_chunks_ending_with_done(two_backends):
    with (
        gateway(two_backends) as gw,
        httpx.stream("POST", f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True}) as resp,
    ):
        events = [line[6:] for line in resp.iter_lines() if line.startswith("data: ")]
    text = "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert (text, events[-1]) == ("echo: what is ethanol", "[DONE]")


def test_replicas_share_the_load(two_backends):
    with gateway(two_backends) as gw:
        used = {
            httpx.post(f"{gw.url}/v1/completions", json={"model": "fake-chat", "prompt": "x"}).headers[
                "x-chemassist-backend"
            ]
            for _ in range(4)
        }
    assert used == {"a", "b"}


def test_requests_fail_over_when_a_backend_dies(fake_backend):
    (url_a, proc_a), (url_b, _) = fake_backend(), fake_backend()
    with gateway([("a", url_a), ("b", url_b)]) as gw:
        proc_a.kill()
        proc_a.wait()
        codes = [httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT).status_code for _ in range(6)]
        metrics = httpx.get(f"{gw.url}/metrics").text
    assert codes == [200] * 6
    assert 'gateway_backend_errors_total{backend="a",kind="connect"}' in metrics


def test_a_hung_backend_times_out_and_the_other_answers(fake_backend):
    (url_a, _), (url_b, _) = fake_backend("--hang-after", "0"), fake_backend()
    with gateway([("a", url_a), ("b", url_b)], read_timeout_s=0.5) as gw:
        codes = [
            httpx.post(f"{gw.url}/v1/embeddings", json={"model": "fake-chat", "input": "x"}).status_code
            for _ in range(2)
        ]
        metrics = httpx.get(f"{gw.url}/metrics").text
    assert codes == [200, 200]
    assert 'gateway_backend_errors_total{backend="a",kind="timeout"} 1.0' in metrics


def test_when_every_backend_is_down_the_client_gets_a_clear_502():
    with gateway([("a", "http://127.0.0.1:9")]) as gw:
        resp = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert resp.status_code == 502 and "no backend for 'fake-chat' could answer" in resp.json()["error"]["message"]


def test_an_unknown_model_is_a_404_listing_what_is_served(two_backends):
    with gateway(two_backends) as gw:
        resp = httpx.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "gpt-9"})
    assert resp.status_code == 404 and "available: chemistry, fake-chat" in resp.json()["error"]["message"]


def test_malformed_json_is_a_400(two_backends):
    with gateway(two_backends) as gw:
        resp = httpx.post(f"{gw.url}/v1/chat/completions", content=b"{not json")
    assert resp.status_code == 400


def test_api_keys_are_required_and_rate_limited(two_backends):
    keys = [ApiKey(name="alice", key="sk-alice", rate_per_s=0.01, burst=2)]
    with gateway(two_backends, api_keys=keys) as gw:
        anonymous = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT).status_code
        auth = {"Authorization": "Bearer sk-alice"}
        codes = [httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=auth).status_code for _ in range(3)]
    assert (anonymous, codes) == (401, [200, 200, 429])


def test_models_lists_served_names_and_aliases(two_backends):
    with gateway(two_backends) as gw:
        ids = [m["id"] for m in httpx.get(f"{gw.url}/v1/models").json()["data"]]
    assert ids == ["fake-chat", "chemistry"]


def test_health_reports_a_dead_replica_while_its_model_stays_served(fake_backend):
    (url_a, proc_a), (url_b, _) = fake_backend(), fake_backend()
    with gateway([("a", url_a), ("b", url_b)]) as gw:
        proc_a.kill()
        proc_a.wait()
        health = httpx.get(f"{gw.url}/health").json()
    assert health["backends"] == {"a": "down", "b": "up"} and health["status"] == "ok"


def test_metrics_are_prometheus_text(two_backends):
    with gateway(two_backends) as gw:
        httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT)
        text = httpx.get(f"{gw.url}/metrics").text
    assert 'gateway_requests_total{model="fake-chat",route="chat/completions",status="200"} 1.0' in text


def test_chat_openai_talks_to_the_gateway_with_tools_and_streaming(two_backends):
    @tool
    def name_to_smiles(name: str) -> str:
        """Convert a chemical name to SMILES."""
        return "CCO"

    with gateway(two_backends) as gw:
        llm = ChatOpenAI(base_url=f"{gw.url}/v1", api_key="unused", model="chemistry", max_retries=0)
        streamed = "".join(str(chunk.content) for chunk in llm.stream("hello"))
        call = llm.bind_tools([name_to_smiles]).invoke("use name_to_smiles: ethanol").tool_calls[0]
    assert streamed == "echo: hello"
    assert (call["name"], call["args"]) == ("name_to_smiles", {"name": "ethanol"})
