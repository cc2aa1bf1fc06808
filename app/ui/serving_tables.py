"""Table rows of the serving data, shared by the Models page and the `chemassist serve` CLI: each value
formatted once, here (plain strings, no Streamlit, so the CLI does not load it)."""

from __future__ import annotations

from app.services.serving import BackendLoadReading, ServePlan, Sizing
from serve.catalog import Catalog
from serve.telemetry import GpuReading

NONE = "—"  # an empty table cell ("-" would render as a Markdown list bullet)


def number(value: float | None) -> str:
    """A rate for a table: one decimal below 100, none above, an em dash when unknown."""
    return NONE if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def catalog_rows(catalog: Catalog) -> list[dict[str, object]]:
    """One row per model for a table: role, size, quantization, context, engine, adapters, where it runs."""
    rows: list[dict[str, object]] = []
    for model in catalog.models:
        runs = model.endpoint or (f"port {model.port}" if model.port else "port assigned")
        if model.replicas > 1:
            runs += f", {model.replicas} replicas"
        rows.append(
            {
                "model": model.name,
                "role": model.role,
                "params": f"{model.params_b:g} B",
                "quantization": model.quantization.upper(),
                "context": f"{model.context_length:,}",
                "engine": model.engine,
                "LoRA adapters": ", ".join(f"{a.name} ({a.role})" for a in model.adapters) or NONE,
                "endpoint": runs,
                "source": model.source,
            }
        )
    return rows


def sizing_rows(sizing: Sizing) -> list[dict[str, object]]:
    """One row per tensor-parallel degree tried, for a table."""
    return [
        {
            "TP": r.tp,
            "fits": "yes" if r.fits else "no",
            "weights / GPU (GB)": f"{r.weights_per_gpu_gb:.1f}",
            "usable / GPU (GB)": f"{r.usable_per_gpu_gb:.1f}",
            "KV / GPU (GB)": f"{r.kv_budget_per_gpu_gb:.1f}",
            "sequences": r.max_concurrent_sequences,
            "tokens in cache": f"{r.max_tokens_in_cache:,}",
            "decode tok/s (1 seq)": f"{r.decode_tokens_per_s[0]:.0f}-{r.decode_tokens_per_s[1]:.0f}",
        }
        for r in sizing.reports
    ]


def placement_rows(plan: ServePlan) -> list[dict[str, object]]:
    """One row per placed instance: host, GPUs, pinning or tensor parallelism, KV budget, decode speed."""
    rows: list[dict[str, object]] = []
    for p in plan.placement.placements:
        lo, hi = p.fit.decode_tokens_per_s
        rows.append(
            {
                "instance": p.instance_name,
                "host": p.host,
                "GPUs": ", ".join(p.fit.gpus),
                "CUDA_VISIBLE_DEVICES": p.cuda_visible_devices,
                "mode": f"tensor-parallel TP={p.tp}" if p.tp > 1 else "pinned single GPU",
                "link": ("NVLink" if p.nvlink else "PCIe") if p.tp > 1 else NONE,
                "KV / GPU (GB)": f"{p.fit.kv_budget_per_gpu_gb:.1f}",
                "sequences": p.fit.max_concurrent_sequences,
                "decode tok/s": f"{lo:.0f}-{hi:.0f}",
            }
        )
    return rows


def status_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """`serving.status` rows as table cells: served names joined, unknown health and pid as an em dash."""
    cells = []
    for row in rows:
        models = row.get("models")
        cells.append(
            row
            | {
                "health": NONE if row.get("health") is None else row["health"],
                "models": ", ".join(map(str, models)) if isinstance(models, list) else NONE,
                "pid": NONE if row.get("pid") is None else row["pid"],
                "message": row.get("message") or "",
            }
        )
    return cells


def load_rows(readings: list[BackendLoadReading]) -> list[dict[str, object]]:
    """One row per healthy backend: engine, generated and prompt tokens/s, running and waiting, KV-cache use."""
    rows: list[dict[str, object]] = []
    for reading in readings:
        load = reading.load
        rows.append(
            {
                "name": reading.name,
                "engine": load.engine if load else NONE,
                "generated tok/s": number(load.generated_per_s) if load else NONE,
                "prompt tok/s": number(load.prompt_per_s) if load else NONE,
                "running": NONE if load is None or load.running is None else f"{load.running:.0f}",
                "waiting": NONE if load is None or load.waiting is None else f"{load.waiting:.0f}",
                "KV cache": NONE if load is None or load.kv_cache is None else f"{load.kv_cache:.0%}",
                "note": reading.note,
            }
        )
    return rows


def gpu_rows(readings: list[GpuReading]) -> list[dict[str, object]]:
    """This host's GPUs as table rows: utilization, memory, temperature, power (of its limit)."""
    return [
        {
            "GPU": f"{g.index}: {g.name}",
            "utilization": f"{g.utilization_pct:.0f}%",
            "memory": f"{g.memory_used_gib:.1f} / {g.memory_total_gib:.1f} GiB",
            "temperature": f"{g.temperature_c:.0f} °C",
            "power": NONE if g.power_w is None else f"{g.power_w:.0f} W" + _limit(g.power_limit_w),
        }
        for g in readings
    ]


def _limit(watts: float | None) -> str:
    return "" if watts is None else f" of {watts:.0f} W"
