"""What the gateway serves: backends and the model names they answer, role aliases, API keys, timeouts."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator


class BackendConfig(BaseModel):
    """One OpenAI-compatible server and the model names it answers."""

    name: str
    url: str = Field(description="Base URL, e.g. http://127.0.0.1:8001 (a trailing /v1 is accepted).")
    models: list[str] = Field(min_length=1)
    api_key: SecretStr | None = None

    @property
    def root(self) -> str:
        return self.url.rstrip("/").removesuffix("/v1")


class ApiKey(BaseModel):
    name: str = Field(description="Who holds the key; appears in logs and metrics instead of the key.")
    key: SecretStr
    rate_per_s: float = Field(default=10.0, gt=0, description="Sustained requests per second.")
    burst: int = Field(default=20, ge=1, description="Requests allowed at once before the rate applies.")


class GatewayConfig(BaseModel):
    backends: list[BackendConfig] = Field(min_length=1)
    aliases: dict[str, str] = Field(default_factory=dict, description="Role or alias -> served model name.")
    api_keys: list[ApiKey] = Field(default_factory=list, description="Empty: no authentication (loopback use).")
    connect_timeout_s: float = Field(default=2.0, gt=0)
    read_timeout_s: float = Field(default=300.0, gt=0, description="Longest wait for the next byte of a reply.")
    log_prompts: bool = False

    @model_validator(mode="after")
    def _aliases_known(self) -> GatewayConfig:
        served = {m for b in self.backends for m in b.models}
        for alias, target in self.aliases.items():
            if target not in served:
                raise ValueError(f"alias {alias!r} points at {target!r}, which no backend serves")
        return self


def config_from_backends(
    backends: list[tuple[str, str, list[str]]],
    aliases: dict[str, str] | None = None,
    api_keys: list[ApiKey] | None = None,
) -> GatewayConfig:
    """A GatewayConfig from (name, base URL, served names) triples, e.g. the running backends' states."""
    return GatewayConfig(
        backends=[BackendConfig(name=n, url=u, models=m) for n, u, m in backends],
        aliases={a: t for a, t in (aliases or {}).items() if any(t in m for _, _, m in backends)},
        api_keys=api_keys or [],
    )


def load_gateway_config(path: str | Path) -> GatewayConfig:
    """Read a GatewayConfig from YAML or JSON (same fields as the model)."""
    from serve.catalog import format_validation_error, read_yaml
    from serve.errors import ServeError

    data = read_yaml(Path(path), "gateway config", ServeError)
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        raise ServeError(format_validation_error(exc, f"gateway config {path}")) from None
