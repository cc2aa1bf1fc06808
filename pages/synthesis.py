"""Synthesis page: plan routes to a target down to stock, watch the search, stop it, read the routes as reaction
diagrams with precedents and stock status, export them, save them to the session, and add the lab's inventory."""

import streamlit as st

from app.errors import ChemassistError
from app.services import molecules, synthesis
from app.ui import artifacts, auth, editor, state
from app.ui import synthesis as ui
from app.ui.errors import reported
from app.ui.molecules import show_svg

account = auth.require_account()
current = state.current_session(account)
synthesis.preload()  # the first search after a restart would otherwise wait for the template library

st.title("Synthesis planning")
st.caption(
    "Template-based retrosynthesis down to building blocks in stock: a template classifier ranks 10,198 rdchiral "
    "templates from USPTO-50k (46.9% top-1, 83.6% top-10 exact match on its test set), rdchiral applies them, and "
    "a best-first search combines the steps. Targets are screened for controlled and highly hazardous substances "
    "first."
)

# --- target ---------------------------------------------------------------------------------------------------

session_molecules: dict[str, str] = {}
if current is not None:
    with reported("Reading the session's molecules"):
        session_molecules = ui.session_molecules(account, current.id)


def _pick_from_session() -> None:
    if choice := st.session_state.get("syn_pick"):
        st.session_state["syn_target"] = session_molecules.get(choice, "")


if current is not None and session_molecules:
    st.selectbox(
        f"Molecules in “{current.title}”",
        list(session_molecules),
        index=None,
        placeholder="Pick a molecule saved in the open research session",
        key="syn_pick",
        on_change=_pick_from_session,
    )
editor.structure_input("syn_draw", into="syn_target", label="Draw the target")

with st.form("syn_form", border=False):
    col_text, col_go = st.columns([5, 1], vertical_alignment="bottom")
    target = col_text.text_input(
        "Target: SMILES, chemical name or InChI",
        key="syn_target",
        placeholder="e.g. CC(=O)Nc1ccc(OCc2ccccc2)cc1 or N-[4-(benzyloxy)phenyl]acetamide",
    )
    submitted = col_go.form_submit_button("Search", type="primary", icon=":material/account_tree:", width="stretch")
    c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1.3, 1.4], vertical_alignment="bottom")
    time_limit = c1.number_input("Time limit (s)", min_value=1, max_value=600, value=30, step=5)
    max_depth = c2.number_input("Max depth (steps)", min_value=1, max_value=10, value=6)
    max_routes = c3.number_input("Routes", min_value=1, max_value=20, value=5)
    algorithm = c4.selectbox(
        "Algorithm",
        list(synthesis.ALGORITHMS),
        help="best-first: Retro*-style, cheapest partial route first. breadth-first: fewest steps first (baseline).",
    )
    use_zinc = c5.checkbox(
        "Also ZINC in-stock",
        help="Count molecules that molbloom's ZINC20 in-stock filter recognises (probabilistic: a 'yes' can be "
        "a false positive, and such leaves are labelled).",
    )
    stop_at_stock = st.checkbox(
        "Stop when the target is in stock",
        help="By default a target that can be bought still gets routes from other building blocks (it is never "
        "its own starting material). Tick this to only say that it is in stock.",
    )

if submitted:
    running: ui.SearchJob | None = st.session_state.get("syn_job")
    if running is not None and not running.done:
        running.stop()
    options = ui.SearchOptions(float(time_limit), int(max_depth), int(max_routes), algorithm, use_zinc, stop_at_stock)
    st.session_state["syn_job"] = ui.SearchJob(target, options).start()
    st.session_state.pop("syn_outcome", None)


@st.fragment(run_every=0.5)
def live_search() -> None:
    """The search in progress, refreshed on its own; on completion the whole page reruns to show the result."""
    job: ui.SearchJob | None = st.session_state.get("syn_job")
    if job is None:
        return
    if job.done:
        del st.session_state["syn_job"]
        st.session_state["syn_outcome"] = job.outcome()
        st.rerun()
    with st.container(border=True):
        ui.progress_view(job)
        if job.stop_requested.is_set():
            st.caption("Stopping after the current expansion…")
        elif st.button("Stop", icon=":material/stop_circle:", key="syn_stop"):
            job.stop()
            st.rerun(scope="fragment")


if st.session_state.get("syn_job") is not None:
    live_search()

# --- results --------------------------------------------------------------------------------------------------

outcome: ui.Outcome | None = st.session_state.get("syn_outcome")
if outcome is None and st.session_state.get("syn_job") is None:
    st.info("Enter a target above and press **Search** to plan routes to building blocks in stock.")
elif outcome is not None and outcome.error:
    st.error(ui.escape(outcome.error), icon=":material/error:")  # issue 18: SMILES shown as typed
elif outcome is not None and outcome.refusal:
    ui.refusal_view(outcome.refusal)
elif outcome is not None and outcome.result is not None:
    data = outcome.result
    routes = data.routes
    col_pic, col_head = st.columns([1, 3], gap="large")
    with col_pic, reported("Drawing the target"):
        show_svg(molecules.svg(data.target, size=260))
    with col_head:
        st.subheader(data.input or data.target)
        st.caption(f"read as {data.read_as or 'SMILES'}" + ("" if data.input == data.target else f" · `{data.target}`"))
        if data.target_in_stock:
            if data.stopped_at_stock:
                st.success(
                    f"**Already in stock** ({data.target_stock}): nothing to plan.", icon=":material/inventory_2:"
                )
            else:
                st.info(
                    f"**Also purchasable:** the target is in stock ({data.target_stock}). The routes below make it "
                    "from other building blocks; the target itself is excluded as a starting material.",
                    icon=":material/inventory_2:",
                )
        if data.stopped_at_stock:
            st.caption("Untick “Stop when the target is in stock” to plan routes to it from other building blocks.")
        elif data.solved:
            n_solved = sum(1 for r in routes if r.solved)
            st.success(
                f"**Solved:** {n_solved} route(s) down to stock, first after {data.first_route_s or 0:.1f} s.",
                icon=":material/check_circle:",
            )
        elif data.target_in_stock:  # the message repeats the in-stock note shown above
            st.warning(
                f"**Not solved.** No route from other building blocks was found ({data.stop_reason}).",
                icon=":material/warning:",
            )
        else:
            st.warning(f"**Not solved.** {data.message}", icon=":material/warning:")
        st.caption(
            f"{data.algorithm} search with the {data.model} model · {data.iterations} iterations "
            f"· {data.expansions} molecules expanded · {data.elapsed_s or 0:.1f} s · stopped: {data.stop_reason}"
        )
        if current is None:
            st.caption("Open a research session on the Sessions page to save these routes to it.")
        elif not current.can_edit:
            st.caption(f"“{current.title}” is shared with you read-only: routes cannot be added to it.")
        elif routes and st.button(f"Add to session “{current.title}”", icon=":material/bookmark_add:", key="syn_add"):
            with reported("Saving the routes"):
                ui.save_routes(account, current.id, data)
                st.success(f"Added {len(routes)} route(s) to “{current.title}”.", icon=":material/check:")

    if routes:
        st.dataframe(ui.summary_table(data), hide_index=True, width="stretch")
        st.caption(
            "Routes are alternatives, best score first; steps run from starting materials to the target. "
            "Each step lists its precedents and, on request, the other disconnections the model proposes."
        )
        for i, route in enumerate(routes, 1):
            label = f"{'Route' if route.solved else 'Partial route'} {i} · {ui.escape(artifacts.route_summary(route))}"
            icon = ":material/check_circle:" if route.solved else ":material/pending:"
            with st.expander(label, expanded=i == 1, icon=icon):
                ui.exports(data, route, i)
                ui.route_view(data, route, key=f"syn_r{i}")

# --- lab inventory --------------------------------------------------------------------------------------------

st.divider()
st.subheader("Lab inventory")
st.caption(
    f"Your lab's own building blocks count as in stock on top of the USPTO-50k stock. The inventory holds "
    f"{synthesis.inventory_count():,} molecule(s). Upload a CSV with a `smiles` column and optionally `name`."
)
with st.form("syn_inventory", clear_on_submit=True, border=False):
    upload = st.file_uploader("Inventory CSV", type=["csv"], key="syn_inventory_file")
    if st.form_submit_button("Add to inventory", icon=":material/inventory_2:"):
        if upload is None:
            st.error("Choose a CSV file first.", icon=":material/error:")
        else:
            try:
                report = synthesis.add_inventory(upload.getvalue())
            except ChemassistError as exc:
                st.error(f"{upload.name}: {exc}", icon=":material/error:")
            else:
                st.session_state["syn_inventory_flash"] = (report.added, report.skipped, upload.name)
                st.rerun()
if flash := st.session_state.pop("syn_inventory_flash", None):
    added, skipped, name = flash
    st.success(f"Added {added} molecule(s) from {name} to the lab inventory.", icon=":material/check:")
    if skipped:
        shown = ", ".join(f"`{s}`" if s else "(empty)" for s in skipped[:10])
        st.warning(f"Skipped {len(skipped)} row(s) whose SMILES could not be read: {shown}", icon=":material/warning:")
