"""Routing policies in front of real scripted backends on loopback: slow, saturated, 429-ing and dead ones."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest

from serve.catalog import Routing
from serve.gateway import BackendConfig, GatewayConfig, ServerThread, create_app
from tests.helpers.waiting import wait_until

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "what is ethanol"}]}


def gateway(backends: list[BackendConfig], policy: str = "round_robin", **extra) -> ServerThread:
    config = GatewayConfig(
        backends=backends,
        aliases={"chemistry": "fake-chat"},
        routing={"fake-chat": Routing(policy=policy)},  # type: ignore[arg-type]
        **extra,
    )
    return ServerThread(create_app(config))


def backend(name: str, url: str, **fields) -> BackendConfig:
    return BackendConfig(name=name, url=url, models=["fake-chat"], **fields)


def served_by(gw: ServerThread, n: int, payload: dict = CHAT) -> Counter[str]:
    replies = [httpx.post(f"{gw.url}/v1/chat/completions", json=payload, timeout=10) for _ in range(n)]
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies if r.status_code != 200]
    return Counter(r.headers["x-chemassist-backend"] for r in replies)


def busy_read(url: str, requests: int) -> dict | None:
    """The gateway's view of the first backend once its /metrics reading counts REQUESTS (running or waiting)."""
    first = httpx.get(f"{url}/routing").json()["models"]["fake-chat"]["backends"][0]
    return first if (first.get("running") or 0) + (first.get("waiting") or 0) >= requests else None


def post_count(log_path) -> int:
    return sum(line.startswith("POST ") for line in log_path.read_text().splitlines()) if log_path.exists() else 0


def test_failover_policy_sends_everything_to_the_first_until_it_is_down(fake_backend):
    (url_a, proc_a), (url_b, _) = fake_backend(), fake_backend()
    with gateway([backend("a", url_a), backend("b", url_b)], policy="failover") as gw:
        before = served_by(gw, 4)
        proc_a.kill()
        proc_a.wait()
        after = served_by(gw, 4)
        status = httpx.get(f"{gw.url}/routing").json()["models"]["fake-chat"]
    assert (before, after) == (Counter(a=4), Counter(b=4))
    assert status["backends"][0]["cooldown_reason"].startswith("down")


def test_weighted_policy_splits_in_proportion_to_the_weights(fake_backend):
    a, b = backend("a", fake_backend()[0], weight=3), backend("b", fake_backend()[0], weight=1)
    with gateway([a, b], policy="weighted") as gw:
        assert served_by(gw, 8) == Counter(a=6, b=2)


def test_cost_policy_picks_the_cheapest_healthy_backend(fake_backend):
    (url_cheap, proc_cheap), (url_mid, _), (url_dear, _) = fake_backend(), fake_backend(), fake_backend()
    backends = [
        backend("dear", url_dear, cost_per_m_tokens=2.0),
        backend("cheap", url_cheap, cost_per_m_tokens=0.1),
        backend("mid", url_mid, cost_per_m_tokens=0.5),
    ]
    with gateway(backends, policy="cost") as gw:
        first = served_by(gw, 3)
        proc_cheap.kill()
        proc_cheap.wait()
        then = served_by(gw, 3)
        metrics = httpx.get(f"{gw.url}/metrics").text
    assert (first, then) == (Counter(cheap=3), Counter(mid=3))
    assert 'gateway_route_decisions_total{backend="cheap",model="fake-chat",policy="cost",reason="cheapest"}' in metrics


def test_latency_policy_moves_traffic_off_a_slow_backend(fake_backend):
    slow, fast = backend("slow", fake_backend("--work-ms", "150")[0]), backend("fast", fake_backend()[0])
    with gateway([slow, fast], policy="latency") as gw:
        used = served_by(gw, 19)  # the 20th request would re-measure the slow one
        status = httpx.get(f"{gw.url}/routing").json()["models"]["fake-chat"]
    assert used["slow"] == 1 and used["fast"] == 18
    latency = {b["name"]: b["latency_ms"] for b in status["backends"]}
    assert latency["slow"] > 100 > latency["fast"]


@pytest.mark.parametrize("style", ["vllm", "llama"])
def test_load_policy_avoids_a_backend_whose_own_metrics_say_it_is_saturated(fake_backend, style):
    busy_url, _ = fake_backend("--max-running", "1", "--work-ms", "1500", "--metrics-style", style)
    idle_url, _ = fake_backend("--metrics-style", style)
    # Other clients fill the busy backend (one running, three waiting) behind the gateway's back.
    load = [
        threading.Thread(
            target=httpx.post, args=(f"{busy_url}/v1/chat/completions",), kwargs={"json": CHAT, "timeout": 30}
        )
        for _ in range(4)
    ]
    for thread in load:
        thread.start()
    try:
        with gateway([backend("busy", busy_url), backend("idle", idle_url)], "load", metrics_interval_s=0.1) as gw:
            busy = wait_until(lambda: busy_read(gw.url, len(load)), "the gateway's reading of the busy backend")
            used = served_by(gw, 6)
    finally:
        for thread in load:
            thread.join()
    assert used == Counter(idle=6)
    assert (busy["running"], busy["waiting"]) == (1, 3)


def test_a_429_moves_traffic_elsewhere_for_its_retry_after(fake_backend, tmp_path):
    log = tmp_path / "limited.log"
    limited = backend("limited", fake_backend("--status-429", "30", "--requests-log", str(log))[0])
    with gateway([limited, backend("ok", fake_backend()[0])]) as gw:  # the default round-robin
        used = served_by(gw, 6)
        status = httpx.get(f"{gw.url}/routing").json()["models"]["fake-chat"]["backends"][0]
    assert used == Counter(ok=6)
    assert post_count(log) == 1  # asked once, then left alone for 30 s
    assert status["cooldown_reason"] == "rate_limited (429, retry after 30 s)" and status["cooldown_s"] > 25


def test_a_429_from_the_only_backend_reaches_the_client_with_its_retry_after(fake_backend):
    with gateway([backend("limited", fake_backend("--status-429", "7")[0])]) as gw:
        resp = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert (resp.status_code, resp.headers["retry-after"]) == (429, "7")


def test_each_answer_says_which_policy_chose_its_backend(fake_backend):
    with gateway([backend("a", fake_backend()[0]), backend("b", fake_backend()[0])], policy="weighted") as gw:
        resp = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT)
        last = httpx.get(f"{gw.url}/routing").json()["models"]["fake-chat"]["last_decision"]
    assert resp.headers["x-chemassist-route"] == "weighted; weight"
    assert last == {"backend": resp.headers["x-chemassist-backend"], "reason": "weight", "detail": "weight 1 of 2"}


def test_requests_in_flight_are_counted_down_however_they_end(fake_backend):
    (url_a, proc_a), (url_b, _) = fake_backend("--token-interval-ms", "50"), fake_backend("--token-interval-ms", "50")
    with gateway([backend("a", url_a), backend("b", url_b)], policy="load") as gw:
        with httpx.stream("POST", f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True}) as resp:
            during = httpx.get(f"{gw.url}/routing").json()["models"]["fake-chat"]["backends"]
            resp.read()
        proc_a.kill()
        proc_a.wait()
        served_by(gw, 3)  # one of them fails over from the dead backend
        after = httpx.get(f"{gw.url}/routing").json()["models"]["fake-chat"]["backends"]
    assert sum(b["in_flight"] for b in during) == 1
    assert [b["in_flight"] for b in after] == [0, 0]
