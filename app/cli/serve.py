"""`chemassist serve`: plan, start, watch and stop the lab's model servers, and run the gateway."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import typer
from rich.table import Table

from app.cli.common import console, friendly_errors, print_json
from app.errors import ValidationFailed
from app.services import serving
from app.ui.serving_tables import gpu_rows, load_rows, status_rows
from serve.catalog import ModelEntry, parse_catalog
from serve.errors import ServeError
from serve.gateway.config import api_keys_from_text, parse_api_key, read_api_key_file
from serve.hardware import GPU_TABLE, lookup_gpu
from serve.sizing import size_on_gpus, valid_tp_degrees

cli = typer.Typer(
    help="Model serving: size models on GPUs, place and launch vLLM / llama-server, run the gateway.",
    no_args_is_help=True,
)

CATALOG_OPT = typer.Option(
    serving.EXAMPLES / "catalog.yaml", "--catalog", help="Model catalog YAML (default: the example catalog)."
)
CLUSTER_OPT = typer.Option(
    serving.EXAMPLES / "cluster.yaml",
    "--cluster",
    help="Cluster inventory YAML (default: the example cluster).",
)
STATE_OPT = typer.Option(None, "--state-dir", help="Where state, specs and logs live (default: var/serve).")
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of text.")
NO_CLUSTER_OPT = typer.Option(
    False, "--no-cluster", help="Ignore the cluster: only scripted ('command') and external models."
)


def _state_dir(value: Path | None) -> Path:
    return value or serving.default_state_dir()


@cli.command()
@friendly_errors
def plan(
    catalog: Path = CATALOG_OPT,
    cluster: Path = CLUSTER_OPT,
    context: int = typer.Option(None, "--context", help="Size KV cache for this many tokens per sequence."),
    no_cluster: bool = NO_CLUSTER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Show where each model runs, why, its sizing and the exact command lines."""
    result = serving.make_plan(catalog, None if no_cluster else cluster, context)
    if as_json:
        print_json(
            {
                "placements": [p.model_dump() for p in result.placement.placements],
                "unplaced": result.placement.unplaced,
                "external": result.placement.external,
                "commands": [s.model_dump() for s in result.specs],
                "library_embeddings": _library_embeddings(result.catalog.models),
            }
        )
        return
    console.print(f"[bold]Plan[/] for {catalog} on {cluster}\n")
    for line in result.placement.explain():
        console.print(f"- {line}", highlight=False)
    console.print("\n[bold]Commands[/]")
    for spec in result.specs:
        env = " ".join(f"{k}={v}" for k, v in spec.env.items())
        console.print(
            f"{spec.name}: {env + ' ' if env else ''}{shlex.join(spec.argv)}", highlight=False, soft_wrap=True
        )
    console.print("\n[bold]Library embeddings[/]")
    for embedding in _library_embeddings(result.catalog.models):
        console.print(f"- {embedding['note']}", highlight=False, soft_wrap=True)


def _library_embeddings(models: list[ModelEntry]) -> list[dict[str, str | bool | None]]:
    """Which served model can embed the literature library: only the library's own model (its vectors are what
    the library stores; the library's start-up probe refuses any other)."""
    from tools.literature.embedding import MODEL_NAME as LIBRARY_MODEL  # the library package is slow to import

    rows: list[dict[str, str | bool | None]] = []
    for m in (m for m in models if m.role == "embeddings"):
        usable = LIBRARY_MODEL.casefold() in f"{m.name} {m.source}".casefold()
        note = (
            f"{m.name} serves the library's model: set CHEMASSIST_EMBEDDING_BASE_URL=<gateway>/v1 and "
            f"CHEMASSIST_EMBEDDING_MODEL={m.name} (or 'embeddings') to embed passages on the GPUs."
            if usable
            else f"{m.name} is not the library's model ({LIBRARY_MODEL}, 384-d): the library will not use it; "
            f"serve {LIBRARY_MODEL} too (vllm serve sentence-transformers/{LIBRARY_MODEL}, or "
            "python -m serve.embedding_server) to embed the library there."
        )
        rows.append({"model": m.name, "library_model": usable, "note": note})
    if not rows:
        note = f"No model has role 'embeddings': the library embeds with {LIBRARY_MODEL} on the app's CPU."
        rows.append({"model": None, "library_model": False, "note": note})
    return rows


@cli.command()
@friendly_errors
def size(
    model: str = typer.Argument(..., help="Model name from the catalog."),
    gpus: list[str] = typer.Option(
        ..., "--gpus", help="GPU model, repeatable or 'N x MODEL' (e.g. --gpus '2 x RTX 3090')."
    ),
    catalog: Path = CATALOG_OPT,
    quantization: str = typer.Option(None, "--quantization", "-q", help="Size at another quantization."),
    context: int = typer.Option(None, "--context", help="Tokens per sequence (default: the model's context)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Does MODEL fit these GPUs? At which tensor-parallel degree, with how many sequences, how fast."""
    plan_ = serving.make_plan(catalog, None)
    try:
        entry: ModelEntry = plan_.catalog.get(model)
        if quantization:
            data = {**entry.model_dump(), "quantization": quantization, "adapters": []}
            data["engine"] = "llama-server" if quantization.lower().startswith(("q", "gguf")) else "vllm"
            entry = parse_catalog({"models": [data]}, what=f"--quantization {quantization}").models[0]
    except ServeError as exc:
        raise ValidationFailed(str(exc)) from None
    cards = []
    for item in gpus:
        match = re.match(r"^\s*(\d+)\s*[x*]\s*(.+)$", item)
        count, name = (int(match[1]), match[2]) if match else (1, item)
        spec = lookup_gpu(name.strip())
        if spec is None:
            known = ", ".join(g.name for g in GPU_TABLE.values())
            raise ValidationFailed(f"unknown GPU {name.strip()!r}; known: {known}")
        cards += [spec] * count
    reports = [size_on_gpus(entry, cards, tp=tp, context=context) for tp in valid_tp_degrees(entry, len(cards))]
    if as_json:
        print_json([r.model_dump() for r in reports])
        return
    table = Table("TP", "fits", "weights/GPU GB", "KV/GPU GB", "sequences", "tokens in cache", "decode tok/s")
    for r in reports:
        lo, hi = r.decode_tokens_per_s
        table.add_row(
            str(r.tp),
            "yes" if r.fits else "no",
            f"{r.weights_per_gpu_gb:.1f}",
            f"{r.kv_budget_per_gpu_gb:.1f}",
            str(r.max_concurrent_sequences),
            str(r.max_tokens_in_cache),
            f"{lo:.0f}-{hi:.0f}",
        )
    console.print(table)
    best = next((r for r in reports if r.fits), reports[-1] if reports else None)
    if best:
        console.print(best.summary(), highlight=False)


@cli.command()
@friendly_errors
def up(
    only: list[str] = typer.Argument(None, help="Instance names to start (default: all in the plan)."),
    catalog: Path = CATALOG_OPT,
    cluster: Path = CLUSTER_OPT,
    no_cluster: bool = NO_CLUSTER_OPT,
    state_dir: Path = STATE_OPT,
    timeout: float = typer.Option(900, "--timeout", help="Seconds each backend may take to become healthy."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would start, start nothing."),
) -> None:
    """Start the planned backends under detached supervisors (restart on crash, logs under the state dir)."""
    result = serving.make_plan(catalog, None if no_cluster else cluster)
    if dry_run:
        for spec in result.specs:
            if not only or spec.name in only:
                console.print(f"{spec.name}: {shlex.join(spec.argv)}", highlight=False, soft_wrap=True)
        return
    for state in serving.up(result, _state_dir(state_dir), only=only, wait_s=timeout, actor=None):
        console.print(f"{state.name}: healthy at {state.base_url} serving {', '.join(state.served_names)}")


@cli.command()
@friendly_errors
def down(
    names: list[str] = typer.Argument(None, help="Instance names to stop (default: all)."),
    state_dir: Path = STATE_OPT,
) -> None:
    """Stop backends gracefully (SIGTERM, then SIGKILL after the grace period)."""
    stopped = serving.down(_state_dir(state_dir), names, actor=None)
    if not stopped:
        console.print("Nothing is running.")
    for state in stopped:
        console.print(f"{state.name}: {state.status}")


@cli.command()
@friendly_errors
def status(state_dir: Path = STATE_OPT, as_json: bool = JSON_OPT) -> None:
    """Show every backend's supervisor status and live health."""
    rows = serving.status(_state_dir(state_dir))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"No backends were started from {_state_dir(state_dir)}.")
        return
    columns = ("name", "status", "health", "url", "models", "restarts", "message")
    table = Table(*columns)
    for row in status_rows(rows):
        table.add_row(*(str(row[k]) for k in columns))
    console.print(table)


@cli.command()
@friendly_errors
def load(
    interval: float = typer.Option(2.0, "--interval", min=0.2, help="Seconds between the two readings."),
    state_dir: Path = STATE_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Tokens/s, queue and KV-cache use of each healthy backend (its /metrics), and this host's GPUs (NVML)."""
    folder = _state_dir(state_dir)
    _, first = serving.live_load(folder, {})
    time.sleep(interval)
    readings, _ = serving.live_load(folder, first)
    rows = load_rows(readings)
    cards, why = serving.gpus()
    gpus = gpu_rows(cards)
    if as_json:
        print_json({"backends": rows, "gpus": gpus, "gpus_unavailable": why})
        return
    _print_rows(rows, f"No healthy backend was started from {folder}.")
    _print_rows(gpus, f"GPUs: {why}")


def _print_rows(rows: list[dict[str, object]], when_empty: str) -> None:
    """Rows of one shape as a table (their keys as the header), or WHEN_EMPTY."""
    if not rows:
        console.print(when_empty)
        return
    table = Table(*rows[0].keys())
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@cli.command()
@friendly_errors
def logs(
    name: str = typer.Argument(..., help="Instance name."),
    lines: int = typer.Option(50, "--lines", "-n", min=1, help="How many lines from the end."),
    state_dir: Path = STATE_OPT,
) -> None:
    """Print the end of a backend's log (its output plus the supervisor's notes)."""
    for line in serving.logs(_state_dir(state_dir), name, lines):
        typer.echo(line)


@cli.command()
@friendly_errors
def systemd(
    out: Path = typer.Option(Path("systemd"), "--out", help="Folder for the .service files."),
    catalog: Path = CATALOG_OPT,
    cluster: Path = CLUSTER_OPT,
    user: str = typer.Option(None, "--user", help="User= for the units."),
) -> None:
    """Export the planned backends as systemd service units."""
    from serve.systemd import write_units

    for path in write_units(serving.make_plan(catalog, cluster).specs, out, user=user):
        console.print(f"wrote {path}")
    console.print("Install with: sudo cp <files> /etc/systemd/system/ && sudo systemctl daemon-reload")


@cli.command()
@friendly_errors
def k8s(
    out: Path = typer.Option(Path("k8s"), "--out", help="Folder for the manifests and kustomization.yaml."),
    catalog: Path = CATALOG_OPT,
    cluster: Path = CLUSTER_OPT,
    context: int = typer.Option(None, "--context", help="Size KV cache for this many tokens per sequence."),
    namespace: str = typer.Option(None, "--namespace", help="Namespace (default: chemassist)."),
    weights_dir: str = typer.Option(
        None, "--weights-dir", help="Weights folder on each GPU node, mounted at the same path (default: /models)."
    ),
    weights_pvc: str = typer.Option(None, "--weights-pvc", help="Mount this PersistentVolumeClaim instead."),
    weights_pvc_size: str = typer.Option(None, "--weights-pvc-size", help="Also write the claim, e.g. 500Gi."),
    storage_class: str = typer.Option(None, "--storage-class", help="storageClassName of the written claim."),
    node_label: str = typer.Option(
        None, "--node-label", help="Node label holding the inventory's host name (default: kubernetes.io/hostname)."
    ),
    vllm_image: str = typer.Option(None, "--vllm-image", help="Image for vLLM instances."),
    llama_image: str = typer.Option(None, "--llama-image", help="Image for llama-server instances."),
    app_image: str = typer.Option(None, "--app-image", help="Image with chemassist (gateway, scripted models)."),
    gateway_replicas: int = typer.Option(None, "--gateway-replicas", help="Gateway pods (default 1)."),
    keys_secret: str = typer.Option(
        None, "--keys-secret", help="Secret holding the gateway's API key file (default: chemassist-gateway-keys)."
    ),
    no_keys: bool = typer.Option(False, "--no-keys", help="Gateway without API keys (anyone in the cluster may call)."),
) -> None:
    """Export the same plan as Kubernetes manifests: a Deployment + Service per instance, the gateway, kustomize."""
    from rich.markup import escape

    from serve.k8s import build_manifests, options, write_manifests

    result = serving.make_plan(catalog, cluster, context)
    with serving.clear_errors():
        opts = options(
            namespace=namespace,
            weights_dir=weights_dir,
            weights_pvc=weights_pvc,
            weights_pvc_size=weights_pvc_size,
            storage_class=storage_class,
            node_label=node_label,
            vllm_image=vllm_image,
            llama_image=llama_image,
            app_image=app_image,
            gateway_replicas=gateway_replicas,
            gateway_keys_secret=keys_secret,
        )
        if no_keys:
            opts = opts.model_copy(update={"gateway_keys_secret": None})
        assert result.cluster is not None
        manifests = build_manifests(
            result.catalog, catalog.read_text(encoding="utf-8"), result.cluster, result.placement, opts
        )
        paths = write_manifests(manifests, out)
    for path in paths:
        console.print(f"wrote {path}", highlight=False)
    for note in manifests.notes:
        console.print(f"[yellow]Note:[/] {escape(note)}", highlight=False)
    console.print(f"Apply with: kubectl apply -k {out}", highlight=False)


@cli.command()
@friendly_errors
def gateway(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    catalog: Path = typer.Option(None, "--catalog", help="Catalog for role aliases and external endpoints."),
    state_dir: Path = STATE_OPT,
    api_key: list[str] = typer.Option(
        None,
        "--api-key",
        help="NAME=KEY[:RATE_PER_S], repeatable (shown by `ps`: prefer --api-key-file or "
        "CHEMASSIST_GATEWAY_API_KEYS). No key from any source = no authentication.",
    ),
    api_key_file: Path = typer.Option(
        None, "--api-key-file", help="File of NAME=KEY[:RATE_PER_S] lines, '#' comments (chmod 600 it)."
    ),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Processes sharing the port."),
) -> None:
    """Run the OpenAI-compatible gateway in front of the backends started from the state dir.

    It may start before them (/health answers 503 until one is up) and routes to backends as they come
    and go. Keys come from --api-key, --api-key-file and CHEMASSIST_GATEWAY_API_KEYS together.
    """
    import logging

    from app.settings import get_settings
    from serve.catalog import load_catalog
    from serve.gateway import LOG_FORMAT, run
    from serve.gateway.discovery import config_for_state_dir, running_backends

    # Request logs (key name, model, backend, status, latency; never prompts) go to stderr.
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)

    folder = _state_dir(state_dir)
    with serving.clear_errors():
        keys = [parse_api_key(item, f"--api-key number {i}") for i, item in enumerate(api_key or [], 1)]
        if api_key_file is not None:
            keys += read_api_key_file(api_key_file)
            if api_key_file.stat().st_mode & 0o077:
                console.print(f"[yellow]Warning:[/] {api_key_file} is readable by other users; chmod 600 it.")
        from_env = get_settings().gateway_api_keys
        if from_env is not None:
            keys += api_keys_from_text(from_env.get_secret_value(), "CHEMASSIST_GATEWAY_API_KEYS")
        config = config_for_state_dir(folder, load_catalog(catalog) if catalog else None, keys)
        running = [b.name for b in [*config.backends, *running_backends(folder)]]
    console.print(
        f"Gateway on http://{host}:{port}/v1 for {', '.join(running) or 'no backend yet'}; "
        f"backends started from {folder} later are added as they come.",
        highlight=False,
    )
    run(config, host, port, workers=workers, log_level="info")


@cli.command()
@friendly_errors
def alerts(
    out: Path = typer.Option(None, "--out", help="Write the rule file here (default: print it)."),
    gpu_temp_c: float = typer.Option(85, "--gpu-temp", help="Alert when a GPU stays above this, °C."),
    p95_latency_s: float = typer.Option(2.0, "--p95-latency", help="Alert when gateway p95 exceeds this, s."),
) -> None:
    """Export Prometheus alert rules: GPU too hot, backend down, gateway p95 too slow, backend errors."""
    from serve.alerts import alert_rules_yaml

    text = alert_rules_yaml(gpu_temp_c=gpu_temp_c, p95_latency_s=p95_latency_s)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out}")
