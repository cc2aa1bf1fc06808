"""The app builds the gateway the way `chemassist gateway` does: the catalog's routing, its other lab hosts and
its outside providers (keys read from their files) come along, not only the running replicas."""

from __future__ import annotations

import pytest
import yaml

from app.errors import ValidationFailed
from app.services import serving
from serve.catalog import load_catalog
from serve.gateway.discovery import config_for_state_dir

MODEL = {
    "name": "fake-chat",
    "source": "org/fake",
    "role": "general",
    "params_b": 7,
    "layers": 28,
    "kv_heads": 4,
    "head_dim": 128,
    "adapters": [{"name": "chem-lora", "path": "/models/lora/chem", "role": "chemistry"}],
    "routing": {"policy": "load", "sticky": True},
}


@pytest.fixture
def routed_catalog(tmp_path):
    key_file = tmp_path / "provider.key"
    key_file.write_text("sk-provider-test\n")
    backends = [
        {"name": "lab-host-b", "url": "http://10.0.0.12:8001", "cost_per_m_tokens": 0.0},
        {
            "name": "cloud",
            "url": "https://api.example-provider.com/v1",
            "external": True,
            "serves": ["chem-lora"],
            "upstream_model": "provider-chemistry-model",
            "api_key_file": str(key_file),
        },
    ]
    roles = {"chemistry": {"policy": "cost", "allow_external": True}}
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [{**MODEL, "backends": backends}], "roles": roles}))
    return path


def test_the_apps_gateway_carries_the_catalogs_routing_and_backends(tmp_path, routed_catalog):
    state = tmp_path / "state"
    state.mkdir()
    config = serving.gateway_config(state, routed_catalog, api_keys=[])
    assert {name: r.policy for name, r in config.routing.items()} == {
        "fake-chat": "load",
        "chem-lora": "load",
        "chemistry": "cost",
    }
    cloud = next(b for b in config.backends if b.name == "cloud")
    assert (cloud.external, cloud.models, cloud.api_key.get_secret_value()) == (True, ["chem-lora"], "sk-provider-test")
    assert "lab-host-b" in {b.name for b in config.backends}
    # the same config the CLI's gateway gets from the same catalog
    same = config_for_state_dir(state, load_catalog(routed_catalog), [])
    assert config.model_dump() == same.model_dump()


def test_without_a_backend_anywhere_the_app_says_what_to_start(tmp_path):
    with pytest.raises(ValidationFailed, match="no running backend in .*chemassist serve up"):
        serving.gateway_config(tmp_path / "state", None, api_keys=[])


def test_a_provider_key_file_that_is_missing_is_a_clear_error(tmp_path, routed_catalog):
    (tmp_path / "provider.key").unlink()
    with pytest.raises(ValidationFailed, match="backend 'cloud': cannot read its key file"):
        serving.gateway_config(tmp_path / "state", routed_catalog, api_keys=[])
