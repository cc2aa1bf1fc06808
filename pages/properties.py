"""Properties: predict with 90% intervals and applicability-domain flags, screen candidates by property windows
(the "design a polymer with Tg > 250 °C" demo), and read each model's card with its parity plots."""

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from app.services import properties, sessions
from app.services.jobs import Job
from app.ui import auth, editor, jobs, state
from app.ui import properties as ui
from app.ui import text as mdtext  # `text` is this page's input
from app.ui.errors import reported

account = auth.require_account()
st.title("Properties")
st.caption(
    "Predictions from trained models, each with a calibrated 90% interval, an applicability-domain check "
    "(similarity to the training set, elements, size) and its model's test error. Model cards tab: how each "
    "model was trained and tested."
)

CHOICES = properties.property_choices()
EXAMPLES = ["caffeine", "aspirin", "C[Se]C", "*CC(*)c1ccccc1"]
EXAMPLE_LIST = """Cn1cnc2c1c(=O)n(C)c(=O)n2C caffeine
CC(=O)Oc1ccccc1C(=O)O aspirin
CCO ethanol
C[Se]C dimethyl selenide
C1CC( broken"""
# Seeds from the Tg training data and the screening tests (not invented here).
SEEDS = {
    "polystyrene": "*CC(*)c1ccccc1",
    "BPDA-ODA polyimide": "[*]N1C(=O)c2ccc(cc2C1=O)-c1ccc2C(=O)N(C(=O)c2c1)c1ccc(cc1)Oc1ccc(cc1)[*]",
    "PET": "[*]CCOC(=O)C1=CC=C(C=C1)C(=O)O[*]",
}
AUTO_RANK = "the first window's property"
PREDICT_JOB, SCREEN_JOB = "properties.predict", "properties.screen"  # keys in this browser session's job registry
TABLE_PICTURES = 300  # thumbnails for the first rows only: drawing 10k structures would stall the page


def _use_example() -> None:
    if choice := st.session_state.get("prop_example"):
        st.session_state["prop_text"] = choice
    st.session_state["prop_example"] = None


def _use_seed() -> None:
    if choice := st.session_state.get("prop_seed_example"):
        st.session_state["prop_seed"] = SEEDS[choice]
    st.session_state["prop_seed_example"] = None


def _read_candidates(source: str, text: str, upload: UploadedFile | None) -> list[str]:
    if source == "A file":
        if upload is None:
            st.warning("Choose a file first.", icon=":material/upload_file:")
            return []
        return properties.smiles_from_upload(upload.getvalue(), upload.name)
    if not text.strip():
        st.warning("Paste at least one SMILES.", icon=":material/edit_note:")
        return []
    return properties.smiles_from_text(text)


def _prediction_job(smiles: list[str], labels: list[str], chosen: list[str]) -> Job[list[properties.Prediction]]:
    """Predict in the background, reporting each chunk of structures; rows carry the label the chemist gave."""

    def work(job: Job[list[properties.Prediction]]) -> list[properties.Prediction]:
        predicted = properties.predict_many(smiles, chosen or None, progress=lambda done, _, __: job.progress(done))
        names = dict(zip(smiles, labels, strict=True))  # duplicates keep their last label
        for p in predicted:
            p.input = names.get(p.smiles, p.smiles)
        return predicted

    return Job(work, name="property prediction", total=len(smiles))


def _screen_job(
    lines: list[str],
    windows: dict[str, list[float | None]],
    candidates: list[str],
    seed: str | None,
    rank_by: str | None,
    conservative: bool,
) -> Job[dict]:
    """Screen in the background, reporting the candidates predicted so far; the result is what the page keeps:
    the ScreenResult ("payload"), the windows as written and whether the screen was conservative."""

    def work(job: Job[dict]) -> dict:
        rows = properties.screen(  # the bar counts candidates; the tool's own message would say it twice
            lines,
            candidates=candidates,
            rank_by=rank_by,
            conservative=conservative,
            progress=lambda d, _, __: job.progress(d),
        )
        payload = properties.screen_payload(rows, windows, seed=seed)
        return {"payload": payload, "window_text": lines, "conservative": conservative}

    return Job(work, name="screen", total=len(candidates))


def _add_to_session(
    label: str, kind_title: str, result: properties.PredictionResult | properties.ScreenResult, key: str
) -> None:
    current = state.current_session(account)
    if current is None:
        st.caption("Open a research session on the Sessions page to save results to it.")
    elif not current.can_edit:
        st.caption(f"“{mdtext.escape(current.title)}” is shared with you read-only: results cannot be added to it.")
    elif st.button(f"Add to session “{mdtext.escape(current.title)}”", icon=":material/bookmark_add:", key=key):
        with reported("Saving to the session"):
            sessions.add_artifact(account, current.id, "table", properties.artifact_payload(result), title=kind_title)
            st.success(f"Added {mdtext.escape(label)} to “{mdtext.escape(current.title)}”.", icon=":material/check:")


ui.unit_picker()  # above the tabs: one choice of units for predictions, screens and their drawings
tab_predict, tab_screen, tab_cards = st.tabs(["Predict", "Screen", "Model cards"], key="prop_tab", on_change="rerun")

with tab_predict:
    source = st.segmented_control(
        "Input", ["One structure", "A list", "A file"], default="One structure", key="prop_source"
    )
    source = source or "One structure"
    if source == "One structure":
        st.pills(
            "Examples",
            EXAMPLES,
            key="prop_example",
            on_change=_use_example,
            label_visibility="collapsed",
            format_func=lambda s: s.replace("*", r"\*"),  # pill labels are Markdown
        )
        editor.structure_input("prop_draw", into="prop_text")
    elif source == "A list":
        st.button(
            "Example list", key="prop_example_list", on_click=lambda: st.session_state.update(prop_list=EXAMPLE_LIST)
        )
    with st.form("prop_predict", border=False):
        text, upload = "", None
        if source == "One structure":
            text = st.text_input(
                "SMILES, InChI or chemical name",
                key="prop_text",
                placeholder="e.g. caffeine, CCO, or *CC(*)c1ccccc1 for a polymer repeat unit",
            )
        elif source == "A list":
            text = st.text_area("SMILES, one per line (a name may follow)", key="prop_list", height=150)
        else:
            upload = st.file_uploader(
                "CSV with a smiles column, or one SMILES per line", type=["csv", "smi", "txt"], key="prop_upload"
            )
        chosen = st.multiselect(
            "Properties",
            list(CHOICES),
            format_func=CHOICES.__getitem__,
            key="prop_props",
            placeholder="Automatic: solubility, hydration free energy and logD for molecules; Tg for polymers",
        )
        submitted = st.form_submit_button("Predict", type="primary", icon=":material/monitoring:")

    if submitted:
        with reported("The prediction"):
            if source == "One structure":
                smiles = [properties.resolve_structure(text)]
                labels = [text.strip()]
            else:
                smiles = _read_candidates(source, text, upload)
                labels = ui.list_labels(text, smiles) if source == "A list" else smiles
            if smiles:
                jobs.registry().start(PREDICT_JOB, _prediction_job(smiles, labels, chosen))
    if (predicting := jobs.registry().get(PREDICT_JOB)) is not None:  # also after a rerun during the prediction
        jobs.follow(predicting, "Predicting", key="prop_predict_job", noun="structures")
        jobs.registry().pop(PREDICT_JOB)
        if predicting.state == "done":
            st.session_state["prop_result"] = predicting.result
        elif message := jobs.outcome_message(predicting, "The prediction", "structures"):
            (st.warning if predicting.state == "cancelled" else st.error)(mdtext.escape(message))

    predictions = st.session_state.get("prop_result")
    if not predictions:
        st.info(
            "Enter a structure (or pick an example) and press Predict. Polymer repeat units are written with two "
            "`*` attachment points.",
            icon=":material/info:",
        )
    else:
        failed = [p for p in predictions if p.error]
        outside = [p for p in predictions if p.in_domain is False]
        molecules_seen = list(dict.fromkeys(p.smiles for p in predictions))
        st.markdown(
            f"**{len(molecules_seen)} structure(s)**, {len(predictions) - len(failed)} prediction(s)"
            + (f", **{len(outside)} out of domain**" if outside else "")
            + (f", {len(failed)} failed" if failed else "")
        )
        if failed:
            st.error(
                "No prediction for:\n\n" + "\n".join(f"- `{p.input}`: {p.error}" for p in failed[:10]),
                icon=":material/error:",
            )
        if outside:
            st.warning(
                "Outside the model's applicability domain (amber rows): the value is given, but trust it less.\n\n"
                + "\n".join(f"- `{p.input}` {p.property}: {'; '.join(p.domain_notes)}" for p in outside[:10])
                + (f"\n- … and {len(outside) - 10} more" if len(outside) > 10 else ""),
                icon=":material/warning:",
            )
        table = ui.prediction_table(predictions)
        st.dataframe(ui.styled(table), hide_index=True, column_config=ui.PREDICTION_COLUMNS)
        st.download_button(
            f"CSV ({len(table)} rows)",
            table.to_csv(index=False),
            file_name="predictions.csv",
            mime="text/csv",
            icon=":material/download:",
        )

        good = [s for s in molecules_seen if any(p.smiles == s and not p.error for p in predictions)]
        if good:
            st.subheader("Details")
            label_of = {p.smiles: p.input for p in predictions}
            shown = good[0]
            if len(good) > 1:
                shown = st.selectbox("Structure", good, format_func=lambda s: label_of.get(s, s), key="prop_detail")
            mine = [p for p in predictions if p.smiles == shown]
            col_structure, col_cards = st.columns([1, 2], gap="large")
            with col_structure:
                ui.structure(shown)
                st.code(shown, language=None)
                predicted = properties.prediction_result(label_of.get(shown, shown), shown, mine)
                _add_to_session(
                    f"the predictions for {predicted.query}", predicted.title, predicted, key="prop_add_prediction"
                )
            with col_cards:
                for p in mine:
                    ui.prediction_card(p)

with tab_screen:
    mode = st.segmented_control(
        "Candidates", ["Analogs of a seed", "A list", "A file"], default="Analogs of a seed", key="prop_screen_mode"
    )
    mode = mode or "Analogs of a seed"
    candidates_text, candidates_upload = "", None
    if mode == "Analogs of a seed":
        st.pills("Example seeds", list(SEEDS), key="prop_seed_example", on_change=_use_seed)
        col_seed, col_n = st.columns([3, 1], vertical_alignment="bottom")
        seed = col_seed.text_input(
            "Seed structure (SMILES; a polymer repeat unit has two *)",
            key="prop_seed",
            placeholder="e.g. *CC(*)c1ccccc1",
            help="Analogs: H → F, Cl, CH3, OH, OCH3, CF3, NH2 on one aromatic CH, or one aromatic substituent "
            "swapped for another.",
        )
        max_analogs = col_n.number_input("Most analogs", 1, 300, 40, key="prop_max_analogs")
    elif mode == "A list":
        candidates_text = st.text_area("Candidate SMILES, one per line", key="prop_candidates", height=150)
    else:
        candidates_upload = st.file_uploader(
            "CSV with a smiles column, or one SMILES per line", type=["csv", "smi", "txt"], key="prop_candidates_file"
        )
    col_windows, col_options = st.columns([1, 1], gap="large")
    windows_text = col_windows.text_area(
        "Property windows, one per line",
        value="Tg > 250 °C",
        key="prop_windows",
        height=110,
        help="e.g. Tg > 250 °C, Tg < 700 K, logS > -4, logD < 3, hydration > -5 kcal/mol. Temperatures in °C, K "
        "or °F; other properties in the model's unit.",
    )
    rank_by = col_options.selectbox(
        "Rank by", [AUTO_RANK, *CHOICES], format_func=lambda n: CHOICES.get(n, n), key="prop_rank_by"
    )
    conservative = col_options.toggle(
        "Conservative (the whole 90% interval inside the window)",
        key="prop_conservative",
        help="Off: the predicted value must lie in the window. On: the whole 90% interval must.",
    )
    if st.button("Screen", type="primary", icon=":material/filter_alt:", key="prop_screen_go"):
        with reported("The screen"):
            lines = [line.strip() for line in windows_text.splitlines() if line.strip()]
            windows = properties.parse_windows(lines)
            seed_text = None
            if mode == "Analogs of a seed":
                seed_text = properties.resolve_structure(seed)
                candidates = properties.analogs(seed_text, int(max_analogs))
                found = f"Enumerated {len(candidates) - 1} analog(s) of the seed."
            else:
                candidates = _read_candidates(mode, candidates_text, candidates_upload)
                found = f"Read {len(candidates):,} candidate(s)."
            if candidates:
                ranked_by = None if rank_by == AUTO_RANK else rank_by
                job = _screen_job(lines, windows, candidates, seed_text, ranked_by, conservative)
                jobs.registry().start(SCREEN_JOB, job)
                st.session_state["prop_screen_found"] = found
    if (screening := jobs.registry().get(SCREEN_JOB)) is not None:  # also after a rerun during the screen
        jobs.follow(screening, "Screening", key="prop_screen_job", noun="candidates")
        jobs.registry().pop(SCREEN_JOB)
        if screening.state == "done" and screening.result is not None:
            st.session_state["prop_screen"] = screening.result
            rows = screening.result["payload"].rows
            with st.status(
                f"Screened {len(rows):,} candidates in {screening.snapshot().elapsed_s:.1f} s: "
                f"{sum(r.passes for r in rows)} pass",
                state="complete",
                expanded=False,
            ):
                st.write(st.session_state.pop("prop_screen_found", ""))
        elif message := jobs.outcome_message(screening, "The screen", "candidates"):
            (st.warning if screening.state == "cancelled" else st.error)(mdtext.escape(message))

    result = st.session_state.get("prop_screen")
    if result is None:
        st.info(
            "Pick an example seed (or paste candidates), write the windows and press Screen. Example: the "
            "polyimide seed with Tg > 250 °C.",
            icon=":material/info:",
        )
    else:
        payload: properties.ScreenResult = result["payload"]
        rows = payload.rows
        passing = [r for r in rows if r.passes]
        trusted = [r for r in passing if r.all_in_domain]
        c1, c2, c3 = st.columns(3)
        c1.metric("candidates", len(rows))
        c2.metric("pass " + " and ".join(result["window_text"]), len(passing))
        c3.metric("pass, all in domain", len(trusted))
        st.caption(
            ("Conservative: the whole 90% interval had to lie in each window. " if result["conservative"] else "")
            + "Ranked: passing and in domain first, then passing out of domain (OOD), then failing; unreadable last."
        )
        top = [r for r in rows if not r.error][:8]
        if top:
            rank_prop = next(iter(top[0].predictions))
            bounds = payload.windows.get(rank_prop, ())
            legends = [ui.grid_legend(r, rank_prop, bounds) for r in top]
            with reported("Drawing the top candidates"):
                ui.structure_grid([r.smiles for r in top], legends)
        table = ui.screen_table(rows[:TABLE_PICTURES], payload.seed_smiles, windows=payload.windows)
        st.dataframe(
            ui.styled(table),
            hide_index=True,
            column_config=ui.screen_columns(table),
            row_height=70,
            height=min(720, 38 + 70 * len(table)),
        )
        if len(rows) > TABLE_PICTURES:
            st.caption(f"The first {TABLE_PICTURES} of {len(rows):,} rows; the CSV has all of them.")
        st.caption(payload.provenance + ". Green: passes; amber: out of the applicability domain; red: unreadable.")
        col_csv, col_add = st.columns([1, 4])
        col_csv.download_button(
            f"CSV ({len(rows)} rows)",
            ui.screen_table(rows, payload.seed_smiles, pictures=False, windows=payload.windows).to_csv(index=False),
            file_name="screen.csv",
            mime="text/csv",
            icon=":material/download:",
        )
        with col_add:
            title = payload.title if payload.seed else "Screened candidates"
            _add_to_session(
                "the screening table", title + ": " + "; ".join(result["window_text"]), payload, "prop_add_screen"
            )

with tab_cards:
    if tab_cards.open is not False:
        with reported("The model cards"):
            cards = properties.model_cards()
            st.dataframe(
                [
                    {
                        "property": c["label"],
                        "RMSE random split (3 seeds, mean)": round(c["random_split"]["rmse"], 3),
                        "RMSE shipped model (random split, seed 0)": round(c["shipped_split"]["rmse"], 3),
                        "RMSE scaffold split": round(c["scaffold_split"]["rmse"], 3),
                        "unit": c["unit"],
                        "90% coverage": round(c["random_split"]["coverage_90_pooled"], 3),
                        "training rows": c["data"]["n"],
                        "model": c["model"]["name"],
                        "license": c["data"]["license"],
                    }
                    for c in cards
                ],
                hide_index=True,
            )
            card_labels = {c["property"]: c["label"] for c in cards}
            name = st.selectbox("Model card", list(card_labels), format_func=card_labels.__getitem__, key="prop_card")
            card = properties.model_card(name or cards[0]["property"])  # a selectbox with options always has one
            unit = card["unit"]
            st.subheader(card["label"])
            st.markdown(
                f"- **Model** `{card['model']['name']}`: {card['model']['regressor']} on {card['model']['features']}\n"
                f"- **Data** {card['data']['n']} rows from {card['data']['source']}\n"
                f"- **License** {card['data']['license']}\n"
                f"- **Cite** {card['data']['citation']}\n"
                f"- **Trained on** {card['model']['trained_on']}\n"
                f"- **Uncertainty** {card['uncertainty']['method']}\n"
                f"- **Applicability domain** {card['domain']['rule']}; similarity threshold "
                f"{card['domain']['similarity_threshold']}"
            )
            st.markdown(f"**Held-out test metrics** ({unit})")
            st.dataframe(
                ui.metrics_table(card),
                hide_index=True,
                column_config={
                    c: st.column_config.NumberColumn(format="%.3f")
                    for c in ("RMSE", "MAE", "R²", "90% coverage", "mean interval width", "train-mean RMSE")
                },
            )
            st.markdown(f"**Published baselines** (random-split test RMSE, {unit})")
            baselines = ui.baselines_table(card)
            if not card["published_baselines"]:
                st.caption("No published baseline for this data set; reference points that were not held out:")
            if len(baselines):
                st.dataframe(
                    baselines,
                    hide_index=True,
                    column_config={
                        c: st.column_config.NumberColumn(format="%.3f")
                        for c in ("published RMSE", "ours (random, 3 seeds)")
                    },
                )
            col_parity, col_similarity = st.columns(2, gap="large")
            with col_parity:
                st.markdown("**Parity plot** (held-out test molecules)")
                splits = {"random split (seed 0)": "random_seed0", "scaffold split": "scaffold"}
                split = st.radio("Test set", list(splits), horizontal=True, key="prop_parity_split")
                bars = st.toggle("Show 90% intervals", key="prop_parity_bars")
                points = card["test_predictions"][splits[split]]
                st.plotly_chart(ui.parity_figure(points, unit, intervals=bars), config={"displaylogo": False})
            with col_similarity:
                st.markdown("**Error vs similarity to the training set**")
                st.caption("Test RMSE per band of max Tanimoto similarity: why low-similarity predictions are flagged.")
                figure = ui.error_by_similarity_figure(
                    {
                        "random split (3 seeds)": card["random_split"]["error_by_similarity"],
                        "scaffold split": card["scaffold_split"]["error_by_similarity"],
                    },
                    unit,
                )
                st.plotly_chart(figure, config={"displaylogo": False})
            with st.expander("Full model card"):
                st.markdown(card["markdown"])
            col_md, col_json, _ = st.columns([1, 1, 6])
            col_md.download_button(
                "card.md", card["markdown"], file_name=f"{name}_card.md", mime="text/markdown", key="prop_card_md"
            )
            shipped = {k: v for k, v in card.items() if k != "markdown"}
            col_json.download_button(
                "card.json",
                ui.to_json(shipped),
                file_name=f"{name}_card.json",
                mime="application/json",
                key="prop_card_json",
            )
