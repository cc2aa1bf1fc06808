"""Outside providers are catalog backends that are off by default: with the default routing no request leaves
the lab's hosts. A real loopback server stands in for the provider and records every connection it gets."""

from __future__ import annotations

import httpx
import pytest
import yaml

from serve.catalog import load_catalog
from serve.errors import CatalogError, ServeError
from serve.gateway import ServerThread, create_app
from serve.gateway.discovery import config_for_state_dir
from tests.fakes.launch import fake_openai_server

MODEL = {
    "name": "fake-chat",
    "source": "org/fake",
    "role": "general",
    "params_b": 7,
    "layers": 28,
    "kv_heads": 4,
    "head_dim": 128,
}
PROVIDER_KEY = "sk-provider-test"


@pytest.fixture
def provider(tmp_path):
    """(URL, its log of connections and requests, the log's length before the gateway started)."""
    log = tmp_path / "provider.log"
    args = ("--model", "provider-model", "--reply-prefix", "provider: ", "--require-key", PROVIDER_KEY)
    with fake_openai_server(*args, "--requests-log", str(log)) as url:
        yield url, log


def write_catalog(tmp_path, local_url: str, provider_url: str, **routing) -> object:
    key_file = tmp_path / "provider.key"
    key_file.write_text(PROVIDER_KEY + "\n")
    model = {
        **MODEL,
        "backends": [
            {"name": "lab-a", "url": local_url},
            {
                "name": "cloud",
                "url": provider_url + "/v1",
                "external": True,
                "upstream_model": "provider-model",
                "api_key_file": str(key_file),
                "cost_per_m_tokens": 0.6,
            },
        ],
    }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [model], **routing}))
    return load_catalog(path)


def gateway(tmp_path, catalog) -> ServerThread:
    (tmp_path / "state").mkdir(exist_ok=True)
    return ServerThread(create_app(config_for_state_dir(tmp_path / "state", catalog)))


def chat(url: str, model: str, stream: bool = False) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "what is ethanol"}], "stream": stream}
    return httpx.post(f"{url}/v1/chat/completions", json=body, timeout=10)


def test_with_the_default_catalog_an_external_backend_is_never_contacted(tmp_path, fake_backend, provider):
    provider_url, log = provider
    local_url, local = fake_backend()
    catalog = write_catalog(tmp_path, local_url, provider_url)
    before = log.read_text()  # the start-up check's connection
    with gateway(tmp_path, catalog) as gw:
        answered = [chat(gw.url, name, stream).status_code for name in ("fake-chat", "general") for stream in (0, 1)]
        local.kill()  # even with every lab backend down, nothing fails over to the provider
        local.wait()
        refused = [chat(gw.url, name).status_code for name in ("fake-chat", "general")]
        for path in ("/health", "/metrics", "/routing", "/v1/models"):
            httpx.get(gw.url + path)
    assert (answered, refused) == ([200] * 4, [502, 502])
    assert log.read_text() == before


def test_a_role_that_opts_in_may_use_the_provider_and_its_answers_say_so(tmp_path, fake_backend, provider):
    provider_url, log = provider
    local_url, local = fake_backend()
    roles = {"roles": {"general": {"policy": "failover", "allow_external": True}}}
    catalog = write_catalog(tmp_path, local_url, provider_url, **roles)
    with gateway(tmp_path, catalog) as gw:
        local.kill()
        local.wait()
        by_role = chat(gw.url, "general")
        by_name = chat(gw.url, "fake-chat")  # the model's own routing does not opt in
    assert by_role.headers["x-chemassist-external"] == "cloud"
    assert by_role.json()["choices"][0]["message"]["content"] == "provider: what is ethanol"
    assert by_name.status_code == 502
    assert "POST /v1/chat/completions key=yes" in log.read_text()


def test_a_literal_key_in_the_catalog_is_rejected_with_a_pointer_to_files_and_variables(tmp_path):
    path = tmp_path / "catalog.yaml"
    backend = {"name": "cloud", "url": "https://api.example.com/v1", "external": True, "api_key": "sk-live-123"}
    path.write_text(yaml.safe_dump({"models": [{**MODEL, "backends": [backend]}]}))
    with pytest.raises(CatalogError, match="api_key_file") as caught:
        load_catalog(path)
    assert "sk-live-123" not in str(caught.value)


def test_a_provider_key_file_that_is_missing_stops_the_gateway_with_its_path(tmp_path):
    backend = {"name": "cloud", "url": "https://api.example.com/v1", "external": True}
    backend["api_key_file"] = str(tmp_path / "missing.key")
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [{**MODEL, "backends": [backend]}]}))
    with pytest.raises(ServeError, match="backend 'cloud': cannot read its key file .*missing.key"):
        config_for_state_dir(tmp_path, load_catalog(path))
