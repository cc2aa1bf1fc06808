"""Molecules workbench: one structure in depth (identifiers, descriptors, filters, alerts, safety, 3D), searches
over a list, and batch analysis of uploaded files, with results saved to the open research session."""

import pandas as pd
import streamlit as st

from app.services import molecules, sessions
from app.ui import auth, editor, state
from app.ui import molecules as ui
from app.ui import text as mdtext  # `text` is this page's input

account = auth.require_account()
st.title("Molecules")

EXAMPLES = ["aspirin", "caffeine", "2-acetyloxybenzoic acid", "*CC(*)c1ccccc1"]
EXAMPLE_SET = """CC(=O)Oc1ccccc1C(=O)O aspirin
OC(=O)c1ccccc1O salicylic acid
CC(=O)Nc1ccc(O)cc1 paracetamol
CC(C)Cc1ccc(cc1)C(C)C(=O)O ibuprofen
COc1ccc2cc(ccc2c1)C(C)C(=O)O naproxen
Cn1cnc2c1c(=O)n(C)c(=O)n2C caffeine
OC(=O)c1ccccc1Nc1c(Cl)cccc1Cl diclofenac-like
c1ccc2ccccc2c1 naphthalene
CCO ethanol
C1CC(C1 broken"""


def _score_label(mode: str, score: float) -> str:
    return f"Tanimoto {score}" if mode == "Similarity" else f"{score} match{'es' if score != 1 else ''}"


def _use_example() -> None:
    if choice := st.session_state.get("mol_example"):
        st.session_state["mol_text"] = choice
        st.session_state["mol_query"] = (
            choice,
            st.session_state.get("mol_std", False),
            st.session_state.get("mol_taut", False),
        )
    st.session_state["mol_example"] = None


with st.form("mol_input", border=False):
    col_text, col_go = st.columns([5, 1], vertical_alignment="bottom")
    text = col_text.text_input(
        "SMILES, InChI or chemical name",
        key="mol_text",
        placeholder="e.g. aspirin, 2-acetyloxybenzoic acid, CC(=O)Oc1ccccc1C(=O)O or *CC(*)c1ccccc1",
    )
    submitted = col_go.form_submit_button("Analyse", type="primary", icon=":material/science:", width="stretch")
    col_std, col_taut = st.columns(2)
    standardize = col_std.checkbox(
        "Standardize (cleanup, largest fragment, neutralize)", key="mol_std", help="RDKit rdMolStandardize"
    )
    tautomer = col_taut.checkbox("Canonical tautomer", key="mol_taut")
if submitted:
    st.session_state["mol_query"] = (text, standardize, tautomer)
st.pills(
    "Examples",
    EXAMPLES,
    key="mol_example",
    on_change=_use_example,
    format_func=lambda s: s.replace("*", "\\*"),  # labels are markdown
    label_visibility="collapsed",
)
editor.structure_input(
    "mol_draw",
    into="mol_text",
    action="Analyse this structure",
    on_use=lambda smiles: st.session_state.update(mol_query=(smiles, standardize, tautomer)),
)

with (
    st.expander("Paste a mol block (MDL V2000 or V3000)", icon=":material/draw:"),
    st.form("mol_block_input", border=False),
):
    block = st.text_area(
        "Mol block",
        key="mol_block",
        height=220,
        placeholder="Copy the structure as a MOL file from a drawing program (ChemDraw, Ketcher, MarvinSketch) "
        "and paste it here; the options above apply.",
    )
    if st.form_submit_button("Analyse mol block", icon=":material/science:", key="mol_block_go"):
        st.session_state["mol_query"] = (block, standardize, tautomer)

query = st.session_state.get("mol_query")
record = None
if query is not None:
    with ui.reported("Analysing the molecule"):
        record = ui.analyse(*query)

tab_main, tab_3d, tab_search, tab_batch = st.tabs(
    ["Structure & properties", "3D conformer", "Search", "Batch"], key="mol_tab", on_change="rerun"
)

with tab_main:
    if query is None:
        st.info("Enter a SMILES, InChI or name above (or pick an example) to see its structure and properties.")
    elif record is not None:
        if record.safety.flagged:
            ui.safety(record)
        col_structure, col_ids = st.columns([2, 3], gap="large")
        with col_structure:
            picture = st.empty()
            choices = ui.highlight_choices(record)
            chosen = st.selectbox(
                "Highlight matched atoms",
                list(choices),
                key=f"mol_highlight_{record.inchikey}",
                disabled=len(choices) == 1,
            )
            with picture.container(), ui.reported("Drawing the structure"):
                ui.show_svg(ui.depict(query[0], query[1], query[2], choices.get(chosen, ())))
        with col_ids:
            ui.identifiers(record)

        current = state.current_session(account)
        if current is None:
            st.info("Open a research session on the Sessions page to save molecules to it.", icon=":material/info:")
        elif not current.can_edit:
            st.caption(
                f"“{mdtext.escape(current.title)}” is shared with you read-only: molecules cannot be added to it."
            )
        elif st.button(
            f"Add to session “{mdtext.escape(current.title)}”", icon=":material/bookmark_add:", key="mol_add"
        ):
            with ui.reported("Saving the molecule"):
                payload = molecules.artifact_payload(record, svg=ui.depict(query[0], query[1], query[2], ()))
                title = record.title
                sessions.add_artifact(account, current.id, "molecule", payload, title=title)
                st.success(
                    f"Added {mdtext.escape(title)} to “{mdtext.escape(current.title)}”.", icon=":material/check:"
                )

        col_desc, col_rules = st.columns([11, 9], gap="large")
        with col_desc:
            st.subheader("Descriptors")
            ui.descriptor_table(record)
        with col_rules:
            st.subheader("Rule filters")
            ui.rule_filters(record)
            st.subheader("Structural alerts")
            ui.alerts(record)
            st.subheader("Safety screen")
            ui.safety(record, brief=True)

with tab_3d:
    if record is None:
        st.info("Analyse a molecule first: its 3D conformer appears here.")
    elif tab_3d.open is not False:
        conf = None
        with ui.reported("The 3D conformer"):
            conf = ui.conformer(record.capped_smiles or record.canonical_smiles)
        if conf is not None:
            hydrogens = st.toggle("Show hydrogens", value=True, key="mol_3d_h")
            st.plotly_chart(ui.conformer_figure(conf, show_hydrogens=hydrogens), config={"displaylogo": False})
            energy = f"{conf['energy']:.2f} kcal/mol" if conf["energy"] is not None else "no force-field energy"
            st.caption(
                f"One conformer: ETKDG v3 embedding (seed 42), optimised with {conf['force_field']} "
                f"({energy}, {'converged' if conf['converged'] else 'not converged'}). Drag to rotate, scroll to zoom. "
                f"Provenance: {conf['provenance']}."
            )
            st.download_button(
                "Download 3D mol block",
                conf["molblock"],
                file_name=f"{record.inchikey or 'molecule'}_3d.mol",
                mime="chemical/x-mdl-molfile",
                icon=":material/download:",
            )

with tab_search:
    batch = st.session_state.get("mol_batch")
    sources = ["Pasted list"] + ([f"Batch: {batch['label']}"] if batch else [])
    source = st.radio("Search in", sources, horizontal=True, key="mol_search_source")
    if source == "Pasted list" or not batch:
        col_list, col_example = st.columns([5, 1], vertical_alignment="bottom")
        col_example.button(
            "Example set", key="mol_example_set", on_click=lambda: st.session_state.update(mol_search_list=EXAMPLE_SET)
        )
        pool_smiles, pool_names = ui.parse_smiles_list(
            col_list.text_area("SMILES, one per line, optionally followed by a name", key="mol_search_list", height=160)
        )
    else:
        good = [r for r in batch["rows"] if not r.get("error")]
        pool_smiles = [r["canonical_smiles"] for r in good]
        pool_names = [str(r.get("name") or f"row {r['row']}") for r in good]
    mode = st.segmented_control(
        "Search by", ["Similarity", "Substructure"], default="Similarity", key="mol_search_mode"
    )
    with st.form("mol_search", border=False):
        if mode == "Substructure":
            col_q, col_go = st.columns([5, 1], vertical_alignment="bottom")
            pattern = col_q.text_input("SMARTS or SMILES pattern", placeholder="e.g. c1ccccc1C(=O)[OH]")
        else:
            col_q, col_k, col_fp, col_go = st.columns([3, 1, 1.4, 1], vertical_alignment="bottom")
            default_query = record.canonical_smiles if record else ""
            pattern = col_q.text_input("Query molecule (SMILES or name)", value=default_query)
            k = col_k.number_input("Top k", min_value=1, max_value=100, value=10)
            fp = col_fp.selectbox("Fingerprint", ["morgan", "feature_morgan", "morgan_count", "feature_morgan_count"])
        searched = col_go.form_submit_button("Search", type="primary", icon=":material/search:", width="stretch")
    if searched:
        st.session_state.pop("mol_search_result", None)
        st.session_state.pop("mol_mcs", None)
        if not pool_smiles:
            st.warning("The list to search is empty: paste SMILES above or analyse a batch file.")
        else:
            with ui.reported("The search"):
                if mode == "Substructure":
                    hits = molecules.substructure(pattern, pool_smiles)
                    result = [{"index": h["index"], "matches": h["matches"], "score": len(h["matches"])} for h in hits]
                else:
                    result = [
                        {"index": h["index"], "matches": [], "score": round(h["similarity"], 3)}
                        for h in molecules.similar(pattern, pool_smiles, k=int(k), kind=fp)
                    ]
                skipped = [pool_names[i] for i in molecules.unreadable(pool_smiles)] if source == "Pasted list" else []
                st.session_state["mol_search_result"] = {
                    "mode": mode, "query": pattern, "smiles": pool_smiles, "names": pool_names, "hits": result,
                    "skipped": skipped,
                }  # fmt: skip
    found = st.session_state.get("mol_search_result")
    if found:
        hits = found["hits"]
        st.markdown(f"**{len(hits)} hit(s)** for {mdtext.code(found['query'])} among {len(found['smiles'])} molecules")
        if found["skipped"]:
            st.warning(
                f"{len(found['skipped'])} line(s) are not valid SMILES and were skipped: "
                + ", ".join(found["skipped"][:20])
                + (" …" if len(found["skipped"]) > 20 else "")
            )
        if hits:
            shown = hits[:48]
            score = "Tanimoto" if found["mode"] == "Similarity" else "matches"
            table = pd.DataFrame(
                [
                    {"name": found["names"][h["index"]], "SMILES": found["smiles"][h["index"]], score: h["score"]}
                    for h in hits
                ]
            )
            picked = st.dataframe(
                table, hide_index=True, on_select="rerun", selection_mode="multi-row", key="mol_search_table"
            )
            rows = list(picked.selection.rows) if picked else []
            selection = [hits[i] for i in rows] or shown
            mcs = st.session_state.get("mol_mcs")
            if st.button(
                "Maximum common substructure",
                icon=":material/join_inner:",
                disabled=len(selection) < 2,
                help="Of the rows ticked in the table, or of all hits drawn below when none is ticked.",
            ):
                with ui.reported("The maximum common substructure"):
                    mcs = molecules.mcs([found["smiles"][h["index"]] for h in selection], timeout_s=10)
                    mcs["of"] = [h["index"] for h in selection]
                    st.session_state["mol_mcs"] = mcs
            mcs_atoms: dict[int, list[int]] = {}
            if mcs and set(mcs["of"]) <= {h["index"] for h in hits}:
                st.markdown(
                    f"**MCS** of {len(mcs['of'])} molecules: {mcs['num_atoms']} atoms, {mcs['num_bonds']} bonds"
                    + (" (stopped by the time limit: may not be maximal)" if mcs["timed_out"] else "")
                )
                st.code(mcs["smarts"], language=None, wrap_lines=True)
                if mcs["smarts"]:
                    with ui.reported("Highlighting the MCS"):
                        for m in molecules.substructure(mcs["smarts"], [found["smiles"][i] for i in mcs["of"]]):
                            mcs_atoms[mcs["of"][m["index"]]] = list(m["matches"][0])
            ui.structure_grid(
                [found["smiles"][h["index"]] for h in shown],
                [f"{found['names'][h['index']]} ({_score_label(found['mode'], h['score'])})" for h in shown],
                [mcs_atoms.get(h["index"]) or sorted({a for match in h["matches"] for a in match}) for h in shown],
            )
            if len(hits) > len(shown):
                st.caption(f"Structures of the first {len(shown)} hits are drawn; the table lists all.")

with tab_batch:
    st.caption(
        f"CSV/TSV with a SMILES column, SDF or SMILES files, up to {molecules.MAX_UPLOAD_BYTES // 2**20} MB and "
        f"{molecules.MAX_UPLOAD_ROWS:,} molecules. Broken rows are listed with their row number and skipped."
    )
    col_file, col_opts = st.columns([3, 2])
    upload = col_file.file_uploader(
        "Molecule file",
        type=["csv", "tsv", "sdf", "sd", "smi", "smiles", "txt"],
        key="mol_upload",
        max_upload_size=molecules.MAX_UPLOAD_BYTES // 2**20,
    )
    column = col_opts.text_input("SMILES column (CSV/TSV; blank = guess)", key="mol_batch_column")
    fast = col_opts.toggle(
        "Descriptors only (faster)", key="mol_fast", help="Skips InChIKeys, rule filters, alerts and the safety screen."
    )
    analyse = col_opts.button("Analyse file", type="primary", icon=":material/play_arrow:", disabled=upload is None)
    if analyse and upload is not None:
        bar = st.progress(0.0, text=f"Reading {upload.name}…")

        def _progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"Analysed {done:,} of {total:,} molecules")

        with ui.reported(f"Analysing {upload.name}"):
            analysis = molecules.analyse_upload(
                upload.getvalue(), upload.name, smiles_column=column.strip() or None, progress=_progress, fast=fast
            )
            st.session_state["mol_batch"] = {"label": upload.name, "rows": analysis.rows, "failures": analysis.failures}
            st.session_state.pop("mol_search_result", None)
            st.session_state.pop("mol_mcs", None)
        bar.empty()

    batch = st.session_state.get("mol_batch")
    if batch:
        frame = ui.batch_frame(batch["rows"])
        failures = batch["failures"]
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Rows read", f"{len(batch['rows']):,}")
        c2.metric("Analysed", f"{len(frame):,}")
        c3.metric("Failed", f"{len(failures):,}")
        c4.metric("Safety flagged", f"{int(frame['safety_flagged'].sum()) if 'safety_flagged' in frame else 0:,}")
        if failures:
            with st.expander(f"{len(failures)} row(s) could not be read and were skipped", icon=":material/warning:"):
                listed = "\n".join(failures[:500]) + ("\n…" if len(failures) > 500 else "")
                st.code(listed, language=None, wrap_lines=True)
        if not frame.empty:
            col_filter, col_lip, col_alerts, col_pics = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
            needle = col_filter.text_input("Filter by name, SMILES or InChIKey", key="mol_batch_filter")
            lipinski_only = col_lip.toggle("Lipinski pass", key="mol_batch_lip", disabled="lipinski_pass" not in frame)
            no_alerts = col_alerts.toggle("No alerts", key="mol_batch_noalerts", disabled="alerts" not in frame)
            pictures = col_pics.toggle("Structures", key="mol_batch_pics", help="Draws up to 500 rows")
            view = frame
            if needle:
                text_cols = [c for c in ("name", "canonical_smiles", "inchikey", "input") if c in view]
                hay = view[text_cols].astype(str).agg(" ".join, axis=1)
                view = view[hay.str.contains(needle, case=False, regex=False)]
            if lipinski_only and "lipinski_pass" in view:
                view = view[view["lipinski_pass"].astype(bool)]
            if no_alerts and "alerts" in view:
                view = view[view["alerts"].fillna("") == ""]
            if pictures:
                view = view.head(500).copy()
                view.insert(0, "structure", molecules.thumbnails(view["canonical_smiles"].tolist()))
            st.dataframe(
                view,
                hide_index=True,
                column_config=ui.BATCH_COLUMNS,
                column_order=ui.batch_column_order(view),
                row_height=70 if pictures else None,
            )
            stem = batch["label"].rsplit(".", 1)[0]
            full = view.drop(columns=["structure"], errors="ignore")
            downloads = st.container(horizontal=True)
            downloads.download_button(
                f"CSV ({len(full):,} rows)", full.to_csv(index=False), file_name=f"{stem}_analysed.csv",
                mime="text/csv", icon=":material/download:",
            )  # fmt: skip
            downloads.download_button(
                f"SDF ({len(full):,} molecules)", lambda: molecules.to_sdf(full.to_dict("records")),
                file_name=f"{stem}_analysed.sdf", mime="chemical/x-mdl-sdfile", icon=":material/download:",
            )  # fmt: skip
            st.caption(
                "Sort by clicking a column header. The table shows the filtered rows; downloads hold the same rows. "
                "Values computed by RDKit; search this set in the Search tab."
            )
