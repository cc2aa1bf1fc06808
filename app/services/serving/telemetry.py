"""Live load of the running model servers (their engines' own /metrics) and of this host's GPUs (NVML)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from serve import launcher, telemetry
from serve.telemetry import BackendCounters, BackendLoad, GpuReading


@dataclass(frozen=True)
class BackendLoadReading:
    """One healthy backend's load, or None and NOTE saying why there is none (yet)."""

    name: str
    load: BackendLoad | None
    note: str = ""


def live_load(
    state_dir: Path, previous: dict[str, BackendCounters]
) -> tuple[list[BackendLoadReading], dict[str, BackendCounters]]:
    """Each healthy backend's tokens/s since PREVIOUS (the readings the last call returned), queue and KV-cache
    use, from the engine's own /metrics; and this call's readings, to pass to the next call."""
    rows: list[BackendLoadReading] = []
    readings: dict[str, BackendCounters] = {}
    for state in launcher.list_states(state_dir):
        if state.status != "healthy":
            continue
        try:
            text = httpx.get(f"{state.base_url}/metrics", timeout=2).text
        except httpx.HTTPError as exc:
            rows.append(BackendLoadReading(state.name, None, f"metrics unreachable ({type(exc).__name__})"))
            continue
        counters = telemetry.parse_backend_metrics(text, time.monotonic())
        if counters is None:
            rows.append(BackendLoadReading(state.name, None, "no vLLM or llama-server token counters at /metrics"))
            continue
        readings[state.name] = counters
        load = telemetry.backend_load(counters, previous.get(state.name))
        note = "" if load.generated_per_s is not None else "tokens/s from the next reading"
        rows.append(BackendLoadReading(state.name, load, note))
    return rows, readings


def gpus() -> tuple[list[GpuReading], str | None]:
    """This host's GPUs (NVML), or none and why not."""
    return telemetry.read_gpus()
