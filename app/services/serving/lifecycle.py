"""Model servers' lifecycle: plan the catalog on a cluster, start, stop and inspect the supervised backends,
and build the gateway's configuration from what runs. Backends' state lives under `<data_dir>/serve` by default."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.db.models import Role
from app.errors import ValidationFailed
from app.services import access
from app.services.identity import Account
from app.services.serving.errors import clear_errors
from app.settings import get_settings
from serve import launcher
from serve.catalog import Catalog, load_catalog
from serve.errors import NotRunning, ServeError
from serve.gateway import ApiKey, GatewayConfig
from serve.gateway.discovery import config_for_state_dir, running_backends
from serve.launcher import BackendState, LaunchSpec
from serve.placement import Cluster, PlacementPlan, load_cluster, place

NOT_RUNNING = ("stopped", "failed", "dead")


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


def status(state_dir: Path, probe: bool = True) -> list[dict[str, object]]:
    """Every backend started from STATE_DIR: supervisor status plus a live /health probe ("health" is None when
    the backend is not running or PROBE is off)."""
    rows: list[dict[str, object]] = []
    for state in launcher.list_states(state_dir):
        health: str | None = None
        if probe and state.status not in NOT_RUNNING:
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
        return launcher.read_state(state_dir, name).status not in NOT_RUNNING
    except NotRunning:
        return False
