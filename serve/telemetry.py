"""Live readings of the serving machines: each GPU through NVML (nvidia-ml-py, when installed and a driver is
present) and each backend's token throughput and queue, from the engine's own Prometheus /metrics.

vLLM and llama-server (started with --metrics, as the launcher does) count prompt and generated tokens in
counters; tokens/s is the growth of a counter between two readings divided by the time between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

# Sample names by engine: (generated tokens, prompt tokens) counters; running, waiting and KV-cache-use gauges.
ENGINE_METRICS: dict[str, dict[str, tuple[str, ...]]] = {
    "vllm": {
        "generated": ("vllm:generation_tokens_total",),
        "prompt": ("vllm:prompt_tokens_total",),
        "running": ("vllm:num_requests_running",),
        "waiting": ("vllm:num_requests_waiting",),
        "kv_cache": ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"),  # V1 engine, then V0
    },
    "llama.cpp": {
        "generated": ("llamacpp:tokens_predicted_total",),
        "prompt": ("llamacpp:prompt_tokens_total",),
        "running": ("llamacpp:requests_processing",),
        "waiting": ("llamacpp:requests_deferred",),
        "kv_cache": ("llamacpp:kv_cache_usage_ratio",),  # older llama-server builds only
    },
}


@dataclass(frozen=True)
class BackendCounters:
    """One reading of a backend's /metrics, summed over its label sets (one per served model)."""

    engine: str
    at: float  # time.monotonic() of the reading
    generated: float
    prompt: float
    running: float | None
    waiting: float | None
    kv_cache: float | None  # fraction 0-1


@dataclass(frozen=True)
class BackendLoad:
    engine: str
    generated_per_s: float | None  # None until a second reading
    prompt_per_s: float | None
    running: float | None
    waiting: float | None
    kv_cache: float | None


def parse_backend_metrics(text: str, at: float) -> BackendCounters | None:
    """The counters of a vLLM or llama-server /metrics page; None for anything else (or unparsable text)."""
    values: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                values[sample.name] = values.get(sample.name, 0.0) + sample.value
    except ValueError:
        return None
    for engine, names in ENGINE_METRICS.items():
        # The first of each kind's names the page has (a newer engine's name, then an older one's).
        found = {kind: next((values[n] for n in options if n in values), None) for kind, options in names.items()}
        if found["generated"] is not None:
            return BackendCounters(
                engine=engine,
                at=at,
                generated=found["generated"],
                prompt=found["prompt"] or 0.0,
                running=found["running"],
                waiting=found["waiting"],
                kv_cache=found["kv_cache"],
            )
    return None


def backend_load(now: BackendCounters, before: BackendCounters | None) -> BackendLoad:
    """Tokens/s since BEFORE (a counter that went down means the backend restarted: counted from zero)."""
    rates: tuple[float | None, float | None] = (None, None)
    if before is not None and before.engine == now.engine and now.at > before.at:
        elapsed = now.at - before.at

        def rate(new: float, old: float) -> float:
            return (new - old if new >= old else new) / elapsed

        rates = (rate(now.generated, before.generated), rate(now.prompt, before.prompt))
    return BackendLoad(now.engine, *rates, now.running, now.waiting, now.kv_cache)


@dataclass(frozen=True)
class GpuReading:
    index: int
    name: str
    utilization_pct: float
    memory_used_gib: float
    memory_total_gib: float
    temperature_c: float
    power_w: float | None
    power_limit_w: float | None


def read_gpus() -> tuple[list[GpuReading], str | None]:
    """Each GPU's utilization, memory, temperature and power; or no readings and why (no NVML, no driver)."""
    try:
        import pynvml
    except ImportError:
        return [], "GPU telemetry needs nvidia-ml-py on this host (pip install 'chemassist[gpu]')"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return [], f"no NVIDIA driver answered on this host ({exc})"
    try:
        readings = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            name = pynvml.nvmlDeviceGetName(handle)
            readings.append(
                GpuReading(
                    index=index,
                    name=name.decode() if isinstance(name, bytes) else name,
                    utilization_pct=float(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu),
                    memory_used_gib=memory.used / 2**30,
                    memory_total_gib=memory.total / 2**30,
                    temperature_c=float(pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU)),
                    power_w=_milliwatts(pynvml.nvmlDeviceGetPowerUsage, handle),
                    power_limit_w=_milliwatts(pynvml.nvmlDeviceGetEnforcedPowerLimit, handle),
                )
            )
        return readings, None
    except pynvml.NVMLError as exc:
        return [], f"reading the GPUs failed ({exc})"
    finally:
        pynvml.nvmlShutdown()


def _milliwatts(read: Callable[[Any], int], handle: Any) -> float | None:
    """Watts from an NVML milliwatt reading; None where the card does not report it (some consumer cards)."""
    import pynvml

    try:
        return read(handle) / 1000
    except pynvml.NVMLError:
        return None
