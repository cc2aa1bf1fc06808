"""The model catalog: which models the lab serves, for which role, and how to size and launch them.

Read from YAML (`load_catalog`), validated by pydantic; errors name the field and what is wrong.
Specialists are LoRA adapters on a shared base where possible; `resolve_role` answers
"which served model name do I ask for role chemistry?".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from serve.cloud_prices import CLOUD_PRESETS, cloud_usd_per_m_output
from serve.errors import CatalogError, UnknownRole
from serve.hardware import GGUF_TYPES, KV_DTYPE_BYTES, normalize_quantization

M = TypeVar("M", bound=BaseModel)

Role = Literal["general", "chemistry", "materials", "embeddings"]
ROLES: tuple[str, ...] = ("general", "chemistry", "materials", "embeddings")
Engine = Literal["vllm", "llama-server", "command"]
Policy = Literal["round_robin", "failover", "weighted", "cost", "latency", "load"]
POLICIES: tuple[str, ...] = ("round_robin", "failover", "weighted", "cost", "latency", "load")


class Routing(BaseModel):
    """How the gateway picks among the backends of one model or role (round-robin unless the catalog says).

    failover: the backends in catalog order, the next only when one is down; weighted: in proportion to each
    backend's `weight`; cost: the cheapest healthy backend (`cost_per_m_tokens` or `price_preset`; a lab host
    without one counts as free, an outside provider without one as the dearest); latency: the lowest recent
    latency the gateway measured; load: the fewest requests running and waiting by the backends' own
    /metrics (vLLM, llama-server). `sticky` keeps a conversation on one replica (its prefix cache) while it
    is up. Outside providers are used only with `allow_external: true`.
    """

    model_config = ConfigDict(extra="forbid")

    policy: Policy = "round_robin"
    sticky: bool = False
    allow_external: bool = Field(
        default=False, description="May requests for this model or role go to backends marked `external`?"
    )


class RemoteBackend(BaseModel):
    """A server the gateway routes to besides the replicas `chemassist serve up` launches: another lab host
    already running the model, or an outside provider's OpenAI-compatible API (`external: true`).

    A provider's key comes from a file or an environment variable, never from the catalog's text.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._\-]+$")
    url: str = Field(min_length=1, description="Base URL, e.g. https://api.example.com/v1.")
    external: bool = Field(default=False, description="Outside the lab: used only where routing allows it.")
    serves: list[str] | None = Field(
        default=None,
        description="Which of the model's served names it answers (default: all of them; an external one: the "
        "base name only).",
    )
    upstream_model: str | None = Field(default=None, description="The provider's name for the model, if it differs.")
    weight: float = Field(default=1.0, gt=0, le=1000, description="Share of traffic under the weighted policy.")
    cost_per_m_tokens: float | None = Field(
        default=None, ge=0, description="US$ per million output tokens with as many input tokens (cost policy)."
    )
    price_preset: str | None = Field(
        default=None, description="Or a provider's list prices from serve.cloud_prices.CLOUD_PRESETS, by name."
    )
    api_key_file: Path | None = Field(default=None, description="File holding the provider's key (chmod 600).")
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @model_validator(mode="before")
    @classmethod
    def _no_literal_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(k in data for k in ("api_key", "key", "token")):
            raise ValueError(
                "a literal API key does not belong in the catalog; put it in a file (api_key_file: /path, "
                "chmod 600) or an environment variable (api_key_env: NAME)"
            )
        return data

    @model_validator(mode="after")
    def _one_key_source(self) -> RemoteBackend:
        if self.api_key_file is not None and self.api_key_env is not None:
            raise ValueError("give api_key_file or api_key_env, not both")
        if self.price_preset is not None:
            if self.price_preset not in CLOUD_PRESETS:
                raise ValueError(f"unknown price_preset {self.price_preset!r}; known: {', '.join(CLOUD_PRESETS)}")
            if self.cost_per_m_tokens is None:
                self.cost_per_m_tokens = cloud_usd_per_m_output(CLOUD_PRESETS[self.price_preset], 1.0)
        return self


class Adapter(BaseModel):
    """A LoRA adapter served on top of its base model under its own name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._\-/]+$")
    path: str = Field(min_length=1, description="Directory or hub id of the adapter weights.")
    role: Role


class ModelEntry(BaseModel):
    """One model the lab serves: what it is, how big, and how to run it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._\-/]+$", description="Served model name.")
    source: str = Field(min_length=1, description="Hub id, local directory or .gguf file passed to the engine.")
    role: Role
    params_b: float = Field(gt=0, le=10_000, description="Parameters, billions.")
    layers: int = Field(gt=0, le=1000)
    kv_heads: int = Field(gt=0, le=1024, description="Key/value heads (GQA); equals attention heads without GQA.")
    head_dim: int = Field(gt=0, le=4096)
    attention_heads: int | None = Field(default=None, gt=0, le=1024)
    hidden_size: int | None = Field(default=None, gt=0)
    quantization: str = "bf16"
    kv_cache_dtype: str = "fp16"
    context_length: int = Field(default=8192, ge=128, le=10_000_000, description="Max tokens per sequence served.")
    engine: Engine = "vllm"
    command: list[str] | None = Field(default=None, description="Full argv when engine is 'command'.")
    adapters: list[Adapter] = Field(default_factory=list)
    endpoint: str | None = Field(default=None, description="Base URL of an already running server (not launched).")
    replicas: int = Field(default=1, ge=1, le=64)
    port: int | None = Field(default=None, ge=1, le=65535)
    gpu_memory_utilization: float = Field(default=0.90, gt=0.05, le=1.0)
    max_num_seqs: int | None = Field(default=None, ge=1)
    prefix_caching: bool = True
    routing: Routing | None = Field(default=None, description="How the gateway picks among its backends.")
    backends: list[RemoteBackend] = Field(
        default_factory=list, description="Servers besides the launched replicas: other lab hosts, providers."
    )

    @field_validator("quantization")
    @classmethod
    def _quant(cls, value: str) -> str:
        return normalize_quantization(value)

    @field_validator("kv_cache_dtype")
    @classmethod
    def _kv_dtype(cls, value: str) -> str:
        key = value.strip().lower()
        key = "fp16" if key == "auto" else key
        if key not in KV_DTYPE_BYTES:
            raise ValueError(f"unknown KV cache dtype {value!r}; known: {', '.join(sorted(KV_DTYPE_BYTES))}")
        return key

    @model_validator(mode="after")
    def _consistent(self) -> ModelEntry:
        if self.engine == "vllm" and self.quantization in GGUF_TYPES:
            raise ValueError(f"GGUF quantization {self.quantization.upper()} runs on engine 'llama-server', not vllm")
        if self.engine == "llama-server" and self.quantization not in GGUF_TYPES | {"fp16", "bf16", "fp32"}:
            raise ValueError(f"llama-server serves GGUF files; quantization {self.quantization} needs engine 'vllm'")
        if self.engine == "command" and not self.command:
            raise ValueError("engine 'command' needs a 'command' list (program and arguments)")
        if self.adapters and self.engine == "llama-server":
            raise ValueError("LoRA adapters are launched with vllm here; use engine 'vllm' for a model with adapters")
        if self.attention_heads is not None and self.attention_heads % self.kv_heads:
            raise ValueError(
                f"attention_heads ({self.attention_heads}) must be a multiple of kv_heads ({self.kv_heads})"
            )
        for backend in self.backends:
            unknown = sorted(set(backend.serves or []) - set(self.served_names))
            if unknown:
                raise ValueError(f"backend {backend.name!r} serves {unknown}, which this model does not name")
        return self

    def backend_serves(self, backend: RemoteBackend) -> list[str]:
        """The served names BACKEND answers: as listed, else all of them (an external provider: the base)."""
        if backend.serves is not None:
            return backend.serves
        return [self.name] if backend.external else self.served_names

    @property
    def served_names(self) -> list[str]:
        """Names a client may ask for: the base model, then each adapter."""
        return [self.name, *(a.name for a in self.adapters)]


class ServedModel(BaseModel):
    """What a client asks for to get a role: the served name, its base model and where it runs."""

    role: Role
    served_name: str
    base_model: str
    adapter: str | None = None
    endpoint: str | None = None


class Catalog(BaseModel):
    """The lab's models; names (base and adapter) are unique across the catalog."""

    model_config = ConfigDict(extra="forbid")

    models: list[ModelEntry] = Field(min_length=1)
    roles: dict[Role, Routing] = Field(
        default_factory=dict, description="Routing for requests that ask for a role (wins over the model's)."
    )

    @model_validator(mode="after")
    def _unique_names(self) -> Catalog:
        seen: set[str] = set()
        for model in self.models:
            for name in model.served_names:
                if name in seen:
                    raise ValueError(f"served name {name!r} appears twice; model and adapter names must be unique")
                seen.add(name)
        ports = [m.port for m in self.models if m.port is not None]
        if len(ports) != len(set(ports)):
            raise ValueError(f"two models ask for the same port ({sorted(ports)})")
        backends = [b.name for m in self.models for b in m.backends]
        if len(backends) != len(set(backends)):
            raise ValueError(f"backend names must be unique across the catalog ({sorted(backends)})")
        return self

    def routing(self) -> dict[str, Routing]:
        """Routing by served name or role, for the gateway: each model's (its adapters too), then the roles'."""
        out: dict[str, Routing] = {}
        for model in self.models:
            if model.routing is not None:
                out.update({name: model.routing for name in model.served_names})
        out.update({str(role): routing for role, routing in self.roles.items()})
        return out

    def get(self, name: str) -> ModelEntry:
        """The model entry by base name or adapter name."""
        for model in self.models:
            if name in model.served_names:
                return model
        known = ", ".join(n for m in self.models for n in m.served_names)
        raise CatalogError(f"no model named {name!r} in the catalog; known: {known}")

    def resolve_role(self, role: str, fallback_to_general: bool = True) -> ServedModel:
        """Which served model answers ROLE: an adapter with that role first, then a base model with it.

        A role nobody serves falls back to the 'general' model when `fallback_to_general` (the agent then
        still gets an answer); otherwise, or without a general model, raises UnknownRole.
        """
        if role not in ROLES:
            raise UnknownRole(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        for model in self.models:
            for adapter in model.adapters:
                if adapter.role == role:
                    return ServedModel(
                        role=role,
                        served_name=adapter.name,
                        base_model=model.name,
                        adapter=adapter.name,
                        endpoint=model.endpoint,
                    )
        for model in self.models:
            if model.role == role:
                return ServedModel(
                    role=role,
                    served_name=model.name,
                    base_model=model.name,
                    endpoint=model.endpoint,
                )
        if fallback_to_general and role not in ("general", "embeddings"):
            return self.resolve_role("general", fallback_to_general=False).model_copy(update={"role": role})
        raise UnknownRole(f"no model or adapter in the catalog serves role {role!r}; add one with 'role: {role}'")

    def role_map(self) -> dict[str, str]:
        """Role -> served name for every role the catalog can answer (with the general fallback)."""
        out: dict[str, str] = {}
        for role in ROLES:
            try:
                out[role] = self.resolve_role(role).served_name
            except UnknownRole:
                continue
        return out


def format_validation_error(exc: ValidationError, what: str) -> str:
    """One line per problem: 'models.1.kv_heads: Input should be greater than 0'."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"  {loc}: {msg}")
    return f"{what} is not valid:\n" + "\n".join(lines)


def read_yaml(path: Path | str, what: str, error: type[Exception]) -> Any:
    """Parse a YAML file, turning missing files and syntax errors into `error` with the line number."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} file {path} does not exist")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{what} file {path} is not valid YAML{where}: {problem}") from None


def validate_document(model: type[M], data: Any, what: str, error: type[Exception], list_key: str) -> M:
    """Validate parsed YAML/JSON as `model` (a mapping with a `list_key` list); `error` names each problem."""
    if not isinstance(data, dict):
        raise error(f"{what} must be a mapping with a '{list_key}' list, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(format_validation_error(exc, what)) from None


def parse_catalog(data: Any, what: str = "catalog") -> Catalog:
    """Validate already-parsed YAML/JSON data as a Catalog."""
    return validate_document(Catalog, data, what, CatalogError, "models")


def load_catalog(path: Path | str) -> Catalog:
    """Read and validate a catalog YAML file."""
    return parse_catalog(read_yaml(path, "catalog", CatalogError), what=f"catalog {path}")
