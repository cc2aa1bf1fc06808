"""Widgets of the Models and Compute planner pages: sizing results, the formulas, and the cost chart."""

from __future__ import annotations

import logging

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.services import serving
from app.services.compute import Comparison, CostCurve
from app.ui.errors import reported  # noqa: F401 (re-exported for the pages)
from app.ui.serving_tables import (  # noqa: F401 (re-exported for the pages)
    NONE,
    catalog_rows,
    gpu_rows,
    load_rows,
    placement_rows,
    sizing_rows,
    status_rows,
)
from serve.catalog import Catalog

log = logging.getLogger(__name__)

FORMULAS = r"""
**Weights** = parameters × bytes per parameter: FP16/BF16 2, FP8/INT8 1, AWQ/GPTQ 4-bit ≈ 0.53
(group scales included), GGUF by llama.cpp's bits per weight (Q2_K ≈ 0.42, Q4_K_M ≈ 0.61, Q8_0 ≈ 1.06).
A 70B model is ≈ 140 GB at FP16, 70 GB at INT8, 37 GB at AWQ.

**KV cache per token** = 2 (K and V) × layers × KV heads × head dim × bytes of the KV dtype
(Llama-3-8B at FP16: 2 × 32 × 8 × 128 × 2 B = 128 KiB). Per sequence: × context tokens.
With tensor parallelism each GPU holds its share of the KV heads (replicated when TP > KV heads).

**Fit**: each of the TP GPUs may use VRAM × GPU-memory utilization; ≈ 20 % of what is loaded goes to
activations, CUDA graphs and fragmentation (overhead), so usable = VRAM × utilization / 1.2 per GPU.
The model fits when its weight shard loads and the rest of the usable memory holds at least one
sequence of the chosen context; sequences = KV budget ÷ (KV per token × context). The smallest power-of-two
TP degree that divides the attention heads and fits is chosen (fewer all-reduces, GPUs left for replicas).

**Decode speed** is memory-bandwidth-bound: every step reads the weight shard once plus each sequence's
KV cache (half full on average), so tokens/s ≈ bandwidth × efficiency (0.5–0.8) ÷ bytes read per step,
× 0.85 for the all-reduce when TP > 1. A batch of B sequences shares the weight read:
B × bandwidth × efficiency ÷ (weights per GPU + B × KV per sequence per GPU ÷ 2). It ignores the compute
ceiling, so very large batches are optimistic. GPU memory and bandwidth are datasheet figures.
"""


def routing_rows(catalog: Catalog) -> list[dict[str, object]]:
    """One row per model or role with routing of its own: its policy, stickiness and the backends it lists."""
    rows: list[dict[str, object]] = []
    listed = {name: m for m in catalog.models for name in m.served_names}
    roles = catalog.role_map()
    for name, routing in catalog.routing().items():
        served = name if name in listed else roles.get(name, "")
        model = listed.get(served)
        backends = [b for b in model.backends if served in model.backend_serves(b)] if model else []
        outside = [b.name for b in backends if b.external]
        rows.append(
            {
                "model or role": name,
                "policy": routing.policy.replace("_", "-"),
                "sticky": "yes" if routing.sticky else "no",
                # an em dash, as the catalog table writes "none": a lone "-" renders as a Markdown bullet
                "other backends": ", ".join(b.name for b in backends if not b.external) or NONE,
                "outside providers": (", ".join(outside) + (" (allowed)" if routing.allow_external else " (off)"))
                if outside
                else NONE,
            }
        )
    return rows


def routing_table(catalog: Catalog) -> None:
    """How the gateway routes each model or role (catalog `routing:` and `roles:`), or a line saying round-robin."""
    rows = routing_rows(catalog)
    if not rows:
        st.caption("Routing: round-robin across each model's replicas (no `routing:` in the catalog).")
        return
    st.markdown("**Routing** (the gateway's policy per model or role)")
    st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")
    st.caption(
        "Outside providers are used only where the catalog says `allow_external: true`; their answers carry "
        "the X-Chemassist-External header, and the chat names the provider under such an answer. The running "
        "gateway explains each choice at /routing."
    )


def formulas() -> None:
    with st.expander("How this is computed", icon=":material/function:"):
        st.markdown(FORMULAS)


def sizing_result(sizing: serving.Sizing) -> None:
    """The verdict, the memory breakdown, speeds, and every TP degree tried."""
    if not sizing.fits:
        st.error(sizing.verdict(), icon=":material/block:")
    elif sizing.holds_requested:
        st.success(sizing.verdict(), icon=":material/check_circle:")
    else:
        st.warning(sizing.verdict(), icon=":material/warning:")
    memory = sizing.memory
    weights, kv_token, kv_seq, overhead, total = st.columns(5)
    weights.metric("Weights", f"{memory.weights_gb:.1f} GB", help=f"{sizing.model.quantization.upper()} weights")
    kv_token.metric("KV cache per token", f"{sizing.kv_per_token_kib:.0f} KiB")
    kv_seq.metric("KV per sequence", f"{memory.kv_per_sequence_gb:.2f} GB", help=f"at {sizing.context} tokens")
    overhead.metric("Overhead (~20 %)", f"{memory.overhead_gb:.1f} GB")
    total.metric(
        "Total needed",
        f"{memory.total_gb:.1f} GB",
        help=f"Weights + KV for {sizing.concurrent} sequence(s) + overhead",
    )
    single, batch, tp, room = st.columns(4)
    used_tp = sizing.best.tp if sizing.best else sizing.count
    room.metric(
        "Engine may use",
        f"{memory.available_gb:.1f} GB",
        help=f"{used_tp} x {sizing.gpu.name} x GPU memory utilization {sizing.model.gpu_memory_utilization:g}",
    )
    if sizing.best is not None:
        lo, hi = sizing.best.decode_tokens_per_s
        single.metric("Decode, one sequence", f"{lo:.0f}–{hi:.0f} tok/s")
        if sizing.batch_tokens_per_s:
            blo, bhi = sizing.batch_tokens_per_s
            seqs = max(1, min(sizing.concurrent, sizing.best.max_concurrent_sequences))
            batch.metric(f"Decode, {seqs} sequence(s) together", f"{blo:.0f}–{bhi:.0f} tok/s")
        spare = f"; the {sizing.count} GPUs hold {sizing.replicas} such instances" if sizing.replicas > 1 else ""
        tp.metric("Tensor-parallel degree", str(sizing.best.tp), help=f"of {sizing.count} GPU(s) given{spare}")
    if sizing.reports:
        st.table(pd.DataFrame(sizing_rows(sizing)), hide_index=True, border="horizontal")


def money(usd: float) -> str:
    if usd >= 100:
        return f"${usd:,.0f}"
    return f"${usd:,.2f}"


def millions(tokens: float) -> str:
    value = tokens / 1e6
    return f"{value:,.0f} M" if value >= 100 else f"{value:,.1f} M"


def break_even_text(result: Comparison) -> str:
    """One sentence on where self-hosting starts to pay (or that it never does at these inputs)."""
    volume = result.break_even_output_tokens_per_month
    if volume is None:
        return (
            f"No break-even: even fully used, a self-hosted deployment costs {money(result.self_hosted_usd_per_m)} "
            f"per million output tokens against {money(result.cloud_usd_per_m)} for the cloud API. "
            "Raise the utilisation, pick cheaper hardware or a faster GPU set, or stay with the API."
        )
    return (
        f"Break-even at {millions(volume)} output tokens a month: below it the cloud API is cheaper, above it "
        f"(up to {millions(result.capacity_output_tokens_per_month)}, one deployment's capacity) self-hosting is."
    )


def cost_figure(curve: CostCurve, result: Comparison) -> go.Figure:
    """Monthly cost against monthly output tokens: the cloud line, the self-hosted steps, the break-even point."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=curve.millions, y=curve.cloud_usd, name="Cloud API", mode="lines", line={"color": "#1f77b4"})
    )
    fig.add_trace(
        go.Scatter(
            x=curve.millions,
            y=curve.self_hosted_usd,
            name="Self-hosted",
            mode="lines",
            line={"color": "#d62728", "shape": "hv"},
        )
    )
    if result.break_even_output_tokens_per_month is not None:
        x = result.break_even_output_tokens_per_month / 1e6
        y = result.self_hosted_usd_per_month / max(result.deployments, 1)
        fig.add_trace(
            go.Scatter(
                x=[x],
                y=[y],
                name="Break-even",
                mode="markers+text",
                marker={"size": 12, "color": "#2ca02c", "symbol": "diamond"},
                text=[f"break-even {x:,.1f} M"],
                textposition="top right",
            )
        )
    fig.add_vline(
        x=result.output_tokens_per_month / 1e6,
        line_dash="dot",
        line_color="#7f7f7f",
        annotation_text="your volume",
        annotation_position="top right",
    )
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="Output tokens per month (millions)",
        yaxis_title="Cost per month (US$)",
        legend={"orientation": "h", "y": 1.08, "x": 0},
        hovermode="x unified",
    )
    return fig
