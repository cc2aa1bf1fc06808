"""The whole serving path: chat service -> ChatOpenAI -> chemassist gateway (role alias) -> model server process."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.services import accounts, chat, sessions
from app.settings import reset_settings_cache
from serve.gateway import ServerThread, config_from_backends, create_app

FAKE = Path(__file__).resolve().parents[2] / "fakes" / "fake_openai_server.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def backend():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(FAKE), "--port", str(port), "--model", "chem-lora", "--quiet"], stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/health", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
