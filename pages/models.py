"""Models page: the model catalog, a GPU sizing calculator, the placement plan with its exact command lines and
systemd units, and the status of the supervised model servers. Everyone sees it; admins start and stop servers."""

import time
from pathlib import Path
from typing import TypedDict

import pandas as pd
import streamlit as st

from app.errors import ChemassistError
from app.services import access, serving
from app.ui import auth
from app.ui import serving as ui


class CustomArchitecture(TypedDict, total=False):
    """The architecture numbers of a model not in the catalog, as serving.model_for_sizing takes them."""

    params_b: float
    layers: int
    kv_heads: int
    head_dim: int
    attention_heads: int


account = auth.require_account()
is_admin = access.can_control_servers(account)  # starts and stops the lab's model servers

st.title("Models")
st.caption(
    "What the lab serves, whether it fits its GPUs, where each model runs and how it is started."
    + ("" if is_admin else " Read-only: an administrator starts and stops the model servers.")
)

col_path, col_upload = st.columns([4, 1], vertical_alignment="bottom")
catalog_path = col_path.text_input(
    "Catalog YAML",
    value="serve/examples/catalog.yaml",
    key="models_catalog_path",
    disabled=not is_admin,
    help="Path on the server, relative to the chemassist folder (admins may change it).",
)
with col_upload.popover("Upload YAML", icon=":material/upload:", width="stretch"):
    catalog_upload = st.file_uploader("Upload a catalog", type=["yaml", "yml"], key="models_catalog_file")

catalog = None
with ui.reported("Reading the catalog"):
    if catalog_upload is not None:
        catalog = serving.read_catalog(text=catalog_upload.getvalue(), name=catalog_upload.name)
    else:
        catalog = serving.read_catalog(catalog_path)


def _flash(kind: str, text: str, seconds: float = 15.0) -> None:
    """A message for the next runs of the page: shown for SECONDS, then dropped."""
    st.session_state["models_flash"] = (kind, text, time.monotonic() + seconds)


@st.fragment(run_every=5)
def _live_load(state_dir: Path) -> None:
    """Tokens/s and queue of each healthy backend (from its /metrics) and this host's GPUs, every 5 s."""
    st.markdown("**Live load**")
    previous = st.session_state.get("models_load_readings", {})
    with ui.reported("Reading the servers' metrics"):
        load, st.session_state["models_load_readings"] = serving.live_load(state_dir, previous)
        if load:
            st.table(pd.DataFrame(ui.load_rows(load)), hide_index=True, border="horizontal")
        gpus, why = serving.gpus()
        if gpus:
            st.table(pd.DataFrame(ui.gpu_rows(gpus)), hide_index=True, border="horizontal")
        st.caption(
            "Tokens/s: growth of each engine's own token counters (vLLM, llama-server `--metrics`) between "
            "readings 5 s apart. " + (why + "." if why else "GPUs: NVML.")
        )


tab_catalog, tab_sizing, tab_plan, tab_status = st.tabs(
    ["Catalog", "Sizing calculator", "Placement plan", "Status"], key="models_tab", on_change="rerun"
)

with tab_catalog:
    if catalog is None:
        st.info("Fix the catalog above to see its models; the sizing calculator works with custom numbers.")
    else:
        st.table(pd.DataFrame(ui.catalog_rows(catalog)), hide_index=True, border="horizontal")
        roles = catalog.role_map()
        st.markdown("**Roles** → served model: " + " · ".join(f"`{role}` → `{name}`" for role, name in roles.items()))
        st.caption(
            "Specialists are LoRA adapters on a shared base: the agent asks for the adapter's name and the "
            "base model's server answers with the adapter applied."
        )
        ui.routing_table(catalog)

with tab_sizing:
    sources = ["From the catalog", "Custom architecture"] if catalog else ["Custom architecture"]
    source = st.segmented_control("Model", sources, default=sources[0], key="size_source") or sources[0]
    base = None
    custom: CustomArchitecture = {}
    if source == "From the catalog" and catalog is not None:
        names = [m.name for m in catalog.models]
        default = next((i for i, m in enumerate(catalog.models) if m.params_b >= 60), 0)
        chosen = st.selectbox("Catalog model", names, index=default, key="size_model")
        base = catalog.get(chosen)
        st.caption(
            f"{base.params_b:g} B parameters · {base.layers} layers · {base.kv_heads} KV heads × head dim "
            f"{base.head_dim} · {base.quantization.upper()} · context {base.context_length}"
        )
    else:
        c1, c2, c3, c4, c5 = st.columns(5)
        custom = {
            "params_b": c1.number_input("Parameters (B)", 0.1, 2000.0, 70.0, key="size_params"),
            "layers": c2.number_input("Layers", 1, 500, 80, key="size_layers"),
            "kv_heads": c3.number_input("KV heads", 1, 256, 8, key="size_kv_heads"),
            "head_dim": c4.number_input("Head dim", 8, 1024, 128, key="size_head_dim"),
            "attention_heads": c5.number_input("Attention heads", 1, 1024, 64, key="size_heads"),
        }
    tag = base.name if base else "custom"
    default_quant = base.quantization if base else "awq"
    quants = serving.QUANTIZATIONS
    c1, c2, c3, c4 = st.columns(4)
    quant = c1.selectbox(
        "Quantization",
        quants,
        index=quants.index(default_quant),
        format_func=str.upper,
        key=f"size_quant_{tag}",
        help="FP16/BF16, FP8/INT8, AWQ/GPTQ 4-bit (vLLM), GGUF Q2_K…Q8_0 (llama-server)",
    )
    kv_dtype = c2.selectbox(
        "KV cache dtype",
        serving.KV_DTYPES,
        index=serving.KV_DTYPES.index(base.kv_cache_dtype if base else "fp16"),
        format_func=str.upper,
        key=f"size_kv_dtype_{tag}",
    )
    context = c3.number_input(
        "Context (tokens per sequence)",
        128,
        10_000_000,
        base.context_length if base else 8192,
        step=1024,
        key=f"size_context_{tag}",
    )
    concurrent = c4.number_input("Concurrent sequences", 1, 100_000, 1, key="size_concurrent")
    c1, c2, c3 = st.columns(3)
    gpu_name = c1.selectbox("GPU", serving.GPU_NAMES, index=serving.GPU_NAMES.index("RTX 3090"), key="size_gpu")
    count = c2.number_input("Number of GPUs", 1, 64, 2, key="size_count")
    util = c3.slider(
        "GPU memory utilization",
        0.5,
        0.98,
        float(base.gpu_memory_utilization) if base else 0.9,
        0.01,
        key=f"size_util_{tag}",
        help="vLLM's --gpu-memory-utilization: the share of each GPU's memory the engine may take.",
    )
    card = serving.gpu(gpu_name)
    st.caption(f"{card.name}: {card.vram_gib:g} GiB, {card.bandwidth_gbs:,.0f} GB/s ({card.source})")
    with ui.reported("Sizing"):
        model = serving.model_for_sizing(
            base, quantization=quant, kv_cache_dtype=kv_dtype, gpu_memory_utilization=util, **custom
        )
        ui.sizing_result(serving.size_model(model, gpu_name, int(count), int(context), int(concurrent)))
    ui.formulas()

with tab_plan:
    col_path, col_upload, col_ctx = st.columns([3, 1, 1.2], vertical_alignment="bottom")
    cluster_path = col_path.text_input(
        "Cluster inventory YAML",
        value="serve/examples/cluster.yaml",
        key="models_cluster_path",
        disabled=not is_admin,
    )
    with col_upload.popover("Upload YAML", icon=":material/upload:", width="stretch"):
        cluster_upload = st.file_uploader("Upload an inventory", type=["yaml", "yml"], key="models_cluster_file")
    plan_context = col_ctx.number_input("Context (0 = each model's)", 0, 10_000_000, 0, step=1024, key="plan_context")
    plan = None
    with ui.reported("Planning"):
        if catalog is None:
            raise ChemassistError("The catalog above has errors; fix it to see a plan.")
        if cluster_upload is not None:
            cluster = serving.read_cluster(text=cluster_upload.getvalue(), name=cluster_upload.name)
        else:
            cluster = serving.read_cluster(cluster_path)
        plan = serving.plan_for(catalog, cluster, int(plan_context) or None)
    if plan is not None:
        rows = ui.placement_rows(plan)
        if rows:
            st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")
        for name, why in plan.placement.unplaced.items():
            st.warning(f"**{name}** was not placed: {why}", icon=":material/warning:")
        st.markdown("**Why**")
        st.markdown("\n".join(f"- {line}" for line in plan.placement.explain()))
        st.markdown("**Command lines** (what `chemassist serve up` runs, each under a supervisor)")
        for spec in plan.specs:
            st.caption(f"{spec.name} → {spec.base_url}")
            st.code(serving.command_line(spec), language="bash", wrap_lines=True)
        st.markdown("**systemd units** (for labs that prefer systemd to `chemassist serve up`)")
        units = serving.systemd_units(plan)
        st.download_button(
            "Download systemd units (.zip)",
            serving.systemd_zip(plan),
            file_name="chemassist-units.zip",
            mime="application/zip",
            icon=":material/download:",
            disabled=not units,
        )
        for unit, text in units.items():
            with st.expander(unit):
                st.code(text, language="ini")
        st.caption("Install: `sudo cp chemassist-*.service /etc/systemd/system/ && sudo systemctl daemon-reload`")

with tab_status:
    state_dir = serving.default_state_dir()
    col_caption, col_refresh = st.columns([5, 1], vertical_alignment="center")
    col_caption.caption(f"Backends started with `chemassist serve up`, from {state_dir}")
    col_refresh.button("Refresh", icon=":material/refresh:", key="status_refresh")
    rows = []
    with ui.reported("Reading the servers' status"):
        rows = serving.status(state_dir)
    if is_admin and plan is not None:
        running_names = {str(r["name"]) for r in rows if r["status"] not in ("stopped", "failed", "dead")}
        startable = [spec.name for spec in plan.specs if spec.name not in running_names]
        col_pick, col_start = st.columns([4, 1], vertical_alignment="bottom")
        pick = col_pick.selectbox(
            "Start a planned server on this host",
            startable,
            key="models_start_pick",
            placeholder="every planned server is running" if not startable else "Choose a server",
            help="Runs the command line of the Placement plan under a supervisor (restart on crash, logs). "
            "The app must run on the GPU host for this; otherwise use `chemassist serve up` there.",
        )
        if col_start.button("Start", icon=":material/play_circle:", key="models_start", disabled=not startable):
            try:
                serving.launch(plan, state_dir, str(pick), actor=account)
            except ChemassistError as exc:
                _flash("error", str(exc))
            else:
                _flash("success", f"Starting {pick}: loading a model can take minutes; the table below follows it.")
            st.rerun()
    # The message stays over the reruns that follow (the status table redraws the page when a server settles).
    if (flash := st.session_state.get("models_flash")) is not None:
        kind, text, until = flash
        (st.error if kind == "error" else st.success)(text)
        if time.monotonic() > until:
            del st.session_state["models_flash"]
    if not rows:
        st.info(
            "No model server has been started from this installation. An admin starts the planned servers here "
            "or on the GPU host with `chemassist serve up` (or installs the systemd units from the Placement plan "
            "tab)."
        )
    else:
        changing = ("starting", "restarting", "stopping")

        def _status_table(live: list[dict[str, object]]) -> None:
            st.table(pd.DataFrame(ui.status_rows(live)), hide_index=True, border="horizontal")

        if any(r["status"] in changing for r in rows):

            @st.fragment(run_every=2)
            def _follow() -> None:
                """Re-read the status every 2 s while a server changes state; redraw the tab once it settles."""
                live = serving.status(state_dir)
                _status_table(live)
                if not any(r["status"] in changing for r in live):
                    st.rerun()

            _follow()
        else:
            _status_table(rows)
    if tab_status.open is not False:  # only while the tab is shown: it reads every 5 s
        _live_load(state_dir)
    for row in rows:
        name = str(row["name"])
        running = row["status"] not in ("stopped", "failed", "dead")
        with st.expander(f"{name}: {row['status']} · health {row['health'] or ui.NONE}"):
            with ui.reported("Reading the log"):
                st.code("\n".join(serving.logs(state_dir, name, 40)) or "(empty log)", language=None)
            if not is_admin:
                continue
            if running and st.button("Stop", key=f"stop_{name}", icon=":material/stop_circle:"):
                try:
                    with st.spinner(f"Stopping {name} (SIGTERM, then SIGKILL after the grace period)…"):
                        serving.down(state_dir, [name], actor=account)
                except ChemassistError as exc:
                    _flash("error", str(exc))
                else:
                    _flash("success", f"Stopped {name}.")
                st.rerun()
            if not running:
                st.caption("Start it again with *Start a planned server* above, or on the GPU host:")
                st.code(serving.start_command(name, catalog_path, cluster_path), language="bash")
