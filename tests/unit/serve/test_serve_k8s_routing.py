"""The gateway in the cluster routes as the one on the lab's hosts does: the catalog's routing policies, its
other lab hosts and its outside providers, whose keys come from a Secret (as files or variables), never
from the ConfigMap. Validated against the Kubernetes API schemas and read by the gateway's own loader."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from serve import k8s
from serve.catalog import parse_catalog
from serve.errors import ServeError
from serve.gateway.config import KEYS_ELSEWHERE, GatewayConfig, load_gateway_config
from serve.placement import load_cluster, place

EXAMPLES = Path(__file__).resolve().parents[3] / "serve" / "examples"
ROUTING_CATALOG = EXAMPLES / "catalog-routing.yaml"
K8S_VERSIONS = ("1.29", "1.37")
# A second outside provider whose key the gateway reads from an environment variable.
ENV_KEYED = {
    "name": "cloud-general",
    "url": "https://api.other-provider.com/v1",
    "external": True,
    "api_key_env": "OTHER_PROVIDER_KEY",
    "cost_per_m_tokens": 0.9,
}


def routing_data() -> dict:
    data = yaml.safe_load(ROUTING_CATALOG.read_text())
    data["models"][0]["backends"].append(ENV_KEYED)
    return data


def build(data: dict | None = None) -> tuple[k8s.ManifestSet, object]:
    data = data or routing_data()
    catalog, cluster = parse_catalog(data), load_cluster(EXAMPLES / "cluster.yaml")
    return k8s.build_manifests(catalog, yaml.safe_dump(data), cluster, place(catalog, cluster)), catalog


def gateway_pod(manifests: k8s.ManifestSet) -> dict:
    (deployment,) = [
        o for o in manifests.objects() if o["metadata"]["name"] == k8s.GATEWAY_NAME and o["kind"] == "Deployment"
    ]
    return deployment["spec"]["template"]["spec"]


def gateway_yaml(manifests: k8s.ManifestSet) -> str:
    (config_map,) = [o for o in manifests.objects() if o["kind"] == "ConfigMap"]
    return config_map["data"]["gateway.yaml"]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifests_with_routing_and_provider_keys_validate_against_the_kubernetes_schemas(version):
    manifests, _ = build()
    for obj in manifests.objects():
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_gateway_config_carries_the_catalogs_routing_and_backends():
    manifests, catalog = build()
    config = GatewayConfig.model_validate(yaml.safe_load(gateway_yaml(manifests)), context={KEYS_ELSEWHERE: True})
    assert config.routing == catalog.routing()
    by_name = {b.name: b for b in config.backends}
    assert by_name["lab-host-b"].url == "http://10.0.0.12:8001" and not by_name["lab-host-b"].external
    cloud = by_name["cloud-fallback"]
    assert (cloud.external, cloud.models, cloud.upstream_model) == (True, ["chem-lora"], "provider-chemistry-model")
    assert cloud.api_key_file == Path(k8s.PROVIDER_KEYS_DIR) / "cloud-fallback"  # the Secret's file in the pod
    assert by_name["cloud-general"].api_key_env == "OTHER_PROVIDER_KEY"
    assert "/etc/chemassist/provider.key" not in gateway_yaml(manifests)  # the host's path means nothing there


def test_provider_keys_come_from_the_secret_as_a_file_and_as_a_variable():
    manifests, _ = build()
    pod = gateway_pod(manifests)
    (gateway,) = pod["containers"]
    secret = {v["name"]: v for v in pod["volumes"]}["provider-keys"]["secret"]
    assert secret["secretName"] == "chemassist-provider-keys"
    assert secret["items"] == [{"key": "cloud-fallback", "path": "cloud-fallback"}]
    assert {"name": "provider-keys", "mountPath": k8s.PROVIDER_KEYS_DIR, "readOnly": True} in gateway["volumeMounts"]
    assert gateway["env"] == [
        {
            "name": "OTHER_PROVIDER_KEY",
            "valueFrom": {"secretKeyRef": {"name": "chemassist-provider-keys", "key": "cloud-general"}},
        }
    ]
    notes = "\n".join(manifests.notes)
    assert (
        "create secret generic chemassist-provider-keys --from-file=cloud-fallback=/etc/chemassist/provider.key "
        '--from-literal=cloud-general="$OTHER_PROVIDER_KEY"' in notes
    )


def test_the_gateway_in_the_pod_reads_the_keys_the_secret_provides(tmp_path, monkeypatch):
    # Where the Secret is mounted in the pod, here a folder: the gateway's own loader must find both keys.
    monkeypatch.setattr(k8s, "PROVIDER_KEYS_DIR", str(tmp_path / "provider-keys"))
    (tmp_path / "provider-keys").mkdir()
    (tmp_path / "provider-keys" / "cloud-fallback").write_text("sk-from-the-secret-file\n")
    monkeypatch.setenv("OTHER_PROVIDER_KEY", "sk-from-the-secret-variable")
    manifests, _ = build()
    (tmp_path / "gateway.yaml").write_text(gateway_yaml(manifests))
    config = load_gateway_config(tmp_path / "gateway.yaml")
    keys = {b.name: b.api_key.get_secret_value() for b in config.backends if b.api_key is not None}
    assert keys == {"cloud-fallback": "sk-from-the-secret-file", "cloud-general": "sk-from-the-secret-variable"}


def test_a_catalog_without_keyed_backends_mounts_no_provider_secret():
    data = routing_data()
    data["models"][0]["backends"] = [b for b in data["models"][0]["backends"] if b["name"] == "lab-host-b"]
    data.pop("roles")  # the chemistry role's routing stays valid: it still maps to chem-lora
    manifests, _ = build(data)
    pod = gateway_pod(manifests)
    assert "provider-keys" not in {v["name"] for v in pod["volumes"]}
    assert "env" not in pod["containers"][0]
    assert not any("provider" in note for note in manifests.notes)


def test_routing_for_a_name_nothing_serves_is_refused_with_the_name():
    catalog = parse_catalog(routing_data())
    # only the chat model's Service: the catalog's routing for bge-m3 then names a model no backend serves
    services = [("qwen", "http://chemassist-qwen:8001", catalog.models[0].served_names)]
    with pytest.raises(ServeError, match=r"routing is given for \['bge-m3'\]"):
        k8s.gateway_config_yaml(catalog, services)
