"""The backends a gateway finds at run time: those `chemassist serve up` runs from a state directory."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from serve.catalog import Catalog, format_validation_error
from serve.errors import ServeError
from serve.gateway.config import ApiKey, BackendConfig, GatewayConfig
from serve.launcher import list_states

_SERVING = ("healthy", "restarting", "unhealthy")  # a restarting backend is routed to: failover covers the gap


def running_backends(state_dir: Path) -> list[BackendConfig]:
    """The backends whose supervisor in STATE_DIR says they serve (or are coming back); [] if none."""
    return [
        BackendConfig(name=s.name, url=s.base_url, models=s.served_names)
        for s in list_states(state_dir)
        if s.status in _SERVING and s.served_names
    ]


def config_for_state_dir(
    state_dir: Path, catalog: Catalog | None = None, api_keys: list[ApiKey] | None = None, **settings: object
) -> GatewayConfig:
    """A gateway for the backends in STATE_DIR, now and later, plus the CATALOG's running endpoints and listed
    backends (other hosts, outside providers), with its roles as aliases and its routing. Nothing needs to run
    yet."""
    models = catalog.models if catalog else []
    backends: list[dict[str, object]] = [
        {"name": m.name, "url": m.endpoint, "models": m.served_names} for m in models if m.endpoint
    ]
    backends += [  # validated below with the rest: a key file that cannot be read is a clear error, not a trace
        {**b.model_dump(exclude={"serves", "price_preset"}), "models": m.backend_serves(b)}
        for m in models
        for b in m.backends
    ]
    data = {
        "backends": backends,
        "state_dir": Path(state_dir).resolve(),
        "aliases": catalog.role_map() if catalog else {},
        "routing": catalog.routing() if catalog else {},
        "api_keys": api_keys or [],
        **settings,
    }
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        raise ServeError(format_validation_error(exc, "gateway settings")) from None
