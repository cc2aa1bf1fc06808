"""Kubernetes manifests for the same plan `chemassist serve plan` makes and `serve systemd` runs per host.

One Deployment + Service per placed instance (GPU request = the plan's GPUs, node chosen by the plan's host,
the launcher's own vLLM / llama-server command line, health probes and restart budget from the launcher's
RestartPolicy), one per scripted ('command') model such as the CPU embedding server, the gateway as its own
Deployment + Service reading a ConfigMap that holds the catalog and the gateway config derived from it (its
routing, other lab hosts and outside providers too, their keys from a Secret), an optional
PersistentVolumeClaim for the weights, and a kustomization.yaml listing them all.

Written as plain dicts dumped to YAML: nothing maps our plan to Kubernetes objects, and vLLM's
production-stack Helm chart runs vLLM only, behind its own router (see the README for the comparison).
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from serve.catalog import Catalog, ModelEntry, RemoteBackend, format_validation_error
from serve.errors import DoesNotFit, ServeError
from serve.gateway.config import KEYS_ELSEWHERE, GatewayConfig
from serve.launcher import LaunchSpec, build_specs, spec_for
from serve.placement import Cluster, Placement, PlacementPlan

POD_BIND = "0.0.0.0"  # a pod answers its Service on the pod IP, not only on loopback as a host's backend does
CONFIG_DIR = "/etc/chemassist/config"  # beside, not above, the keys: a ConfigMap volume is read-only
KEYS_DIR = "/etc/chemassist/keys"
PROVIDER_KEYS_DIR = "/etc/chemassist/provider-keys"  # one file per catalog backend keyed by a file, named after it
GATEWAY_NAME = "chemassist-gateway"
CONFIG_MAP_NAME = "chemassist-serve-config"
PART_OF = "chemassist"
# Where each engine's program is inside its image: vLLM's image has `vllm` on PATH; llama.cpp's
# server images keep the binary at /app/llama-server (their ENTRYPOINT).
ENGINE_PROGRAM = {"vllm": "vllm", "llama-server": "/app/llama-server"}
_METRICS = {"vllm", "llama-server"}  # engines with a Prometheus /metrics (llama-server with --metrics)
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$")


class K8sOptions(BaseModel):
    """What the plan does not say: images, namespace, where weights live, how nodes are named."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(default="chemassist", pattern=_DNS_LABEL.pattern)
    vllm_image: str = Field(default="vllm/vllm-openai:v0.11.0", min_length=1)
    llama_image: str = Field(default="ghcr.io/ggml-org/llama.cpp:server-cuda", min_length=1)
    app_image: str = Field(
        default="chemassist:latest", min_length=1, description="An image with chemassist installed (gateway, CPU)."
    )
    node_label: str = Field(
        default="kubernetes.io/hostname",
        pattern=r"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
        description="Node label whose value is the inventory's host name.",
    )
    weights_dir: str = Field(
        default="/models",
        pattern=r"^/[^\s]*$",
        description="Folder of the weights: hostPath on each GPU node (or the PVC), mounted at the same path.",
    )
    weights_pvc: str | None = Field(default=None, pattern=_DNS_LABEL.pattern, description="Claim instead of hostPath.")
    weights_pvc_size: str | None = Field(default=None, pattern=_QUANTITY.pattern, description="Write the claim.")
    storage_class: str | None = Field(default=None, min_length=1)
    gateway_port: int = Field(default=8000, ge=1, le=65535)
    gateway_replicas: int = Field(default=1, ge=1, le=32)
    gateway_keys_secret: str | None = Field(default="chemassist-gateway-keys", pattern=_DNS_LABEL.pattern)
    provider_keys_secret: str = Field(
        default="chemassist-provider-keys",
        pattern=_DNS_LABEL.pattern,
        description="Secret holding the keys of the catalog's backends (outside providers), one entry per backend.",
    )


def options(**values: Any) -> K8sOptions:
    """K8sOptions from keyword values (None = default); ServeError naming each bad one."""
    try:
        return K8sOptions.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise ServeError(format_validation_error(exc, "the Kubernetes options")) from None


def resource_name(instance: str) -> str:
    """A DNS-1035 label (Service and Deployment name) for an instance: 'qwen2.5-7b' -> 'chemassist-qwen2-5-7b'."""
    base = "chemassist-" + re.sub(r"[^a-z0-9]+", "-", instance.lower()).strip("-")
    if len(base) > 63:  # keep it unique: a short hash of the full name replaces the tail
        digest = hashlib.sha256(instance.encode()).hexdigest()[:8]
        base = base[:54].rstrip("-") + "-" + digest
    return base


def require_fit(plan: PlacementPlan) -> None:
    """DoesNotFit, in the plan's own sentences, when a model (or replica) could not be placed."""
    if plan.unplaced:
        lines = [f"{name} was not placed: {why}" for name, why in plan.unplaced.items()]
        raise DoesNotFit(
            "the plan does not fit the cluster, so no manifests were written:\n  "
            + "\n  ".join(lines)
            + "\nRun `chemassist serve plan` to see the whole plan; add GPUs, quantize, or lower the context."
        )


# -- pieces -----------------------------------------------------------------------------------------------


def _labels(name: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
    }


def _scrape(port: int) -> dict[str, str]:
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}


def _gib(value: float) -> str:
    return f"{max(1, math.ceil(value))}Gi"


def _probes(spec: LaunchSpec) -> dict[str, Any]:
    """Startup allows the policy's load time; then readiness gates traffic and liveness restarts a hung engine."""
    policy = spec.policy
    http = {
        "httpGet": {"path": spec.health_path, "port": "http"},
        "timeoutSeconds": max(1, int(policy.health_timeout_s)),
    }
    return {
        "startupProbe": {
            **http,
            "periodSeconds": 10,
            "failureThreshold": max(1, math.ceil(policy.startup_timeout_s / 10)),
        },
        "readinessProbe": {**http, "periodSeconds": max(1, int(policy.health_interval_s)), "failureThreshold": 1},
        "livenessProbe": {**http, "periodSeconds": 10, "failureThreshold": policy.health_failures},
    }


def _weights_volume(opts: K8sOptions) -> dict[str, Any]:
    if opts.weights_pvc:
        return {"name": "weights", "persistentVolumeClaim": {"claimName": opts.weights_pvc}}
    return {"name": "weights", "hostPath": {"path": opts.weights_dir, "type": "Directory"}}


def _metadata(name: str, labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "labels": labels, **({"annotations": annotations} if annotations else {})}


def _service(name: str, labels: dict[str, str], port: int, annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, labels, annotations),
        "spec": {
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def _deployment(
    name: str,
    labels: dict[str, str],
    annotations: dict[str, str],
    pod: dict[str, Any],
    pod_annotations: dict[str, str],
    replicas: int = 1,
    recreate: bool = False,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}}
    if recreate:
        # A rolling update would start the new pod beside the old one, on GPUs the node does not have.
        spec["strategy"] = {"type": "Recreate"}
    spec["template"] = {"metadata": {"labels": labels, "annotations": pod_annotations}, "spec": pod}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, labels, annotations),
        "spec": spec,
    }


def model_manifests(
    model: ModelEntry, spec: LaunchSpec, placement: Placement | None, opts: K8sOptions
) -> list[dict[str, Any]]:
    """Deployment + Service running SPEC (already bound to POD_BIND): on the plan's node with its GPU count,
    or, for a scripted model, on CPU in the app image."""
    name = resource_name(spec.name)
    component = "embeddings" if model.role == "embeddings" else "model"
    labels = _labels(name, component)
    annotations = {
        "chemassist.io/instance": spec.name,
        "chemassist.io/served-models": ",".join(spec.served_names),
        "chemassist.io/engine": model.engine,
    }
    # The device plugin hands the pod its GPUs as devices 0..n-1: the host's indices mean nothing inside.
    env: list[dict[str, Any]] = [
        {"name": k, "value": v} for k, v in sorted(spec.env.items()) if k != "CUDA_VISIBLE_DEVICES"
    ]
    mounts = [{"name": "weights", "mountPath": opts.weights_dir}]
    volumes = [_weights_volume(opts)]
    pod: dict[str, Any] = {"terminationGracePeriodSeconds": int(spec.policy.stop_timeout_s)}
    if placement is not None:
        gpus = len(placement.gpu_indices)
        annotations |= {
            "chemassist.io/host": placement.host,
            "chemassist.io/gpu-indices": placement.cuda_visible_devices,
            "chemassist.io/tensor-parallel": str(placement.tp),
            "chemassist.io/plan": placement.explanation,
        }
        image = opts.vllm_image if model.engine == "vllm" else opts.llama_image
        command = [ENGINE_PROGRAM[model.engine], *spec.argv[1:]]
        if model.engine == "vllm":  # hub ids download once into the shared weights folder
            env.append({"name": "HF_HOME", "value": f"{opts.weights_dir.rstrip('/')}/huggingface"})
            token = {"secretKeyRef": {"name": "hf-token", "key": "token", "optional": True}}
            env.append({"name": "HF_TOKEN", "valueFrom": token})
        host_ram = _gib(placement.fit.weights_gb + 4)  # weights pass through host memory while loading
        resources = {
            "requests": {"nvidia.com/gpu": gpus, "cpu": str(2 * gpus), "memory": host_ram},
            "limits": {
                "nvidia.com/gpu": gpus,
                "cpu": str(8 * gpus),
                "memory": _gib(2 * (placement.fit.weights_gb + 4)),
            },
        }
        # vLLM's tensor-parallel workers exchange tensors through /dev/shm; the container default is 64 MiB.
        mounts.append({"name": "shm", "mountPath": "/dev/shm"})
        volumes.append({"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{2 * gpus}Gi"}})
        pod |= {
            "nodeSelector": {opts.node_label: placement.host},
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        }
    else:
        image = opts.app_image
        command = list(spec.argv)
        resources = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "4", "memory": "4Gi"}}
    pod_annotations = _scrape(spec.port) if model.engine in _METRICS else {"prometheus.io/scrape": "false"}
    container: dict[str, Any] = {
        "name": "engine" if placement is not None else "server",
        "image": image,
        "command": command,
        "ports": [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}],
        "env": env,
        "resources": resources,
        **_probes(spec),
        "volumeMounts": mounts,
    }
    pod |= {"containers": [container], "volumes": volumes}
    deployment = _deployment(name, labels, annotations, pod, pod_annotations, recreate=placement is not None)
    return [deployment, _service(name, labels, spec.port, annotations)]


def keyed_backends(catalog: Catalog) -> list[RemoteBackend]:
    """The catalog's backends that need a key (a file or a variable): the Secret holds one entry for each."""
    return [b for m in catalog.models for b in m.backends if b.api_key_file is not None or b.api_key_env]


def gateway_config_yaml(catalog: Catalog, services: list[tuple[str, str, list[str]]]) -> str:
    """The gateway config for the cluster: each instance's Service, the catalog's endpoints and listed backends
    (other lab hosts, outside providers), its roles as aliases and its routing. Checked by the gateway's own
    config model; a backend's key file becomes the file the provider-keys Secret mounts in the gateway's pod,
    and a key variable stays a variable (the Secret sets it)."""
    backends: list[dict[str, Any]] = [{"name": n, "url": u, "models": m} for n, u, m in services]
    backends += [{"name": m.name, "url": m.endpoint, "models": m.served_names} for m in catalog.models if m.endpoint]
    for model in catalog.models:
        for b in model.backends:
            entry = b.model_dump(exclude={"serves", "price_preset"}, exclude_none=True)
            if b.api_key_file is not None:
                entry["api_key_file"] = f"{PROVIDER_KEYS_DIR}/{b.name}"
            backends.append({**entry, "models": model.backend_serves(b)})
    served = {name for b in backends for name in b["models"]}
    data = {
        "backends": backends,
        "aliases": {a: t for a, t in catalog.role_map().items() if t in served},
        "routing": catalog.routing(),
    }
    try:
        config = GatewayConfig.model_validate(data, context={KEYS_ELSEWHERE: True})
    except ValidationError as exc:
        raise ServeError(format_validation_error(exc, "the gateway config for the cluster")) from None
    dump = config.model_dump(mode="json", include={"backends", "aliases", "routing"}, exclude_defaults=True)
    return yaml.safe_dump(dump, sort_keys=False)


def gateway_manifests(
    catalog_text: str, gateway_yaml: str, opts: K8sOptions, keyed: list[RemoteBackend] | None = None
) -> list[dict[str, Any]]:
    """ConfigMap (catalog + gateway config), and the gateway's Deployment + Service; the KEYED backends' keys
    come from the provider-keys Secret, as files or as environment variables, never from the ConfigMap."""
    labels = _labels(GATEWAY_NAME, "gateway")
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG_MAP_NAME, "labels": labels},
        "data": {"catalog.yaml": catalog_text, "gateway.yaml": gateway_yaml},
    }
    command = ["python", "-m", "serve.gateway", "--config", f"{CONFIG_DIR}/gateway.yaml"]
    command += ["--host", POD_BIND, "--port", str(opts.gateway_port), "--log-level", "info"]
    mounts = [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}]
    volumes: list[dict[str, Any]] = [{"name": "config", "configMap": {"name": CONFIG_MAP_NAME}}]
    if opts.gateway_keys_secret:
        command += ["--api-key-file", f"{KEYS_DIR}/keys"]
        mounts.append({"name": "keys", "mountPath": KEYS_DIR, "readOnly": True})
        volumes.append({"name": "keys", "secret": {"secretName": opts.gateway_keys_secret, "defaultMode": 0o400}})
    keyed = keyed or []
    files = [{"key": b.name, "path": b.name} for b in keyed if b.api_key_file is not None]
    if files:
        mounts.append({"name": "provider-keys", "mountPath": PROVIDER_KEYS_DIR, "readOnly": True})
        secret = {"secretName": opts.provider_keys_secret, "items": files, "defaultMode": 0o400}
        volumes.append({"name": "provider-keys", "secret": secret})
    env = [
        {"name": b.api_key_env, "valueFrom": {"secretKeyRef": {"name": opts.provider_keys_secret, "key": b.name}}}
        for b in keyed
        if b.api_key_env
    ]
    http: dict[str, Any] = {"timeoutSeconds": 5}
    container: dict[str, Any] = {
        "name": "gateway",
        "image": opts.app_image,
        "command": command,
        "ports": [{"name": "http", "containerPort": opts.gateway_port, "protocol": "TCP"}],
        **({"env": env} if env else {}),
        "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
        # /health answers 503 until a backend is up: it gates traffic, but must not restart the gateway.
        "readinessProbe": {**http, "httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 5},
        "livenessProbe": {**http, "tcpSocket": {"port": "http"}, "periodSeconds": 10, "failureThreshold": 3},
        "volumeMounts": mounts,
    }
    digest = hashlib.sha256((catalog_text + gateway_yaml).encode()).hexdigest()[:16]
    # A changed catalog changes this annotation, so `kubectl apply` rolls the gateway onto the new config.
    pod_annotations = {**_scrape(opts.gateway_port), "chemassist.io/config-sha256": digest}
    pod = {"terminationGracePeriodSeconds": 30, "containers": [container], "volumes": volumes}
    deployment = _deployment(GATEWAY_NAME, labels, {}, pod, pod_annotations, replicas=opts.gateway_replicas)
    return [config_map, deployment, _service(GATEWAY_NAME, labels, opts.gateway_port, {})]


# -- the whole set ----------------------------------------------------------------------------------------


class ManifestSet(BaseModel):
    """File name -> Kubernetes objects, the kustomization, and notes the admin should read."""

    files: dict[str, list[dict[str, Any]]]
    kustomization: dict[str, Any]
    notes: list[str] = Field(default_factory=list)

    def objects(self) -> list[dict[str, Any]]:
        return [obj for docs in self.files.values() for obj in docs]


def build_manifests(
    catalog: Catalog, catalog_text: str, cluster: Cluster, plan: PlacementPlan, opts: K8sOptions | None = None
) -> ManifestSet:
    """Every manifest for PLAN (which must place every model: see `require_fit`)."""
    opts = opts or K8sOptions()
    require_fit(plan)
    placements = {p.instance_name: p for p in plan.placements}
    files: dict[str, list[dict[str, Any]]] = {}
    services: list[tuple[str, str, list[str]]] = []
    names: dict[str, str] = {}
    for planned in build_specs(catalog, plan):  # the same names and ports as `serve up` and systemd
        placement = placements.get(planned.name)
        model = catalog.get(placement.model if placement else planned.name)
        spec = spec_for(model, planned.port, placement, host=POD_BIND)
        name = resource_name(spec.name)
        if name in names:
            raise ServeError(
                f"instances {names[name]!r} and {spec.name!r} both become the Kubernetes name {name!r}; "
                "rename one model in the catalog"
            )
        names[name] = spec.name
        files[f"{name}.yaml"] = model_manifests(model, spec, placement, opts)
        services.append((spec.name, f"http://{name}:{spec.port}", spec.served_names))
    if not services and not any(m.endpoint for m in catalog.models):
        raise ServeError("the plan has no backend to run in the cluster; add a model to the catalog")
    gateway = gateway_manifests(catalog_text, gateway_config_yaml(catalog, services), opts, keyed_backends(catalog))
    files["chemassist-serve-config.yaml"] = gateway[:1]
    files[f"{GATEWAY_NAME}.yaml"] = gateway[1:]
    if opts.weights_pvc and opts.weights_pvc_size:
        files[f"{opts.weights_pvc}.yaml"] = [_claim(opts)]
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": opts.namespace}}
    files = {"namespace.yaml": [namespace], **files}
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": opts.namespace,
        "resources": list(files),
    }
    return ManifestSet(files=files, kustomization=kustomization, notes=_notes(catalog, cluster, plan, opts))


def _claim(opts: K8sOptions) -> dict[str, Any]:
    spec: dict[str, Any] = {
        # Pods on several GPU nodes read the same weights; vLLM writes the hub cache under HF_HOME.
        "accessModes": ["ReadWriteMany"],
        "resources": {"requests": {"storage": opts.weights_pvc_size}},
    }
    if opts.storage_class:
        spec["storageClassName"] = opts.storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        # Not labelled part-of chemassist, so that `kubectl apply --prune -l app.kubernetes.io/part-of=chemassist`
        # never deletes the weights when a later run mounts the claim without writing it.
        "metadata": {"name": opts.weights_pvc},
        "spec": spec,
    }


def _notes(catalog: Catalog, cluster: Cluster, plan: PlacementPlan, opts: K8sOptions) -> list[str]:
    """What the manifests cannot guarantee by themselves, said plainly."""
    notes = []
    used = {p.host for p in plan.placements}
    for host in cluster.hosts:
        models = {g.spec.name for g in host.gpus}
        if host.name in used and len(models) > 1:
            notes.append(
                f"host {host.name} mixes {' and '.join(sorted(models))}: the NVIDIA device plugin gives a pod any "
                "free GPU of the node, not the card the plan chose; give each node one GPU model, or keep "
                "this host on systemd."
            )
    root = opts.weights_dir.rstrip("/") + "/"
    for model in catalog.models:
        if model.endpoint or model.engine == "command":
            continue
        for path in [model.source, *(a.path for a in model.adapters)]:
            if path.startswith("/") and not path.startswith(root):
                notes.append(f"{model.name}: {path} is outside {opts.weights_dir}, the only folder pods see.")
    for model in catalog.models:
        if model.engine == "command" and not model.endpoint and not any("{host}" in a for a in model.command or []):
            notes.append(f"{model.name}: its command has no {{host}}; in a pod it must listen on {POD_BIND}.")
    if opts.weights_pvc and not opts.weights_pvc_size:
        notes.append(f"the claim {opts.weights_pvc} must exist in namespace {opts.namespace} before you apply.")
    keyed = keyed_backends(catalog)
    if keyed:
        sources = [
            f"--from-file={b.name}={b.api_key_file}"
            if b.api_key_file is not None
            else f'--from-literal={b.name}="${b.api_key_env}"'
            for b in keyed
        ]
        notes.append(
            f"create the outside providers' keys first: kubectl -n {opts.namespace} create secret generic "
            f"{opts.provider_keys_secret} {' '.join(sources)}"
        )
    if opts.gateway_keys_secret:
        notes.append(
            f"create the gateway's keys first: kubectl -n {opts.namespace} create secret generic "
            f"{opts.gateway_keys_secret} --from-file=keys=gateway-keys.txt (NAME=KEY[:RATE] lines)."
        )
    return notes


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None  # the catalog reads as YAML inside the ConfigMap
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # shared dicts (labels, probes) are written out in full: readers of manifests expect that


_Dumper.add_representer(str, _str_presenter)


def dump(objects: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


def write_manifests(manifests: ManifestSet, folder: Path) -> list[Path]:
    """Write each file and kustomization.yaml into FOLDER (created). Files the folder's previous
    kustomization listed but this set no longer has (a model dropped from the catalog) are removed."""
    folder = Path(folder)
    texts = {name: dump(objects) for name, objects in manifests.files.items()}
    texts["kustomization.yaml"] = dump([manifests.kustomization])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in set(_listed(folder / "kustomization.yaml")) - set(texts):
            (folder / stale).unlink(missing_ok=True)
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ServeError(
            f"cannot write the manifests into {folder}: {exc.strerror or exc}; choose another --out"
        ) from None
    return [folder / name for name in texts]


def _listed(kustomization: Path) -> list[str]:
    """The plain file names a kustomization.yaml we wrote lists as resources ([] if none or not ours)."""
    try:
        data = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    if not isinstance(data, dict) or data.get("kind") != "Kustomization":
        return []
    return [r for r in data.get("resources") or [] if isinstance(r, str) and re.fullmatch(r"[a-z0-9.-]+\.yaml", r)]
