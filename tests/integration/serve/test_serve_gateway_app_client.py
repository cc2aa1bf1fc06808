"""The app's chat turns through the real gateway: every model request carries the research session id, so
sticky routing keeps a conversation on one replica, and an answer written by an outside provider says so.

The app runs as chemists use it (chat.send on a real SQLite database, the agent graph, ChatOpenAI); the
gateway runs in a thread; the backends and the provider are scripted OpenAI-compatible server processes.
"""

from __future__ import annotations

import httpx
import pytest
import yaml

from app.services import accounts, chat, sessions
from app.settings import reset_settings_cache
from serve.catalog import Routing, load_catalog
from serve.gateway import BackendConfig, GatewayConfig, ServerThread, create_app
from serve.gateway.discovery import config_for_state_dir
from tests.fakes.launch import fake_openai_server

PROVIDER_KEY = "sk-provider-test"
QUESTION = "What is a polymer?"  # names no tool: one model call per turn


@pytest.fixture
def chemist(sqlite_db):
    chat.reset_graphs()
    yield accounts.create_user("carol", "correct horse battery")
    chat.reset_graphs()


def use_gateway(monkeypatch: pytest.MonkeyPatch, gateway: ServerThread) -> None:
    """Point the app's chat model at GATEWAY, as an admin does with CHEMASSIST_LLM_BASE_URL."""
    monkeypatch.setenv("CHEMASSIST_LLM_BASE_URL", f"{gateway.url}/v1")
    monkeypatch.setenv("CHEMASSIST_LLM_MODEL", "fake-chat")
    monkeypatch.setenv("CHEMASSIST_LLM_TIMEOUT_S", "10")
    reset_settings_cache()
    chat.reset_graphs()


def last_decision(gateway: ServerThread) -> dict[str, str]:
    return httpx.get(f"{gateway.url}/routing").json()["models"]["fake-chat"]["last_decision"]


def test_each_turn_carries_its_session_so_a_conversation_stays_on_one_replica(chemist, fake_backend, monkeypatch):
    replicas = [BackendConfig(name=f"r{i}", url=fake_backend()[0], models=["fake-chat"]) for i in range(3)]
    config = GatewayConfig(backends=replicas, routing={"fake-chat": Routing(sticky=True)})
    first = sessions.create_session(chemist, "Polymers")
    second = sessions.create_session(chemist, "Polymers again")
    with ServerThread(create_app(config)) as gw:
        use_gateway(monkeypatch, gw)
        decisions = {}
        for session in (first, second, first, second):
            turn = chat.send(chemist, session.id, QUESTION, role="general")
            assert turn.message.content.startswith("echo: "), turn.message.content  # the served model answered
            decisions.setdefault(session.id, []).append(last_decision(gw))
    for session_id, made in decisions.items():
        # Both sessions ask the same question, so only the session header tells them apart.
        assert [(d["reason"], d["detail"]) for d in made] == [
            ("sticky", f"conversation session:{session_id} hashes to it")
        ] * 2
        assert made[0]["backend"] == made[1]["backend"]


@pytest.fixture
def provider(tmp_path):
    """An outside provider stand-in that wants its key: (URL, its request log)."""
    log = tmp_path / "provider.log"
    args = ("--model", "provider-model", "--reply-prefix", "provider: ", "--require-key", PROVIDER_KEY)
    with fake_openai_server(*args, "--requests-log", str(log)) as url:
        yield url, log


def opted_in_catalog(tmp_path, local_url: str, provider_url: str):
    """fake-chat on a lab host, with an outside provider its routing explicitly allows as a fallback."""
    key_file = tmp_path / "provider.key"
    key_file.write_text(PROVIDER_KEY + "\n")
    cloud = {
        "name": "cloud",
        "url": provider_url + "/v1",
        "external": True,
        "upstream_model": "provider-model",
        "api_key_file": str(key_file),
    }
    model = {
        "name": "fake-chat",
        "source": "org/fake",
        "role": "general",
        "params_b": 7,
        "layers": 28,
        "kv_heads": 4,
        "head_dim": 128,
        "routing": {"policy": "failover", "allow_external": True},
        "backends": [{"name": "lab-a", "url": local_url}, cloud],
    }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [model]}))
    return load_catalog(path)


def test_an_answer_from_an_outside_provider_says_so_and_a_lab_answer_does_not(
    chemist, fake_backend, provider, tmp_path, monkeypatch
):
    provider_url, log = provider
    local_url, local = fake_backend()
    (tmp_path / "state").mkdir()
    config = config_for_state_dir(tmp_path / "state", opted_in_catalog(tmp_path, local_url, provider_url))
    session = sessions.create_session(chemist, "Ethanol")
    with ServerThread(create_app(config)) as gw:
        use_gateway(monkeypatch, gw)
        in_the_lab = chat.send(chemist, session.id, "What is ethanol?", role="general")
        local.kill()  # the lab host goes down: failover reaches the provider the routing allows
        local.wait()
        outside = chat.send(chemist, session.id, "And what is methanol?", role="general")
    assert "outside provider" not in in_the_lab.message.content
    assert in_the_lab.message.content == "echo: What is ethanol?"
    stored = sessions.list_messages(chemist, session.id)[-1].content
    assert stored == outside.message.content
    assert stored.startswith("*Answered by fake-chat (general) through the outside provider cloud.*\n\n")
    assert stored.endswith("provider: And what is methanol?")
    assert "POST /v1/chat/completions key=yes" in log.read_text()
