"""Place catalog models on a cluster inventory: separate pinned instances or tensor-parallel groups.

Rules: tensor parallelism only within a host (all-reduce every layer is too chatty for the network);
prefer the smallest TP degree that fits (fewer all-reduces, more GPUs left for replicas); among equal
choices prefer NVLink-connected, same-model GPU groups and the least spare memory (best fit), so large
cards stay free for large models. Every decision comes with plain sentences saying why.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from serve.catalog import Catalog, ModelEntry, read_yaml, validate_document
from serve.errors import ClusterError, DoesNotFit
from serve.hardware import GB, GpuModel, lookup_gpu
from serve.sizing import FitReport, explain_no_fit, size_on_gpus, valid_tp_degrees


class GpuEntry(BaseModel):
    """One GPU in a host; VRAM and bandwidth default to the GPU table's figures for its model."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0, le=63, description="CUDA device index on its host.")
    model: str
    vram_gib: float | None = Field(default=None, gt=0)
    bandwidth_gbs: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _known(self) -> GpuEntry:
        known = lookup_gpu(self.model)
        if known is None and (self.vram_gib is None or self.bandwidth_gbs is None):
            raise ValueError(f"GPU model {self.model!r} is not in the GPU table; give vram_gib and bandwidth_gbs")
        return self

    @property
    def spec(self) -> GpuModel:
        known = lookup_gpu(self.model)
        return GpuModel(
            name=known.name if known else self.model,
            vram_gib=self.vram_gib or (known.vram_gib if known else 1),
            bandwidth_gbs=self.bandwidth_gbs or (known.bandwidth_gbs if known else 1),
            source=known.source if known else "inventory",
        )


class Host(BaseModel):
    """A machine with GPUs; `nvlink` lists the linked index pairs, or 'all' for an NVSwitch box."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    address: str = "127.0.0.1"
    gpus: list[GpuEntry] = Field(min_length=1)
    nvlink: list[tuple[int, int]] | Literal["all"] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Host:
        indices = [g.index for g in self.gpus]
        if len(indices) != len(set(indices)):
            raise ValueError(f"host {self.name}: GPU indices repeat ({indices})")
        if self.nvlink != "all":
            for a, b in self.nvlink:
                if a not in indices or b not in indices:
                    raise ValueError(f"host {self.name}: nvlink pair ({a}, {b}) names a GPU the host does not list")
        return self

    def linked(self, a: int, b: int) -> bool:
        if self.nvlink == "all":
            return True
        return (a, b) in self.nvlink or (b, a) in self.nvlink


class Cluster(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hosts: list[Host] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Cluster:
        names = [h.name for h in self.hosts]
        if len(names) != len(set(names)):
            raise ValueError(f"host names repeat ({names})")
        return self


def parse_cluster(data: Any, what: str = "cluster inventory") -> Cluster:
    """Validate already-parsed YAML/JSON data as a cluster inventory."""
    return validate_document(Cluster, data, what, ClusterError, "hosts")


def load_cluster(path: Path | str) -> Cluster:
    """Read and validate a cluster inventory YAML file."""
    return parse_cluster(read_yaml(path, "cluster inventory", ClusterError), what=f"cluster inventory {path}")


class Placement(BaseModel):
    """One instance of one model on one host's GPUs."""

    model: str
    replica: int
    host: str
    address: str
    gpu_indices: list[int]
    tp: int
    nvlink: bool
    fit: FitReport
    explanation: str

    @property
    def cuda_visible_devices(self) -> str:
        return ",".join(str(i) for i in self.gpu_indices)

    @property
    def instance_name(self) -> str:
        return self.model if self.replica == 0 else f"{self.model}-r{self.replica}"


class PlacementPlan(BaseModel):
    placements: list[Placement]
    unplaced: dict[str, str] = Field(default_factory=dict, description="Model -> why it could not be placed.")
    external: list[str] = Field(default_factory=list, description="Models served elsewhere (endpoint given).")
    free_gpus: dict[str, list[int]] = Field(default_factory=dict)

    def explain(self) -> list[str]:
        lines = [p.explanation for p in self.placements]
        lines += [f"{name} is served by its endpoint and is not launched here." for name in self.external]
        lines += [f"{name} was not placed: {why}" for name, why in self.unplaced.items()]
        for host, free in self.free_gpus.items():
            if free:
                lines.append(f"Host {host} keeps GPU(s) {', '.join(map(str, free))} free.")
        return lines


def _group_score(host: Host, group: tuple[GpuEntry, ...], fit: FitReport) -> tuple[int, int, float]:
    all_linked = all(host.linked(a.index, b.index) for a, b in itertools.combinations(group, 2))
    same_model = len({g.spec.name for g in group}) == 1
    spare = sum(g.spec.vram_bytes for g in group) - fit.weights_gb * GB
    # Lower is better: NVLink first, then homogeneous cards, then least spare memory.
    return (0 if all_linked else 1, 0 if same_model else 1, spare)


def _explain(model: ModelEntry, host: Host, group: tuple[GpuEntry, ...], fit: FitReport, smaller: str) -> str:
    ids = ", ".join(str(g.index) for g in group)
    cards = " + ".join(g.spec.name for g in group)
    lo, hi = fit.decode_tokens_per_s
    tail = (
        f"KV cache {fit.kv_budget_per_gpu_gb:.1f} GB per GPU holds "
        f"{fit.max_concurrent_sequences} sequence(s) of "
        f"{fit.context} tokens; decode ~{lo:.0f}-{hi:.0f} tokens/s per sequence."
    )
    weights = f"{fit.weights_gb:.1f} GB of {model.quantization.upper()} weights"
    if fit.tp == 1:
        return (
            f"{model.name}: {weights} fit one {cards}, so it runs as its own instance on host {host.name} "
            f"pinned with CUDA_VISIBLE_DEVICES={ids} (no tensor-parallel traffic). {tail}"
        )
    link = (
        "linked by NVLink"
        if all(host.linked(a.index, b.index) for a, b in itertools.combinations(group, 2))
        else "over PCIe only (slower all-reduce; NVLink would help)"
    )
    return (
        f"{model.name}: {weights} {smaller}, so it runs tensor-parallel (TP={fit.tp}) on host {host.name} "
        f"GPUs {ids} ({cards}, {link}), CUDA_VISIBLE_DEVICES={ids}. {tail}"
    )


def place(catalog: Catalog, cluster: Cluster, context: int | None = None) -> PlacementPlan:
    """Place every launchable model replica, largest first; models with an `endpoint` are left external."""
    free: dict[str, list[GpuEntry]] = {h.name: list(h.gpus) for h in cluster.hosts}
    hosts = {h.name: h for h in cluster.hosts}
    placements: list[Placement] = []
    unplaced: dict[str, str] = {}
    external = [m.name for m in catalog.models if m.endpoint]
    launchable = [m for m in catalog.models if not m.endpoint]
    launchable.sort(key=lambda m: m.params_b, reverse=True)

    for model in launchable:
        if model.engine == "command":
            continue  # a scripted command has no GPU needs we can size
        for replica in range(model.replicas):
            choice = _choose(model, hosts, free, context)
            if isinstance(choice, str):
                key = model.name if replica == 0 else f"{model.name} (replica {replica + 1})"
                unplaced[key] = choice
                break
            host, group, fit, smaller = choice
            for gpu in group:
                free[host.name].remove(gpu)
            placements.append(
                Placement(
                    model=model.name,
                    replica=replica,
                    host=host.name,
                    address=host.address,
                    gpu_indices=[g.index for g in group],
                    tp=fit.tp,
                    nvlink=fit.tp > 1
                    and all(host.linked(a.index, b.index) for a, b in itertools.combinations(group, 2)),
                    fit=fit,
                    explanation=_explain(model, host, group, fit, smaller),
                )
            )
    return PlacementPlan(
        placements=placements,
        unplaced=unplaced,
        external=external,
        free_gpus={name: [g.index for g in gpus] for name, gpus in free.items()},
    )


def _choose(
    model: ModelEntry,
    hosts: dict[str, Host],
    free: dict[str, list[GpuEntry]],
    context: int | None,
) -> tuple[Host, tuple[GpuEntry, ...], FitReport, str] | str:
    max_free = max((len(g) for g in free.values()), default=0)
    if max_free == 0:
        return "no free GPU left in the cluster"
    single_fail = ""
    for tp in valid_tp_degrees(model, max_free):
        best: tuple[tuple[int, int, float], Host, tuple[GpuEntry, ...], FitReport] | None = None
        for host_name, gpus in free.items():
            host = hosts[host_name]
            for group in itertools.combinations(gpus, tp):
                fit = size_on_gpus(model, [g.spec for g in group], tp=tp, context=context)
                if tp == 1 and not fit.fits and not single_fail:
                    single_fail = f"do not fit one {group[0].spec.name} ({fit.reason})"
                if not fit.fits:
                    continue
                score = _group_score(host, group, fit)
                if best is None or score < best[0]:
                    best = (score, host, group, fit)
        if best is not None:
            return best[1], best[2], best[3], single_fail or "need more than one GPU"
    largest_host = max(free.values(), key=lambda gs: sum(g.spec.vram_bytes for g in gs))
    specs = sorted((g.spec for g in largest_host), key=lambda s: s.vram_bytes, reverse=True)
    reports = [size_on_gpus(model, specs, tp=tp, context=context) for tp in valid_tp_degrees(model, len(specs))]
    try:
        return explain_no_fit(model, specs, reports, context, 0.20)
    except DoesNotFit as exc:  # pragma: no cover - explain_no_fit does not raise, kept for safety
        return str(exc)
