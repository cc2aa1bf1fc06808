"""The sizing calculator of the Models and Compute planner pages: a model from the catalog or custom numbers,
sized on a GPU set by serve/sizing (the only home of the arithmetic), with a verdict a chemist can read."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from app.errors import ValidationFailed
from app.services.serving.errors import clear_errors
from serve.catalog import ModelEntry, format_validation_error
from serve.costs import batch_decode_tokens_per_s
from serve.hardware import BYTES_PER_PARAM, GPU_TABLE, KV_DTYPE_BYTES, GpuModel, lookup_gpu
from serve.sizing import (
    DEFAULT_EFFICIENCY,
    DEFAULT_OVERHEAD,
    FitReport,
    MemoryNeed,
    explain_no_fit,
    memory_need,
    size_on_gpus,
    valid_tp_degrees,
)

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
    memory: MemoryNeed  # at the best TP degree (or the largest tried when nothing fits)
    kv_per_token_kib: float
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
        reports = [
            size_on_gpus(model, gpus, tp=tp, context=context, overhead=overhead)
            for tp in valid_tp_degrees(model, count)
        ]
        best = next((r for r in reports if r.fits), None)
        advice = "" if best else explain_no_fit(model, gpus, reports, context, overhead)
        ref = best or (reports[-1] if reports else None)
        memory = memory_need(model, gpus, ref.tp if ref else count, context, concurrent, overhead)
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
        memory=memory,
        kv_per_token_kib=ref.kv_per_token_kib if ref else 0.0,
        batch_tokens_per_s=speeds,
    )
