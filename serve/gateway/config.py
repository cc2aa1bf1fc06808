"""What the gateway serves: backends and the model names they answer, role aliases, API keys, timeouts."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from serve.catalog import Routing
from serve.errors import ServeError

KEYS_ELSEWHERE = "keys_elsewhere"  # validation context: key files and variables exist where the gateway runs


class BackendConfig(BaseModel):
    """One OpenAI-compatible server and the model names it answers."""

    name: str
    url: str = Field(description="Base URL, e.g. http://127.0.0.1:8001 (a trailing /v1 is accepted).")
    models: list[str] = Field(min_length=1)
    api_key: SecretStr | None = None
    api_key_file: Path | None = Field(default=None, description="Read the backend's key from this file.")
    api_key_env: str | None = Field(default=None, description="... or from this environment variable.")
    external: bool = Field(default=False, description="An outside provider: used only where routing allows it.")
    upstream_model: str | None = Field(default=None, description="The name to send instead of the model asked.")
    weight: float = Field(default=1.0, gt=0)
    cost_per_m_tokens: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _read_key(self, info: ValidationInfo) -> BackendConfig:
        if (info.context or {}).get(KEYS_ELSEWHERE):  # written for a gateway elsewhere (a pod): not read here
            return self
        if self.api_key is None and (self.api_key_file is not None or self.api_key_env is not None):
            self.api_key = SecretStr(read_backend_key(self.name, self.api_key_file, self.api_key_env))
        return self

    @property
    def root(self) -> str:
        return self.url.rstrip("/").removesuffix("/v1")


def read_backend_key(backend: str, path: Path | None, env: str | None) -> str:
    """A backend's key from PATH (first non-blank line) or the environment variable ENV; ValueError naming the
    source, never the key. The catalog names where the key is; this is the one place that reads it."""
    if path is not None:
        try:
            lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"backend {backend!r}: cannot read its key file {path}: {exc}") from None
        key = next((line for line in lines if line and not line.startswith("#")), "")
        if not key:
            raise ValueError(f"backend {backend!r}: its key file {path} is empty")
        return key
    key = os.environ.get(env or "", "").strip()
    if not key:
        raise ValueError(f"backend {backend!r}: the environment variable {env} holding its key is not set")
    return key


class ApiKey(BaseModel):
    name: str = Field(description="Who holds the key; appears in logs and metrics instead of the key.")
    key: SecretStr
    rate_per_s: float = Field(default=10.0, gt=0, description="Sustained requests per second.")
    burst: int = Field(default=20, ge=1, description="Requests allowed at once before the rate applies.")

    @field_validator("key")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("the key is empty")
        return value


class GatewayConfig(BaseModel):
    backends: list[BackendConfig] = Field(default_factory=list, description="May be empty only with state_dir.")
    state_dir: Path | None = Field(
        default=None,
        description="Also route to the backends `chemassist serve up` runs from here, re-read every "
        "discover_interval_s: the gateway may start before them (503 until one is running).",
    )
    discover_interval_s: float = Field(default=2.0, gt=0)
    aliases: dict[str, str] = Field(default_factory=dict, description="Role or alias -> served model name.")
    api_keys: list[ApiKey] = Field(default_factory=list, description="Empty: no authentication (loopback use).")
    auth_free_failures: int = Field(
        default=5, ge=1, description="Wrong keys from one address answered 401 before it must wait (429)."
    )
    auth_max_delay_s: float = Field(
        default=60.0, gt=0, description="Longest wait imposed on an address after repeated wrong keys."
    )
    connect_timeout_s: float = Field(default=2.0, gt=0)
    read_timeout_s: float = Field(default=300.0, gt=0, description="Longest wait for the next byte of a reply.")
    log_prompts: bool = False
    routing: dict[str, Routing] = Field(
        default_factory=dict,
        description="Routing policy by served model name or alias (role); round-robin where none is given.",
    )
    metrics_interval_s: float = Field(
        default=1.0, gt=0, description="How often the load policy reads its backends' own /metrics."
    )
    retry_after_s: float = Field(
        default=5.0, gt=0, description="How long a backend is avoided after a 429 without Retry-After, or a failure."
    )

    @model_validator(mode="after")
    def _consistent(self) -> GatewayConfig:
        if not self.backends and self.state_dir is None:
            raise ValueError("no backends given (and no state_dir to find them in)")
        names = [k.name for k in self.api_keys]
        if len(set(names)) < len(names):
            raise ValueError(f"API key names must differ; repeated: {sorted({n for n in names if names.count(n) > 1})}")
        if len({k.key.get_secret_value() for k in self.api_keys}) < len(self.api_keys):
            raise ValueError("two API keys have the same secret")
        if self.state_dir is None:  # with a state_dir, the model an alias names may start later
            served = {m for b in self.backends for m in b.models}
            for alias, target in self.aliases.items():
                if target not in served:
                    raise ValueError(f"alias {alias!r} points at {target!r}, which no backend serves")
            unknown = sorted(set(self.routing) - served - set(self.aliases))
            if unknown:
                raise ValueError(f"routing is given for {unknown}, which no backend serves and no alias names")
        backend_names = [b.name for b in self.backends]
        if len(set(backend_names)) < len(backend_names):
            repeated = sorted({n for n in backend_names if backend_names.count(n) > 1})
            raise ValueError(f"backend names must differ; repeated: {repeated}")
        return self

    def routing_for(self, name: str) -> Routing:
        """The routing of a served name or alias (round-robin where the config names none)."""
        return self.routing.get(name) or _DEFAULT_ROUTING


_DEFAULT_ROUTING = Routing()


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

    data = read_yaml(Path(path), "gateway config", ServeError)
    _reject_literal_backend_keys(data, f"gateway config {path}")
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        raise ServeError(format_validation_error(exc, f"gateway config {path}")) from None


def _reject_literal_backend_keys(data: Any, what: str) -> None:
    """Keys for upstream providers come from files or environment variables, never from a config's text."""
    backends = data.get("backends") if isinstance(data, dict) else None
    for i, backend in enumerate(backends if isinstance(backends, list) else []):
        if isinstance(backend, dict) and backend.get("api_key") is not None:
            raise ServeError(
                f"{what}: backends.{i} ({backend.get('name', '?')}) holds a literal api_key; put the key in a "
                "file (api_key_file: /path, chmod 600) or an environment variable (api_key_env: NAME)"
            )


def parse_api_key(entry: str, where: str) -> ApiKey:
    """An ApiKey from 'NAME=KEY' or 'NAME=KEY:RATE_PER_S'; raises ServeError naming WHERE, never the key."""
    name, sep, rest = entry.strip().partition("=")
    key, _, rate = rest.partition(":")
    name, key, rate = name.strip(), key.strip(), rate.strip()
    if not sep or not name or not key:
        raise ServeError(f"{where} must look like NAME=KEY or NAME=KEY:RATE_PER_S")
    try:
        rate_per_s = float(rate) if rate else 10.0
    except ValueError:
        raise ServeError(f"{where} (key {name!r}): the rate must be a number of requests per second") from None
    try:
        return ApiKey(name=name, key=SecretStr(key), rate_per_s=rate_per_s)
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise ServeError(f"{where} (key {name!r}): {problems}") from None


def api_keys_from_text(text: str, where: str) -> list[ApiKey]:
    """Keys from NAME=KEY[:RATE] entries separated by commas or newlines (an environment variable's value)."""
    entries = [e for e in re.split(r"[,\n]", text) if e.strip()]
    return [parse_api_key(e, f"entry {i} of {where}") for i, e in enumerate(entries, 1)]


def read_api_key_file(path: str | Path) -> list[ApiKey]:
    """Keys from a file of NAME=KEY[:RATE] lines; blank lines and '#' comments are skipped."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ServeError(f"cannot read the API key file {path}: {exc}") from None
    keys = []
    for number, line in enumerate(lines, 1):
        entry = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
        if entry.strip():
            keys.append(parse_api_key(entry, f"line {number} of {path}"))
    return keys
