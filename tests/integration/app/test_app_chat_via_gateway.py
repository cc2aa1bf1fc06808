"""The whole serving path: chat service -> ChatOpenAI -> chemassist gateway (role alias) -> model server process."""

import json

import pytest

from app.services import accounts, chat, sessions
from app.settings import reset_settings_cache
from serve.gateway import ServerThread, config_from_backends, create_app
from tests.fakes.launch import fake_openai_server


@pytest.fixture
def backend():
    with fake_openai_server("--model", "chem-lora") as url:
        yield url


def test_a_turn_through_the_gateway_uses_the_role_alias(sqlite_db, backend, monkeypatch):
    config = config_from_backends([("gpu0", backend, ["chem-lora"])], aliases={"chemistry": "chem-lora"})
    with ServerThread(create_app(config)) as gateway:
        monkeypatch.setenv("CHEMASSIST_LLM_BASE_URL", f"{gateway.url}/v1")
        monkeypatch.setenv("CHEMASSIST_LLM_ROLE_MODELS", json.dumps({"chemistry": "chemistry"}))
        reset_settings_cache()
        chat.reset_graphs()
        try:
            alice = accounts.create_user("alice", "correct horse battery")
            session = sessions.create_session(alice, "Via gateway")
            turn = chat.send(alice, session.id, "molecule_info aspirin", role="chemistry")
        finally:
            chat.reset_graphs()
    assert turn.model == "chemistry (chemistry)" and not turn.offline
    assert [c["name"] for c in turn.tool_calls] == ["molecule_info"]
    assert turn.tool_calls[0]["result"]["formula"] == "C9H8O4"
    assert turn.message.content.startswith("Tool result:")
