"""GPU sizing: does a model fit, at what tensor-parallel degree, with how much KV cache, how fast it decodes.

weights = params x bytes per param (by quantization); KV cache per token = 2 (K and V) x layers x kv_heads x
head_dim x bytes of the KV dtype; the engine may use `gpu_memory_utilization` of each GPU, and ~20 %
(configurable) of what is loaded goes to activations, CUDA graphs and fragmentation. Decode is memory-bound:
each generated token reads every weight once (split across TP ranks) plus the sequence's KV cache, so
tokens/s ~ bandwidth x efficiency / bytes read per token.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, Field

from serve.catalog import ModelEntry
from serve.errors import DoesNotFit
from serve.hardware import BYTES_PER_PARAM, GB, KV_DTYPE_BYTES, GpuModel, bytes_per_param

DEFAULT_OVERHEAD = 0.20
DEFAULT_EFFICIENCY = (0.5, 0.8)  # achieved fraction of peak bandwidth in decode, low..high


def engine_bytes(vram_bytes: float, gpu_memory_utilization: float) -> float:
    """What the engine may take of one GPU: VRAM x utilization (vLLM's --gpu-memory-utilization)."""
    return vram_bytes * gpu_memory_utilization


def with_overhead(loaded_bytes: float, overhead: float = DEFAULT_OVERHEAD) -> float:
    """Memory that LOADED_BYTES (weights + KV cache) really takes: activations, CUDA graphs and fragmentation
    add OVERHEAD (a fraction) of it. The one rule for the overhead; `usable_bytes` is its inverse."""
    return loaded_bytes * (1 + overhead)


def usable_bytes(vram_bytes: float, gpu_memory_utilization: float, overhead: float = DEFAULT_OVERHEAD) -> float:
    """The most weights + KV cache one GPU holds: the x with with_overhead(x) == engine_bytes(VRAM, utilization)."""
    return engine_bytes(vram_bytes, gpu_memory_utilization) / (1 + overhead)


def weight_bytes(params_b: float, quantization: str) -> float:
    """Bytes of weights: a 70B model is ~140 GB at FP16, ~70 GB at INT8, ~37 GB at AWQ 4-bit."""
    return params_b * 1e9 * bytes_per_param(quantization)


def kv_bytes_per_token(layers: int, kv_heads: int, head_dim: int, kv_dtype: str = "fp16") -> float:
    """KV cache bytes per token: 2 x layers x kv_heads x head_dim x bytes (Llama-3-8B at FP16: 128 KiB)."""
    return 2 * layers * kv_heads * head_dim * KV_DTYPE_BYTES[kv_dtype]


def kv_bytes_per_token_per_gpu(model: ModelEntry, tp: int) -> float:
    """KV bytes per token on each rank: KV heads split across TP ranks, replicated when tp > kv_heads."""
    heads_per_rank = math.ceil(model.kv_heads / tp)
    return kv_bytes_per_token(model.layers, heads_per_rank, model.head_dim, model.kv_cache_dtype)


def valid_tp_degrees(model: ModelEntry, max_gpus: int) -> list[int]:
    """Power-of-two TP sizes up to max_gpus that divide the attention heads (vLLM requires it)."""
    heads = model.attention_heads or model.kv_heads
    out = []
    tp = 1
    while tp <= max_gpus:
        if heads % tp == 0:
            out.append(tp)
        tp *= 2
    return out


class FitReport(BaseModel):
    """The sizing of one model on one group of GPUs at one tensor-parallel degree."""

    model: str
    quantization: str
    gpus: list[str]
    tp: int
    fits: bool
    weights_gb: float = Field(description="All weights, GB (1e9 bytes).")
    weights_per_gpu_gb: float
    usable_per_gpu_gb: float = Field(description="VRAM x gpu_memory_utilization, minus overhead, per GPU.")
    kv_budget_per_gpu_gb: float
    kv_per_token_kib: float = Field(description="Whole model, KiB per token.")
    kv_per_sequence_gb: float = Field(description="KV for one sequence at `context` tokens, whole model.")
    context: int
    max_concurrent_sequences: int = Field(description="Sequences of `context` tokens the KV cache holds at once.")
    max_tokens_in_cache: int
    decode_tokens_per_s: tuple[float, float] = Field(description="Single-stream decode estimate, low..high.")
    reason: str

    def summary(self) -> str:
        lo, hi = self.decode_tokens_per_s
        head = f"{self.model} ({self.quantization}, {self.weights_gb:.1f} GB weights)"
        head += f" on {self.tp} x {self.gpus[0]}"
        if not self.fits:
            return f"{head}: does not fit. {self.reason}"
        return (
            f"{head}: fits with {self.kv_budget_per_gpu_gb:.1f} GB KV per GPU = "
            f"{self.max_concurrent_sequences} sequence(s) of {self.context} tokens "
            f"({self.max_tokens_in_cache} tokens in cache); decode ~{lo:.0f}-{hi:.0f} tokens/s per sequence."
        )


class MemoryNeed(BaseModel):
    """What CONCURRENT sequences of one model take on a TP group, beside what the engine may use there (GB).

    Same rule as `size_on_gpus`: total = with_overhead(weights + KV), and the group holds it when total <= available.
    """

    weights_gb: float
    kv_per_sequence_gb: float = Field(description="KV cache of one sequence at the context, whole model.")
    concurrent: int
    loaded_gb: float = Field(description="Weights + KV cache of CONCURRENT sequences.")
    overhead_gb: float
    total_gb: float
    available_gb: float = Field(description="TP x VRAM x gpu_memory_utilization of the group.")


def memory_need(
    model: ModelEntry,
    gpus: Sequence[GpuModel],
    tp: int,
    context: int,
    concurrent: int = 1,
    overhead: float = DEFAULT_OVERHEAD,
    gpu_memory_utilization: float | None = None,
) -> MemoryNeed:
    """The memory breakdown of MODEL with CONCURRENT sequences of CONTEXT tokens on the first TP of GPUS."""
    if tp < 1 or tp > len(gpus):
        raise DoesNotFit(f"tensor-parallel degree {tp} needs {tp} GPUs, {len(gpus)} given")
    util = gpu_memory_utilization or model.gpu_memory_utilization
    weights = weight_bytes(model.params_b, model.quantization)
    kv_sequence = kv_bytes_per_token(model.layers, model.kv_heads, model.head_dim, model.kv_cache_dtype) * context
    loaded = weights + kv_sequence * concurrent
    total = with_overhead(loaded, overhead)
    smallest = min(g.vram_bytes for g in gpus[:tp])  # ranks hold equal shards: the smallest card limits
    return MemoryNeed(
        weights_gb=weights / GB,
        kv_per_sequence_gb=kv_sequence / GB,
        concurrent=concurrent,
        loaded_gb=loaded / GB,
        overhead_gb=(total - loaded) / GB,
        total_gb=total / GB,
        available_gb=tp * engine_bytes(smallest, util) / GB,
    )


def size_on_gpus(
    model: ModelEntry,
    gpus: Sequence[GpuModel],
    tp: int | None = None,
    context: int | None = None,
    overhead: float = DEFAULT_OVERHEAD,
    gpu_memory_utilization: float | None = None,
    efficiency: tuple[float, float] = DEFAULT_EFFICIENCY,
) -> FitReport:
    """Size MODEL on GPUS at tensor-parallel degree TP (default: all of them), sequences of CONTEXT tokens.

    Mixed GPUs in one TP group are limited by the smallest and slowest card (ranks hold equal shards).
    A model "fits" when the weights load and the KV cache holds at least one sequence of `context` tokens.
    """
    if not gpus:
        raise DoesNotFit("no GPUs given")
    tp = tp or len(gpus)
    if tp > len(gpus):
        raise DoesNotFit(f"tensor-parallel degree {tp} needs {tp} GPUs, only {len(gpus)} given")
    group = list(gpus[:tp])
    context = context or model.context_length
    util = gpu_memory_utilization or model.gpu_memory_utilization
    smallest = min(g.vram_bytes for g in group)
    slowest = min(g.bandwidth_gbs for g in group)

    weights = weight_bytes(model.params_b, model.quantization)
    weights_per_gpu = weights / tp
    usable = usable_bytes(smallest, util, overhead)
    kv_budget = max(0.0, usable - weights_per_gpu)
    kv_token_gpu = kv_bytes_per_token_per_gpu(model, tp)
    kv_token_total = kv_bytes_per_token(model.layers, model.kv_heads, model.head_dim, model.kv_cache_dtype)
    tokens_in_cache = int(kv_budget // kv_token_gpu)
    sequences = tokens_in_cache // context

    # One decode step reads this rank's weight shard and its share of one sequence's KV cache.
    bytes_per_step = weights_per_gpu + kv_token_gpu * context / 2
    speeds = tuple(slowest * 1e9 * eff / bytes_per_step for eff in efficiency)
    if tp > 1:
        speeds = tuple(s * 0.85 for s in speeds)  # all-reduce per layer costs ~15 % (more over PCIe)

    if weights_per_gpu > usable:
        reason = (
            f"weights need {weights_per_gpu / GB:.1f} GB per GPU but {tp} x {group[0].name} leave "
            f"{usable / GB:.1f} GB each after {util:.0%} utilization and {overhead:.0%} overhead"
        )
    elif sequences < 1:
        reason = (
            f"weights load ({weights_per_gpu / GB:.1f} of {usable / GB:.1f} GB per GPU) "
            f"but the KV cache holds "
            f"only {tokens_in_cache} tokens, less than one {context}-token sequence"
        )
    else:
        reason = f"{sequences} concurrent sequences of {context} tokens"
    return FitReport(
        model=model.name,
        quantization=model.quantization,
        gpus=[g.name for g in group],
        tp=tp,
        fits=sequences >= 1,
        weights_gb=round(weights / GB, 2),
        weights_per_gpu_gb=round(weights_per_gpu / GB, 2),
        usable_per_gpu_gb=round(usable / GB, 2),
        kv_budget_per_gpu_gb=round(kv_budget / GB, 2),
        kv_per_token_kib=round(kv_token_total / 1024, 2),
        kv_per_sequence_gb=round(kv_token_total * context / GB, 3),
        context=context,
        max_concurrent_sequences=sequences,
        max_tokens_in_cache=tokens_in_cache,
        decode_tokens_per_s=(round(speeds[0], 1), round(speeds[1], 1)),
        reason=reason,
    )


def best_fit(
    model: ModelEntry,
    gpus: Sequence[GpuModel],
    context: int | None = None,
    overhead: float = DEFAULT_OVERHEAD,
) -> FitReport:
    """The smallest valid TP degree at which MODEL fits on GPUS; else DoesNotFit, with advice."""
    reports = [
        size_on_gpus(model, gpus, tp=tp, context=context, overhead=overhead)
        for tp in valid_tp_degrees(model, len(gpus))
    ]
    for report in reports:
        if report.fits:
            return report
    raise DoesNotFit(explain_no_fit(model, gpus, reports, context, overhead))


def explain_no_fit(
    model: ModelEntry,
    gpus: Sequence[GpuModel],
    reports: Sequence[FitReport],
    context: int | None,
    overhead: float,
) -> str:
    """Why MODEL fits nowhere on GPUS, and what would: a smaller quantization or context, or more GPUs."""
    last = reports[-1] if reports else None
    why = last.reason if last else "no valid tensor-parallel degree for these GPUs"
    hints = []
    context = context or model.context_length
    if last and last.weights_per_gpu_gb <= last.usable_per_gpu_gb:
        # The same count the reason states ("holds only N tokens"), not one recomputed from the rounded GB.
        max_ctx = last.max_tokens_in_cache
        if max_ctx >= 256:
            hints.append(f"a context of {max_ctx} tokens or less would fit")
    order = sorted(BYTES_PER_PARAM, key=BYTES_PER_PARAM.__getitem__, reverse=True)
    engine_quants = [q for q in order if (q.startswith("q") == (model.engine == "llama-server"))]
    for quant in engine_quants:
        if BYTES_PER_PARAM[quant] >= BYTES_PER_PARAM[model.quantization]:
            continue
        trial = model.model_copy(update={"quantization": quant})
        for tp in valid_tp_degrees(trial, len(gpus)):
            if size_on_gpus(trial, gpus, tp=tp, context=context, overhead=overhead).fits:
                hints.append(f"{quant.upper()} quantization fits at TP={tp}")
                break
        else:
            continue
        break
    if not any(r.fits for r in reports):
        for n in (2, 4, 8, 16, 32, 64):
            if n <= len(gpus) or n not in valid_tp_degrees(model, n):
                continue
            trial_report = size_on_gpus(model, [gpus[0]] * n, tp=n, context=context, overhead=overhead)
            if trial_report.fits:
                hints.append(f"{n} x {gpus[0].name} would hold it at {model.quantization.upper()} (TP={n})")
                break
    advice = ("; ".join(hints) + ".") if hints else "try a larger GPU."
    advice = advice[0].upper() + advice[1:]  # a new sentence after the reason's full stop
    return f"{model.name} does not fit {len(gpus)} x {gpus[0].name}: {why}. {advice}"
