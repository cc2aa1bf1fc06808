"""Routing policies as pure orderings: who goes first, who is tried last, and the numbers read from backends."""

from __future__ import annotations

from collections import Counter

import pytest

from serve.catalog import Routing, parse_catalog
from serve.errors import CatalogError, ServeError
from serve.gateway.config import BackendConfig, GatewayConfig, load_gateway_config
from serve.gateway.routing import (
    EXPLORE_EVERY,
    BackendStats,
    RoutePlan,
    parse_backend_metrics,
    retry_after_seconds,
    sticky_key,
)

MODEL = {"name": "m", "source": "org/m", "role": "general", "params_b": 7, "layers": 28, "kv_heads": 4, "head_dim": 128}


def plan(policy: str, *backends: BackendConfig, sticky: bool = False) -> RoutePlan:
    return RoutePlan(
        "m", Routing(policy=policy, sticky=sticky), list(backends), {b.name: BackendStats() for b in backends}
    )  # type: ignore[arg-type]


def b(name: str, **fields) -> BackendConfig:
    return BackendConfig(name=name, url=f"http://127.0.0.1:1/{name}", models=["m"], **fields)


def firsts(p: RoutePlan, n: int, **kwargs) -> list[str]:
    return [p.order(**kwargs)[0].name for _ in range(n)]


def test_round_robin_takes_turns_as_before():
    assert firsts(plan("round_robin", b("a"), b("b"), b("c")), 4) == ["a", "b", "c", "a"]


def test_weighted_interleaves_instead_of_bursting():
    assert firsts(plan("weighted", b("a", weight=3), b("b", weight=1)), 8) == ["a", "a", "b", "a"] * 2


def test_cost_orders_cheapest_first_a_lab_host_without_a_cost_free_and_a_provider_without_one_last():
    p = plan(
        "cost", b("unpriced", external=True), b("dear", cost_per_m_tokens=3), b("lab"), b("cheap", cost_per_m_tokens=1)
    )
    assert [x.name for x in p.order()] == ["lab", "cheap", "dear", "unpriced"]


def test_a_backend_cooling_down_is_tried_last_and_the_decision_says_why():
    p = plan("failover", b("a"), b("b"))
    p.stats["a"].cool_down(until=100.0, reason="rate_limited (429, retry after 30 s)")
    order = [x.name for x in p.order(now=90.0)]
    assert (order, p.last.reason) == (["b", "a"], "avoid_rate_limited")
    assert [x.name for x in p.order(now=101.0)] == ["a", "b"]


def test_latency_prefers_the_fast_backend_but_re_measures_the_slow_one_now_and_then():
    p = plan("latency", b("slow"), b("fast"))
    p.stats["slow"].observe(0.5, now=1.0)
    p.stats["fast"].observe(0.01, now=2.0)
    assert Counter(firsts(p, EXPLORE_EVERY)) == Counter(fast=EXPLORE_EVERY - 1, slow=1)


def test_load_counts_waiting_requests_double_and_a_full_kv_cache_heavily():
    p = plan("load", b("queued"), b("full"), b("busy"))
    p.stats["queued"].waiting = 3  # score 6
    p.stats["full"].kv_usage = 0.97  # score 8
    p.stats["busy"].running, p.stats["busy"].inflight = 3, 2  # score 5
    assert [x.name for x in p.order()] == ["busy", "queued", "full"]


def test_sticky_keys_move_only_off_a_removed_backend():
    names = ["r0", "r1", "r2", "r3"]
    full = plan("round_robin", *(b(n) for n in names), sticky=True)
    less = plan("round_robin", *(b(n) for n in names if n != "r2"), sticky=True)
    keys = [f"session:{i}" for i in range(200)]
    before = {k: full.order(sticky_key=k)[0].name for k in keys}
    after = {k: less.order(sticky_key=k)[0].name for k in keys}
    moved = {k for k in keys if before[k] != after[k]}
    assert moved == {k for k in keys if before[k] == "r2"} and 20 < len(moved) < 80


def test_sticky_key_prefers_the_session_header_then_user_then_the_first_messages():
    body = {"user": "ann", "messages": [{"role": "user", "content": "hi"}]}
    assert sticky_key([(b"x-chemassist-session", b"abc")], body) == "session:abc"
    assert sticky_key([], body) == "user:ann"
    turn1 = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q1"}]}
    turn2 = {"messages": [*turn1["messages"], {"role": "assistant", "content": "a"}, {"role": "user", "content": "q2"}]}
    assert sticky_key([], turn1) == sticky_key([], turn2) != sticky_key([], {"messages": [{"content": "other"}]})


VLLM = """# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="a"} 3.0
vllm:num_requests_running{model_name="b"} 1.0
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="a"} 5.0
# TYPE vllm:gpu_cache_usage_perc gauge
vllm:gpu_cache_usage_perc{model_name="a"} 0.82
"""
LLAMA = """# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing 2
# TYPE llamacpp:requests_deferred gauge
llamacpp:requests_deferred 4
# TYPE llamacpp:kv_cache_usage_ratio gauge
llamacpp:kv_cache_usage_ratio 0.5
"""


@pytest.mark.parametrize(("text", "expected"), [(VLLM, (4.0, 5.0, 0.82)), (LLAMA, (2.0, 4.0, 0.5))])
def test_backend_metrics_are_read_in_vllm_and_llama_server_names(text, expected):
    assert parse_backend_metrics(text) == expected


def test_retry_after_is_read_in_seconds_with_a_default_for_dates():
    assert retry_after_seconds([(b"retry-after", b"12")], 5.0) == 12.0
    assert retry_after_seconds([(b"retry-after", b"Wed, 21 Oct 2026 07:28:00 GMT")], 5.0) == 5.0
    assert retry_after_seconds([], 5.0) == 5.0


def test_the_catalog_gives_routing_by_model_its_adapters_and_roles():
    entry = {**MODEL, "routing": {"policy": "cost"}, "adapters": [{"name": "chem", "path": "/a", "role": "chemistry"}]}
    catalog = parse_catalog({"models": [entry], "roles": {"chemistry": {"policy": "load", "sticky": True}}})
    routing = catalog.routing()
    assert (routing["m"].policy, routing["chem"].policy, routing["chemistry"].sticky) == ("cost", "cost", True)


def test_an_external_backend_serves_only_the_base_name_unless_told():
    entry = {**MODEL, "adapters": [{"name": "chem", "path": "/a", "role": "chemistry"}]}
    entry["backends"] = [
        {"name": "lab-b", "url": "http://h:1"},
        {"name": "cloud", "url": "https://c", "external": True},
    ]
    model = parse_catalog({"models": [entry]}).models[0]
    assert [model.backend_serves(x) for x in model.backends] == [["m", "chem"], ["m"]]


def test_an_unknown_policy_is_a_clear_catalog_error():
    with pytest.raises(CatalogError, match="models.0.routing.policy"):
        parse_catalog({"models": [{**MODEL, "routing": {"policy": "fastest"}}]})


def test_a_backend_key_comes_from_its_environment_variable_and_a_missing_one_is_named(monkeypatch):
    monkeypatch.setenv("CHEMASSIST_TEST_PROVIDER_KEY", "sk-from-env")
    found = BackendConfig(name="c", url="https://c", models=["m"], api_key_env="CHEMASSIST_TEST_PROVIDER_KEY")
    assert found.api_key.get_secret_value() == "sk-from-env"
    monkeypatch.delenv("CHEMASSIST_TEST_PROVIDER_KEY")
    with pytest.raises(ValueError, match="CHEMASSIST_TEST_PROVIDER_KEY holding its key is not set"):
        GatewayConfig(
            backends=[{"name": "c", "url": "https://c", "models": ["m"], "api_key_env": "CHEMASSIST_TEST_PROVIDER_KEY"}]
        )


def test_a_provider_cost_can_come_from_the_price_presets_of_serve_costs():
    backend = {"name": "cloud", "url": "https://c", "external": True, "price_preset": "OpenAI GPT-4o mini"}
    model = parse_catalog({"models": [{**MODEL, "backends": [backend]}]}).models[0]
    assert model.backends[0].cost_per_m_tokens == pytest.approx(0.15 + 0.60)


def test_a_gateway_config_file_with_a_literal_backend_key_is_rejected(tmp_path):
    path = tmp_path / "gateway.yaml"
    path.write_text("backends:\n  - {name: cloud, url: 'https://c/v1', models: [m], api_key: sk-live-9}\n")
    with pytest.raises(ServeError, match="literal api_key") as caught:
        load_gateway_config(path)
    assert "sk-live-9" not in str(caught.value)


def test_routing_for_a_name_nothing_serves_is_a_clear_error():
    with pytest.raises(ValueError, match=r"routing is given for \['qwen-typo'\]"):
        GatewayConfig(backends=[b("a")], routing={"qwen-typo": Routing(policy="load")})
