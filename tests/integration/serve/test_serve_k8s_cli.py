"""`chemassist serve k8s` as an admin runs it: the manifests of the same plan `serve plan` prints, valid for the
Kubernetes API, refused when the plan does not fit, and a gateway pod command that really serves its ConfigMap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import kubernetes_validate
import yaml
from conftest import free_port

from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "serve" / "examples"


def chemassist(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "app.cli.main", "serve", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, cwd=ROOT)


def one_line(text: str) -> str:
    return " ".join(text.split())  # the terminal wraps long messages


def load_folder(folder: Path) -> dict[str, list[dict]]:
    return {p.name: list(yaml.safe_load_all(p.read_text())) for p in sorted(folder.glob("*.yaml"))}


def test_k8s_writes_valid_manifests_for_the_plan_serve_plan_prints(tmp_path):
    planned = json.loads(chemassist("plan", "--json").stdout)
    result = chemassist("k8s", "--out", str(tmp_path / "k8s"))
    assert result.returncode == 0, result.stderr
    files = load_folder(tmp_path / "k8s")
    kustomization = files.pop("kustomization.yaml")[0]
    assert sorted(kustomization["resources"]) == sorted(files)
    objects = [o for docs in files.values() for o in docs]
    for obj in objects:
        kubernetes_validate.validate(obj, "1.37", strict=True)
    deployments = {
        o["metadata"]["annotations"].get("chemassist.io/instance"): o
        for o in objects
        if o["kind"] == "Deployment" and "annotations" in o["metadata"]
    }
    for placement in planned["placements"]:
        instance = placement["model"] if placement["replica"] == 0 else f"{placement['model']}-r{placement['replica']}"
        pod = deployments[instance]["spec"]["template"]["spec"]
        assert pod["nodeSelector"]["kubernetes.io/hostname"] == placement["host"]
        assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == len(placement["gpu_indices"])
    assert f"kubectl apply -k {tmp_path / 'k8s'}" in one_line(result.stdout)


def test_a_plan_that_does_not_fit_fails_with_the_message_of_serve_plan(tmp_path):
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump({"hosts": [{"name": "lab-l4", "gpus": [{"index": 0, "model": "L4"}]}]}))
    planned = json.loads(chemassist("plan", "--cluster", str(cluster), "--json").stdout)
    assert planned["unplaced"]
    result = chemassist("k8s", "--cluster", str(cluster), "--out", str(tmp_path / "k8s"))
    assert result.returncode == 1
    for model, why in planned["unplaced"].items():
        assert f"{model} was not placed: {one_line(why)}" in one_line(result.stderr)
    assert "Traceback" not in result.stderr and not (tmp_path / "k8s").exists()


def test_bad_options_are_one_clear_line(tmp_path):
    result = chemassist("k8s", "--namespace", "Chem_Lab", "--out", str(tmp_path / "k8s"))
    assert result.returncode == 1 and "namespace: String should match pattern" in one_line(result.stderr)
    (tmp_path / "a-file").write_text("not a folder\n")
    result = chemassist("k8s", "--out", str(tmp_path / "a-file" / "k8s"))
    assert result.returncode == 1 and "cannot write the manifests into" in one_line(result.stderr)
    assert "Traceback" not in result.stderr


def test_the_gateway_pods_command_serves_the_catalogs_models_with_the_secrets_keys(tmp_path):
    assert chemassist("k8s", "--out", str(tmp_path / "k8s")).returncode == 0
    files = load_folder(tmp_path / "k8s")
    (config_map,) = files["chemassist-serve-config.yaml"]
    deployment = next(o for o in files["chemassist-gateway.yaml"] if o["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    # Lay out the pod's volumes as kubelet would: the ConfigMap's keys as files, the Secret's key file.
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    config_dir, keys_dir = tmp_path / "config", tmp_path / "keys"
    config_dir.mkdir()
    keys_dir.mkdir()
    for name, text in config_map["data"].items():
        (config_dir / name).write_text(text)
    (keys_dir / "keys").write_text("chemist=sk-lab-1\n")
    port = free_port()
    argv = [
        arg.replace(mounts["config"], str(config_dir)).replace(mounts["keys"], str(keys_dir))
        for arg in container["command"]
    ]
    argv[0] = sys.executable
    argv[argv.index("--port") + 1] = str(port)
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        answer = wait_until(
            lambda: httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer sk-lab-1"}, timeout=2),
            "the gateway's model list",
            timeout_s=60,
            process=proc,
            ignore=(httpx.HTTPError,),
        )
        served = {m["id"] for m in answer.json()["data"]}
        catalog = yaml.safe_load((EXAMPLES / "catalog.yaml").read_text())
        names = {m["name"] for m in catalog["models"]} | {
            a["name"] for m in catalog["models"] for a in m.get("adapters", [])
        }
        assert names <= served
        assert httpx.get(f"{url}/v1/models", timeout=2).status_code == 401  # the Secret's keys are enforced
    finally:
        proc.terminate()
        proc.wait(timeout=20)
