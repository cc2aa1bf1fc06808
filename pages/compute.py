"""Compute planner: self-hosted versus cloud API cost for a model on a GPU set, from its decode throughput,
with monthly cost, $ per million tokens, break-even volume and TCO, and every default shown with its source."""

import pandas as pd
import streamlit as st

from app.services import compute, serving
from app.ui import auth
from app.ui import serving as ui

auth.require_account()
st.title("Compute planner")
st.caption(
    "Does running our own GPUs beat paying a cloud API? Throughput comes from the sizing model; every price is "
    "an editable assumption (2025 list or street prices): replace them with your own quotes."
)
A = compute.ASSUMPTIONS

# -- model and GPUs -> throughput ------------------------------------------------------------------------------
catalog = None
with ui.reported("Reading the model catalog"):
    catalog = serving.read_catalog()
if catalog is None:
    st.stop()
models = [m for m in catalog.models if m.role != "embeddings"]
names = [m.name for m in models]

st.subheader("Model and GPUs")
c1, c2, c3, c4, c5, c6 = st.columns([2, 1, 2.2, 0.8, 1.2, 1.2])
big = next((i for i, m in enumerate(models) if m.params_b >= 60), 0)
chosen = c1.selectbox("Model (from the catalog)", names, index=big, key="cp_model")
base = catalog.get(chosen)
quants = serving.QUANTIZATIONS
quant = c2.selectbox(
    "Quantization", quants, index=quants.index(base.quantization), format_func=str.upper, key=f"cp_quant_{chosen}"
)
gpu_name = c3.selectbox("GPU", serving.GPU_NAMES, index=serving.GPU_NAMES.index("RTX PRO 6000 Blackwell"), key="cp_gpu")
count = int(c4.number_input("GPUs", 1, 64, 1, key="cp_count"))
context = int(
    c5.number_input(
        "Tokens per sequence",
        128,
        1_000_000,
        min(4096, base.context_length),
        step=512,
        key=f"cp_context_{chosen}",
        help="Prompt plus answer; the KV cache is sized for this many tokens per sequence.",
    )
)
batch = int(
    c6.number_input(
        "Sequences at full load",
        1,
        1024,
        16,
        key="cp_batch",
        help="Concurrent requests decoding together when the GPUs are busy (capped by what the KV cache holds).",
    )
)

sizing = None
with ui.reported("Sizing"):
    sizing = serving.size_model(serving.model_for_sizing(base, quantization=quant), gpu_name, count, context, batch)
estimate = 0.0
if sizing is not None:
    if sizing.best is None:
        st.error(sizing.verdict(), icon=":material/block:")
    else:
        lo, hi = sizing.batch_tokens_per_s or (0.0, 0.0)
        seqs = max(1, min(batch, sizing.best.max_concurrent_sequences))
        replicas = sizing.replicas
        estimate = round(lo * replicas)
        how = f"{replicas} replicas at TP={sizing.best.tp}" if replicas > 1 else f"TP={sizing.best.tp}"
        st.success(
            f"Fits on {count} x {sizing.gpu.name} ({how}); {seqs} sequence(s) of {context} tokens per instance "
            f"decode together at about {lo * replicas:,.0f}–{hi * replicas:,.0f} output tokens/s in all "
            "(bandwidth-bound estimate; the planner uses the low end).",
            icon=":material/check_circle:",
        )
signature = f"{chosen}_{quant}_{gpu_name}_{count}_{context}_{batch}"
throughput = st.number_input(
    "Throughput used for costs (output tokens/s of one deployment at full load)",
    0.0,
    1e7,
    float(estimate),
    step=10.0,
    format="%.0f",
    key=f"cp_tps_{signature}",
    help="Defaults to the sizing estimate; replace it with a measured number (e.g. vLLM's benchmark) if you have one.",
)

# -- costs -----------------------------------------------------------------------------------------------------
card = compute.defaults_for(gpu_name)
col_self, col_cloud = st.columns(2, gap="large")
with col_self, st.container(border=True):
    st.markdown("**Self-hosted**")
    mode = st.segmented_control("Pay for the GPUs by", ["Buying", "Renting"], default="Buying", key="cp_mode")
    renting = mode == "Renting"
    s1, s2 = st.columns(2)
    rental: float | None
    if renting:
        rental = s1.number_input(
            "Rental, US$ per GPU-hour",
            0.0,
            1000.0,
            float(card.rental_usd_per_hour),
            0.05,
            format="%.2f",
            key=f"cp_rent_{gpu_name}",
        )
        years = s2.number_input("Horizon (years)", 0.25, 10.0, float(A["amortisation"].value), 0.25, key="cp_years")
        price = other = power = idle = host = electricity = 0.0
    else:
        rental = None
        price = s1.number_input(
            "Price per GPU, US$", 0.0, 1e6, float(card.purchase_usd), 100.0, format="%.0f", key=f"cp_price_{gpu_name}"
        )
        other = s2.number_input(
            "Rest of the host, US$", 0.0, 1e6, float(A["other_hardware"].value), 100.0, format="%.0f", key="cp_other"
        )
        power = s1.number_input(
            "Power per GPU at load, W",
            0.0,
            5000.0,
            float(card.board_power_w),
            10.0,
            format="%.0f",
            key=f"cp_power_{gpu_name}",
        )
        idle = s2.number_input(
            "Power per GPU idle, W",
            0.0,
            5000.0,
            float(round(card.board_power_w * A["idle_power_fraction"].value)),
            5.0,
            format="%.0f",
            key=f"cp_idle_{gpu_name}",
        )
        host = s1.number_input(
            "Host power, W", 0.0, 10000.0, float(A["host_power"].value), 10.0, format="%.0f", key="cp_host"
        )
        electricity = s2.number_input(
            "Electricity, US$/kWh", 0.0, 5.0, float(A["electricity"].value), 0.01, format="%.3f", key="cp_kwh"
        )
        years = s1.number_input(
            "Amortisation (years)", 0.25, 10.0, float(A["amortisation"].value), 0.25, key="cp_years"
        )
    utilisation = st.slider(
        "Utilisation (% of the month busy at full load)", 1, 100, int(A["utilisation"].value * 100), key="cp_util"
    )
    ops = st.slider("Ops overhead (% on top)", 0, 200, int(A["ops_overhead"].value * 100), key="cp_ops")

with col_cloud, st.container(border=True):
    st.markdown("**Cloud API**")
    presets = [*compute.CLOUD_PRESETS, "Custom"]
    preset = st.selectbox("Compare with", presets, key="cp_preset")
    prices = compute.CLOUD_PRESETS.get(preset, compute.CloudApi(1.0, 4.0))
    p1, p2 = st.columns(2)
    price_in = p1.number_input(
        "Input, US$ per M tokens",
        0.0,
        1000.0,
        float(prices.input_usd_per_m),
        0.05,
        format="%.2f",
        key=f"cp_in_{preset}",
    )
    price_out = p2.number_input(
        "Output, US$ per M tokens",
        0.0,
        1000.0,
        float(prices.output_usd_per_m),
        0.05,
        format="%.2f",
        key=f"cp_out_{preset}",
    )
    st.markdown("**Workload**")
    w1, w2, w3 = st.columns(3)
    volume_m = w1.number_input("Output tokens a month (M)", 0.0, 1e7, 20.0, 1.0, format="%.1f", key="cp_volume")
    ratio = w2.number_input(
        "Input tokens per output token",
        0.0,
        1000.0,
        float(A["input_per_output"].value),
        0.5,
        format="%.1f",
        key="cp_ratio",
    )
    speedup = w3.number_input(
        "Prefill speed-up", 0.5, 1000.0, float(A["prefill_speedup"].value), 1.0, format="%.0f", key="cp_prefill",
        help=A["prefill_speedup"].source,
    )  # fmt: skip

if throughput <= 0:
    st.warning("Enter a throughput above (the model does not fit these GPUs, so there is no estimate).")
    st.stop()

result = None
with ui.reported("Costing"):
    hosted = compute.self_hosted(
        gpus=count,
        output_tokens_per_s=throughput,
        purchase_usd_per_gpu=price,
        other_hardware_usd=other,
        rental_usd_per_gpu_hour=rental,
        power_w_per_gpu=power,
        idle_power_w_per_gpu=idle,
        host_power_w=host,
        electricity_usd_per_kwh=electricity,
        utilisation=utilisation / 100,
        amortisation_years=years,
        ops_overhead=ops / 100,
        prefill_speedup=speedup,
    )
    api = compute.cloud(price_in, price_out)
    result = compute.run(hosted, api, volume_m * 1e6, ratio)
if result is None:
    st.stop()

st.subheader("Result")
# Headline, metrics and conclusion all come from this one verdict, so they cannot disagree.
summary = compute.verdict(result, utilisation / 100, f"{count} x {gpu_name}")
(st.success if summary.cheaper == "self-hosted" else st.info)(f"**{summary.headline}**", icon=":material/paid:")
st.caption(summary.assumptions)
per_m = result.self_hosted_usd_per_m_at_volume
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Self-hosted $/M at volume",
    ui.money(per_m) if per_m is not None else "n/a",
    help=f"This month's self-hosted bill ÷ {volume_m:g} M output tokens. Used to its capacity at {utilisation} % "
    f"utilisation one deployment would cost {ui.money(result.self_hosted_usd_per_m)} per M.",
)
m2.metric(
    "Cloud $/M at volume",
    ui.money(result.cloud_usd_per_m),
    help=f"Per million output tokens, including the {ratio:g} input tokens billed with each.",
)
m3.metric(
    "Self-hosted, this month",
    ui.money(result.self_hosted_usd_per_month),
    help=f"{result.deployments} deployment(s) of {count} x {gpu_name} for {volume_m:g} M output tokens.",
)
m4.metric("Cloud, this month", ui.money(result.cloud_usd_per_month), help=f"For {volume_m:g} M output tokens.")
m1, m2, m3, m4 = st.columns(4)
m1.metric(f"Self-hosted, {years:g}-year TCO", ui.money(result.self_hosted_tco_usd))
m2.metric(f"Cloud, {years:g}-year TCO", ui.money(result.cloud_tco_usd))
m3.metric("Deployments needed", str(result.deployments))
m4.metric(
    "One deployment serves",
    ui.millions(result.capacity_output_tokens_per_month),
    help=f"Output tokens a month at {utilisation} % utilisation.",
)
(st.info if result.break_even_output_tokens_per_month is not None else st.warning)(
    ui.break_even_text(result), icon=":material/balance:"
)
st.markdown(summary.conclusion)

if result.break_even_output_tokens_per_month is not None:  # zoom on the crossing and the user's volume
    top = 2.5 * max(result.output_tokens_per_month, result.break_even_output_tokens_per_month)
else:
    top = max(2.5 * result.output_tokens_per_month, 1.2 * result.capacity_output_tokens_per_month)
st.plotly_chart(ui.cost_figure(compute.cost_curve(hosted, api, ratio, top), result), width="stretch")

with st.expander("Defaults and where they come from", icon=":material/info:"):
    st.table(pd.DataFrame(compute.assumption_rows(gpu_name)), hide_index=True, border="horizontal")
    st.markdown(
        "Monthly self-hosted cost = (purchase ÷ amortisation months, or rental × 730 h, + electricity) × "
        "(1 + ops overhead). Capacity = throughput × seconds in a month × utilisation ÷ (1 + input per output ÷ "
        "prefill speed-up). Self-hosted $/M = monthly cost ÷ capacity. Cloud $/M output = output price + "
        "input per output × input price. Break-even volume = monthly self-hosted cost ÷ cloud $ per output token."
    )
