"""Model serving for the CLI and the Models page: plan, start, stop and inspect backends, build the gateway.

A thin layer over serve/: it reads the catalog and cluster files (or uploaded YAML text), sizes models on
GPU sets, keeps backends' state under `<data_dir>/serve` by default, and turns serving errors into
ValidationFailed with the same message.
"""

from __future__ import annotations

import contextlib
import io
import shlex
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from pydantic import ValidationError

from app.db.models import Role
from app.errors import ValidationFailed
from app.services import access
from app.services.identity import Account
from app.settings import PROJECT_ROOT, get_settings
from serve import launcher, systemd, telemetry
from serve.catalog import Catalog, ModelEntry, format_validation_error, load_catalog, parse_catalog
from serve.costs import batch_decode_tokens_per_s
from serve.errors import NotRunning, ServeError
from serve.gateway import ApiKey, GatewayConfig
from serve.gateway.discovery import config_for_state_dir, running_backends
from serve.hardware import BYTES_PER_PARAM, GB, GPU_TABLE, KV_DTYPE_BYTES, GpuModel, lookup_gpu
from serve.launcher import BackendState, LaunchSpec
from serve.placement import Cluster, PlacementPlan, load_cluster, parse_cluster, place
from serve.sizing import DEFAULT_EFFICIENCY, DEFAULT_OVERHEAD, FitReport, explain_no_fit, size_on_gpus, valid_tp_degrees

EXAMPLES = Path(__file__).resolve().parents[2] / "serve" / "examples"


@contextlib.contextmanager
def clear_errors() -> Iterator[None]:
    """Serving errors become ValidationFailed (the CLI and UI show their message, no stack trace)."""
    try:
        yield
    except ServeError as exc:
        raise ValidationFailed(str(exc)) from None


def default_state_dir() -> Path:
    return get_settings().data_dir / "serve"


@dataclass
class ServePlan:
    catalog: Catalog
    cluster: Cluster | None
    placement: PlacementPlan
    specs: list[LaunchSpec]


def make_plan(catalog_path: Path, cluster_path: Path | None, context: int | None = None) -> ServePlan:
    """Place the catalog's models on the cluster and build their launch specs (no cluster: scripted only)."""
    with clear_errors():
        catalog = load_catalog(catalog_path)
        cluster = load_cluster(cluster_path) if cluster_path else None
        return plan_for(catalog, cluster, context)


def plan_for(catalog: Catalog, cluster: Cluster | None, context: int | None = None) -> ServePlan:
    """The plan for an already-read catalog and cluster (the Models page reads them from paths or uploads)."""
    with clear_errors():
        if cluster is not None:
            placement = place(catalog, cluster, context=context)
        else:
            needs_gpu = [m.name for m in catalog.models if m.engine != "command" and not m.endpoint]
            placement = PlacementPlan(
                placements=[], unplaced={n: "no cluster inventory given (--cluster)" for n in needs_gpu}
            )
        return ServePlan(catalog, cluster, placement, launcher.build_specs(catalog, placement))


@access.guarded(requires=Role.admin)
def up(
    plan: ServePlan,
    state_dir: Path,
    only: list[str] | None = None,
    wait_s: float = 900,
    *,
    actor: Account | None,
) -> list[BackendState]:
    """Start the plan's backends (or only the named ones) and wait until each is healthy. Model servers
    are the lab's shared GPUs: an administrator (or the local operator, actor None) starts and stops them.

    If any backend fails to start or to become healthy, the ones this call started are stopped again,
    so nothing is left running by accident.
    """
    specs = [s for s in plan.specs if not only or s.name in only]
    if only and len(specs) != len(set(only)):
        missing = sorted(set(only) - {s.name for s in plan.specs})
        raise ValidationFailed(f"not in the plan: {', '.join(missing)}; known: {', '.join(s.name for s in plan.specs)}")
    if not specs:
        raise ValidationFailed("nothing to start: the plan has no launchable backend")
    launched: list[str] = []
    try:
        with clear_errors():
            for spec in specs:
                launcher.start(spec, state_dir)
                launched.append(spec.name)
            started = [launcher.wait_healthy(state_dir, spec.name, wait_s) for spec in specs]
    except ValidationFailed:
        for name in launched:  # all or nothing: a half-started plan is stopped again
            with contextlib.suppress(ServeError):
                launcher.stop(state_dir, name)
        raise
    return started


@access.guarded(requires=Role.admin)
def launch(plan: ServePlan, state_dir: Path, name: str, *, actor: Account | None) -> int:
    """Start one planned backend under a detached supervisor and return at once (its supervisor's pid).

    Loading a model can take minutes, so the Models page does not wait: it shows the status as it changes
    (starting, then healthy, or failed with the log). Port conflicts and missing engines are refused here.
    """
    spec = next((s for s in plan.specs if s.name == name), None)
    if spec is None:
        raise ValidationFailed(f"{name} is not in the plan; planned: {', '.join(s.name for s in plan.specs) or 'none'}")
    with clear_errors():
        return launcher.start(spec, state_dir)


@access.guarded(requires=Role.admin)
def down(state_dir: Path, names: list[str] | None = None, *, actor: Account | None) -> list[BackendState]:
    """Stop the named backends (default: all of them) gracefully (administrators, or the operator: None)."""
    with clear_errors():
        targets = names or [s.name for s in launcher.list_states(state_dir)]
        return [launcher.stop(state_dir, name) for name in targets]


NONE = "—"  # an empty table cell ("-" would render as a Markdown list bullet)


def status(state_dir: Path, probe: bool = True) -> list[dict[str, object]]:
    """Every backend started from STATE_DIR: supervisor status plus a live /health probe."""
    rows = []
    for state in launcher.list_states(state_dir):
        health = NONE
        if probe and state.status not in ("stopped", "failed", "dead"):
            try:
                code = httpx.get(f"{state.base_url}/health", timeout=2).status_code
                health = "ok" if code == 200 else f"HTTP {code}"
            except httpx.HTTPError as exc:
                health = f"unreachable ({type(exc).__name__})"
        rows.append(
            {
                "name": state.name,
                "status": state.status,
                "health": health,
                "url": state.base_url,
                "models": state.served_names,
                "restarts": state.restarts,
                "pid": state.child_pid,
                "message": state.message,
            }
        )
    return rows


def live_load(
    state_dir: Path, previous: dict[str, telemetry.BackendCounters]
) -> tuple[list[dict[str, object]], dict[str, telemetry.BackendCounters]]:
    """Each healthy backend's tokens/s since PREVIOUS (the readings the last call returned), queue and KV-cache
    use, from the engine's own /metrics; and this call's readings, to pass to the next call."""
    rows: list[dict[str, object]] = []
    readings: dict[str, telemetry.BackendCounters] = {}
    for state in launcher.list_states(state_dir):
        if state.status != "healthy":
            continue
        row: dict[str, object] = {"name": state.name, "engine": NONE, "generated tok/s": NONE, "prompt tok/s": NONE}
        row |= {"running": NONE, "waiting": NONE, "KV cache": NONE, "note": ""}
        try:
            text = httpx.get(f"{state.base_url}/metrics", timeout=2).text
        except httpx.HTTPError as exc:
            rows.append(row | {"note": f"metrics unreachable ({type(exc).__name__})"})
            continue
        counters = telemetry.parse_backend_metrics(text, time.monotonic())
        if counters is None:
            rows.append(row | {"note": "no vLLM or llama-server token counters at /metrics"})
            continue
        readings[state.name] = counters
        load = telemetry.backend_load(counters, previous.get(state.name))
        rows.append(
            row
            | {
                "engine": load.engine,
                "generated tok/s": _number(load.generated_per_s),
                "prompt tok/s": _number(load.prompt_per_s),
                "running": NONE if load.running is None else f"{load.running:.0f}",
                "waiting": NONE if load.waiting is None else f"{load.waiting:.0f}",
                "KV cache": NONE if load.kv_cache is None else f"{load.kv_cache:.0%}",
                "note": "" if load.generated_per_s is not None else "tokens/s from the next reading",
            }
        )
    return rows, readings


def gpu_rows() -> tuple[list[dict[str, object]], str | None]:
    """This host's GPUs as table rows (NVML), or none and why not."""
    readings, why = telemetry.read_gpus()
    rows: list[dict[str, object]] = [
        {
            "GPU": f"{g.index}: {g.name}",
            "utilization": f"{g.utilization_pct:.0f}%",
            "memory": f"{g.memory_used_gib:.1f} / {g.memory_total_gib:.1f} GiB",
            "temperature": f"{g.temperature_c:.0f} °C",
            "power": NONE if g.power_w is None else f"{g.power_w:.0f} W" + _limit(g.power_limit_w),
        }
        for g in readings
    ]
    return rows, why


def _number(value: float | None) -> str:
    return NONE if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _limit(watts: float | None) -> str:
    return "" if watts is None else f" of {watts:.0f} W"


def logs(state_dir: Path, name: str, lines: int = 50) -> list[str]:
    with clear_errors():
        return launcher.tail_log(state_dir, name, lines)


def gateway_config(state_dir: Path, catalog_path: Path | None, api_keys: list[ApiKey]) -> GatewayConfig:
    """The gateway `chemassist gateway` runs: the backends in STATE_DIR as they come and go, plus the catalog's
    endpoints and listed backends (other hosts, outside providers), its roles as aliases and its routing."""
    with clear_errors():
        catalog = load_catalog(catalog_path) if catalog_path else None
        config = config_for_state_dir(state_dir, catalog, api_keys)
        if not config.backends and not running_backends(state_dir):
            raise ValidationFailed(f"no running backend in {state_dir}; start some with `chemassist serve up` first")
    return config


def is_running(state_dir: Path, name: str) -> bool:
    try:
        return launcher.read_state(state_dir, name).status not in ("stopped", "failed", "dead")
    except NotRunning:
        return False


# -- reading catalogs and inventories for the Models page ----------------------------------------------------

MAX_YAML_BYTES = 1_000_000


def resolve_path(text: str | Path) -> Path:
    """A path typed by the user: relative paths are taken from the project root (where serve/examples is)."""
    path = Path(str(text).strip()).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _yaml_text(text: str | bytes, what: str) -> object:
    if len(text) > MAX_YAML_BYTES:
        raise ValidationFailed(f"{what} is larger than {MAX_YAML_BYTES // 1000} kB; is it the right file?")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{what} is not UTF-8 text; upload the YAML file itself") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed(f"{what} is not valid YAML{where}: {problem}") from None


def read_catalog(path: str | Path | None = None, text: str | bytes | None = None, name: str = "upload") -> Catalog:
    """The catalog from uploaded YAML TEXT, else from PATH (default: the example catalog); clear errors."""
    with clear_errors():
        if text is not None:
            return parse_catalog(_yaml_text(text, f"catalog {name}"), what=f"catalog {name}")
        if path is None or not str(path).strip():
            path = EXAMPLES / "catalog.yaml"
        return load_catalog(resolve_path(path))


def read_cluster(path: str | Path | None = None, text: str | bytes | None = None, name: str = "upload") -> Cluster:
    """The cluster inventory from uploaded YAML TEXT, else from PATH (default: the example cluster)."""
    with clear_errors():
        if text is not None:
            return parse_cluster(_yaml_text(text, f"cluster inventory {name}"), what=f"cluster inventory {name}")
        if path is None or not str(path).strip():
            path = EXAMPLES / "cluster.yaml"
        return load_cluster(resolve_path(path))


def catalog_rows(catalog: Catalog) -> list[dict[str, object]]:
    """One row per model for a table: role, size, quantization, context, engine, adapters, where it runs."""
    rows: list[dict[str, object]] = []
    for model in catalog.models:
        runs = model.endpoint or (f"port {model.port}" if model.port else "port assigned")
        if model.replicas > 1:
            runs += f", {model.replicas} replicas"
        rows.append(
            {
                "model": model.name,
                "role": model.role,
                "params": f"{model.params_b:g} B",
                "quantization": model.quantization.upper(),
                "context": f"{model.context_length:,}",
                "engine": model.engine,
                "LoRA adapters": ", ".join(f"{a.name} ({a.role})" for a in model.adapters) or "—",
                "endpoint": runs,
                "source": model.source,
            }
        )
    return rows


# -- sizing calculator ---------------------------------------------------------------------------------------

QUANTIZATIONS: list[str] = list(BYTES_PER_PARAM)
KV_DTYPES: list[str] = list(KV_DTYPE_BYTES)
GPU_NAMES: list[str] = [g.name for g in GPU_TABLE.values()]


def gpu(name: str) -> GpuModel:
    spec = lookup_gpu(name)
    if spec is None:
        raise ValidationFailed(f"unknown GPU {name!r}; known: {', '.join(GPU_NAMES)}")
    return spec


def _engine_for(quantization: str) -> str:
    return "llama-server" if quantization.lower().removeprefix("gguf_").startswith("q") else "vllm"


def model_for_sizing(
    base: ModelEntry | None = None,
    *,
    quantization: str | None = None,
    kv_cache_dtype: str | None = None,
    gpu_memory_utilization: float | None = None,
    name: str = "custom",
    params_b: float | None = None,
    layers: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
    attention_heads: int | None = None,
) -> ModelEntry:
    """A validated model entry to size: a catalog model with another quantization, or custom architecture numbers.

    Adapters are dropped (they do not change the sizing) so that any quantization can be tried on any engine.
    """
    data: dict[str, object] = base.model_dump(exclude={"adapters", "command", "endpoint"}) if base else {}
    data.update(
        {"name": data.get("name", name), "source": data.get("source", name), "role": data.get("role", "general")}
    )
    for key, value in {
        "params_b": params_b,
        "layers": layers,
        "kv_heads": kv_heads,
        "head_dim": head_dim,
        "attention_heads": attention_heads,
        "quantization": quantization,
        "kv_cache_dtype": kv_cache_dtype,
        "gpu_memory_utilization": gpu_memory_utilization,
    }.items():
        if value is not None:
            data[key] = value
    data["engine"] = _engine_for(str(data.get("quantization", "bf16")))
    data["port"] = None
    try:
        return ModelEntry.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(format_validation_error(exc, "the model to size")) from None


@dataclass
class Sizing:
    """The sizing calculator's answer for one model on COUNT x GPU at CONTEXT with CONCURRENT sequences."""

    model: ModelEntry
    gpu: GpuModel
    count: int
    context: int
    concurrent: int
    reports: list[FitReport]
    best: FitReport | None
    advice: str
    weights_gb: float
    kv_per_token_kib: float
    kv_per_sequence_gb: float
    overhead_gb: float
    total_gb: float
    available_gb: float
    batch_tokens_per_s: tuple[float, float] | None

    @property
    def fits(self) -> bool:
        return self.best is not None

    @property
    def holds_requested(self) -> bool:
        return self.best is not None and self.best.max_concurrent_sequences >= self.concurrent

    @property
    def replicas(self) -> int:
        """Independent instances the GPUs hold at the best TP degree (2 GPUs, TP=1: two pinned replicas)."""
        return self.count // self.best.tp if self.best else 0

    @property
    def context_at_requested(self) -> int:
        """Tokens per sequence the KV cache allows when CONCURRENT sequences share it (best TP degree)."""
        return self.best.max_tokens_in_cache // self.concurrent if self.best else 0

    def verdict(self) -> str:
        """One sentence: fits or not, at which TP degree, how many sequences; what would fit otherwise."""
        cards = f"{self.count} x {self.gpu.name}"
        if self.best is None:
            return self.advice or f"Does not fit on {cards}."
        best = self.best
        head = (
            f"Fits on {cards} at tensor-parallel degree {best.tp}: the KV cache holds "
            f"{best.max_concurrent_sequences} concurrent sequence(s) of {self.context} tokens"
        )
        if self.holds_requested:
            return head + f", enough for the {self.concurrent} asked for."
        return (
            head + f", fewer than the {self.concurrent} asked for; at {self.concurrent} concurrent sequences "
            f"each may hold about {self.context_at_requested} tokens."
        )


def size_model(
    model: ModelEntry,
    gpu_name: str,
    count: int,
    context: int,
    concurrent: int = 1,
    overhead: float = DEFAULT_OVERHEAD,
) -> Sizing:
    """Size MODEL on COUNT x GPU_NAME at every valid tensor-parallel degree; the smallest that fits is best."""
    if not 1 <= count <= 64:
        raise ValidationFailed("the number of GPUs must be between 1 and 64")
    if not 128 <= context <= 10_000_000:
        raise ValidationFailed("the context must be between 128 and 10,000,000 tokens")
    if not 1 <= concurrent <= 100_000:
        raise ValidationFailed("concurrent sequences must be between 1 and 100,000")
    card = gpu(gpu_name)
    gpus = [card] * count
    with clear_errors():
        reports = [size_on_gpus(model, gpus, tp=tp, context=context) for tp in valid_tp_degrees(model, count)]
    best = next((r for r in reports if r.fits), None)
    advice = "" if best else explain_no_fit(model, gpus, reports, context, overhead)
    ref = best or (reports[-1] if reports else None)
    weights = ref.weights_gb if ref else 0.0
    kv_seq = ref.kv_per_sequence_gb if ref else 0.0
    loaded = weights + kv_seq * concurrent
    tp = ref.tp if ref else count
    speeds = None
    if best is not None:
        batch = max(1, min(concurrent, best.max_concurrent_sequences))
        speeds = (
            batch_decode_tokens_per_s(model, gpus, best.tp, context, batch, DEFAULT_EFFICIENCY[0]),
            batch_decode_tokens_per_s(model, gpus, best.tp, context, batch, DEFAULT_EFFICIENCY[1]),
        )
    return Sizing(
        model=model,
        gpu=card,
        count=count,
        context=context,
        concurrent=concurrent,
        reports=reports,
        best=best,
        advice=advice,
        weights_gb=weights,
        kv_per_token_kib=ref.kv_per_token_kib if ref else 0.0,
        kv_per_sequence_gb=kv_seq,
        overhead_gb=loaded * overhead,
        total_gb=loaded * (1 + overhead),
        available_gb=tp * card.vram_bytes * model.gpu_memory_utilization / GB,
        batch_tokens_per_s=speeds,
    )


def sizing_rows(sizing: Sizing) -> list[dict[str, object]]:
    """One row per tensor-parallel degree tried, for a table."""
    return [
        {
            "TP": r.tp,
            "fits": "yes" if r.fits else "no",
            "weights / GPU (GB)": f"{r.weights_per_gpu_gb:.1f}",
            "usable / GPU (GB)": f"{r.usable_per_gpu_gb:.1f}",
            "KV / GPU (GB)": f"{r.kv_budget_per_gpu_gb:.1f}",
            "sequences": r.max_concurrent_sequences,
            "tokens in cache": f"{r.max_tokens_in_cache:,}",
            "decode tok/s (1 seq)": f"{r.decode_tokens_per_s[0]:.0f}-{r.decode_tokens_per_s[1]:.0f}",
        }
        for r in sizing.reports
    ]


# -- placement plan, command lines, systemd units ------------------------------------------------------------


def placement_rows(plan: ServePlan) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for p in plan.placement.placements:
        lo, hi = p.fit.decode_tokens_per_s
        rows.append(
            {
                "instance": p.instance_name,
                "host": p.host,
                "GPUs": ", ".join(p.fit.gpus),
                "CUDA_VISIBLE_DEVICES": p.cuda_visible_devices,
                "mode": f"tensor-parallel TP={p.tp}" if p.tp > 1 else "pinned single GPU",
                "link": ("NVLink" if p.nvlink else "PCIe") if p.tp > 1 else "—",
                "KV / GPU (GB)": f"{p.fit.kv_budget_per_gpu_gb:.1f}",
                "sequences": p.fit.max_concurrent_sequences,
                "decode tok/s": f"{lo:.0f}-{hi:.0f}",
            }
        )
    return rows


def command_line(spec: LaunchSpec) -> str:
    """The exact shell line that starts SPEC: environment assignments, then the quoted argv."""
    env = " ".join(f"{key}={shlex.quote(value)}" for key, value in sorted(spec.env.items()))
    return f"{env} {shlex.join(spec.argv)}" if env else shlex.join(spec.argv)


def systemd_units(plan: ServePlan, user: str | None = None) -> dict[str, str]:
    """Unit file name -> text, one per launch spec."""
    return {systemd.unit_name(spec): systemd.systemd_unit(spec, user=user) for spec in plan.specs}


def systemd_zip(plan: ServePlan, user: str | None = None) -> bytes:
    """All units in one zip, ready for /etc/systemd/system/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in systemd_units(plan, user=user).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def start_command(
    name: str, catalog: str = "serve/examples/catalog.yaml", cluster: str = "serve/examples/cluster.yaml"
) -> str:
    """The CLI line that starts one planned backend under a supervisor (and waits until it is healthy)."""
    return f"chemassist serve up {shlex.quote(name)} --catalog {shlex.quote(catalog)} --cluster {shlex.quote(cluster)}"
