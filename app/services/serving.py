"""Model serving for the CLI and the Models page: plan, start, stop and inspect backends, build the gateway.

A thin layer over serve/: it reads the catalog and cluster files, keeps backends' state under
`<data_dir>/serve` by default, and turns serving errors into ValidationFailed with the same message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.errors import ValidationFailed
from app.settings import get_settings
from serve import launcher
from serve.catalog import Catalog, load_catalog
from serve.errors import NotRunning, ServeError
from serve.gateway import ApiKey, GatewayConfig, config_from_backends
from serve.launcher import BackendState, LaunchSpec
from serve.placement import Cluster, PlacementPlan, load_cluster, place

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
        if cluster is not None:
            placement = place(catalog, cluster, context=context)
        else:
            needs_gpu = [m.name for m in catalog.models if m.engine != "command" and not m.endpoint]
            placement = PlacementPlan(
                placements=[], unplaced={n: "no cluster inventory given (--cluster)" for n in needs_gpu}
            )
        return ServePlan(catalog, cluster, placement, launcher.build_specs(catalog, placement))


def up(plan: ServePlan, state_dir: Path, only: list[str] | None = None, wait_s: float = 900) -> list[BackendState]:
    """Start the plan's backends (or only the named ones) and wait until each is healthy.

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


def down(state_dir: Path, names: list[str] | None = None) -> list[BackendState]:
    """Stop the named backends (default: all of them) gracefully."""
    with clear_errors():
        targets = names or [s.name for s in launcher.list_states(state_dir)]
        return [launcher.stop(state_dir, name) for name in targets]


def status(state_dir: Path, probe: bool = True) -> list[dict[str, object]]:
    """Every backend started from STATE_DIR: supervisor status plus a live /health probe."""
    rows = []
    for state in launcher.list_states(state_dir):
        health = "-"
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


def logs(state_dir: Path, name: str, lines: int = 50) -> list[str]:
    with clear_errors():
        return launcher.tail_log(state_dir, name, lines)


def gateway_config(state_dir: Path, catalog_path: Path | None, api_keys: list[ApiKey]) -> GatewayConfig:
    """Gateway routes for the healthy backends in STATE_DIR, with the catalog's roles as aliases."""
    running = [s for s in launcher.list_states(state_dir) if s.status in ("healthy", "restarting", "unhealthy")]
    backends = [(s.name, s.base_url, s.served_names) for s in running if s.served_names]
    with clear_errors():
        catalog = load_catalog(catalog_path) if catalog_path else None
        for model in catalog.models if catalog else []:
            if model.endpoint:
                backends.append((model.name, model.endpoint, model.served_names))
    if not backends:
        raise ValidationFailed(f"no running backend in {state_dir}; start some with `chemassist serve up` first")
    return config_from_backends(backends, aliases=catalog.role_map() if catalog else {}, api_keys=api_keys)


def is_running(state_dir: Path, name: str) -> bool:
    try:
        return launcher.read_state(state_dir, name).status not in ("stopped", "failed", "dead")
    except NotRunning:
        return False
