"""Widgets of the Properties page: prediction and screening tables, per-molecule detail, model-card plots."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import tools.chem as chem
from app.services import molecules
from app.ui.molecules import show_svg
from tools.chem import quantities as q
from tools.results import Prediction, ScreenRow

KELVIN_OFFSET = q.KELVIN_OFFSET
TEMPERATURE_KEY, SOLUBILITY_KEY = "unit_temperature", "unit_solubility"
RMSE_SPLIT = "test RMSE, shipped model (random split, seed 0)"
OUT_OF_DOMAIN = "#FFF3CD"  # amber: a prediction to treat with caution
FAILED = "#F8D7DA"  # red: no prediction (bad input)
PASSING = "#D1E7DD"  # green: a candidate inside every window


def list_labels(text: str, smiles: Sequence[str]) -> list[str]:
    """A name for each SMILES of a pasted 'SMILES name' list (the SMILES itself where no name follows)."""
    names: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) == 2 and not parts[0].startswith("#"):
            names.setdefault(parts[0], parts[1])
    return [names.get(s, s) for s in smiles]


def fmt(value: float | None, unit: str | None = None) -> str:
    """A value the way a chemist reads it: 3 significant figures, Tg (K) also in °C."""
    if value is None:
        return "n/a"
    if unit == "K":
        return q.format_predicted("tg", value, q.Units("K"))
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text} {unit}" if unit else text


def units() -> q.Units:
    """The units this chemist picked (session state), °C and logS until they pick others."""
    return q.Units(st.session_state.get(TEMPERATURE_KEY) or "°C", st.session_state.get(SOLUBILITY_KEY) or "logS")


def unit_picker() -> q.Units:
    """Two controls where chemists differ: Tg in °C or K, solubility as logS or mg/mL; kept in session state."""
    col_t, col_s, _ = st.columns([1, 1, 2])
    col_t.segmented_control("Temperatures in", list(q.TEMPERATURE_UNITS), default="°C", key=TEMPERATURE_KEY)
    col_s.segmented_control(
        "Solubility as",
        list(q.SOLUBILITY_UNITS),
        default="logS",
        key=SOLUBILITY_KEY,
        help="logS is log10 of the molar solubility (mol/L); mg/mL = 10^logS × molecular weight.",
    )
    return units()


@lru_cache(maxsize=4096)
def mol_weight(smiles: str) -> float | None:
    """Average molecular weight (g/mol) for mg/mL; None for a structure RDKit cannot read."""
    try:
        return float(chem.descriptors(chem.parse(smiles)).mol_weight)
    except Exception:  # no weight, no mg/mL: the logS value is still shown
        return None


def shown(
    p: Prediction, key: str = "value", u: q.Units | None = None, bounds: Sequence[float | None] = ()
) -> float | None:
    """One number of a prediction ('value', 'interval_low', 'interval_high') in the picked unit, rounded as it is
    written everywhere (None if absent)."""
    value, prop = getattr(p, key), p.property or ""
    if value is None:
        return None
    if prop not in q.PREDICTED:
        return value
    u = u or units()
    weight = mol_weight(p.smiles) if prop == "esol" and u.solubility == "mg/mL" else None
    if prop == "esol" and u.solubility == "mg/mL" and weight is None:
        u = q.Units(u.temperature, "logS")
    return q.convert(prop, value, u, weight, bounds)


def shown_unit(p: Prediction, u: q.Units | None = None) -> str:
    prop = p.property or ""
    if prop not in q.PREDICTED:
        return p.unit or ""
    u = u or units()
    if prop == "esol" and u.solubility == "mg/mL" and mol_weight(p.smiles) is None:
        u = q.Units(u.temperature, "logS")
    return q.unit_of(prop, u)


def text(p: Prediction, key: str = "value", other: bool = True, **kw: Any) -> str:
    """'120.0 °C (393.2 K)': a prediction's number in the picked unit, the other unit beside it."""
    prop = p.property or ""
    if prop not in q.PREDICTED:
        return fmt(getattr(p, key), p.unit)
    weight = mol_weight(p.smiles) if prop == "esol" else None
    return q.format_predicted(prop, getattr(p, key), units(), weight, other=other, **kw)


def rmse_text(p: Prediction) -> str:
    """The shipped model's test RMSE in the model's unit (a difference: the same in K and °C)."""
    if p.test_rmse is None:
        return ""
    unit = "log units" if p.property in {"esol", "lipophilicity"} else (p.unit or "")
    return f"{p.test_rmse:.3g} {unit}".strip()


def _domain(p: Prediction) -> str:
    if p.error:
        return "no prediction"
    if p.in_domain:
        return "✓ in domain"
    return "⚠ OUT OF DOMAIN: " + "; ".join(p.domain_notes)


def _nearest(p: Prediction) -> str:
    if not p.nearest_neighbours:
        return ""
    n = p.nearest_neighbours[0]
    similarity = f"{n.similarity:.2f}" if n.similarity is not None else "n/a"
    return f"{n.smiles} (similarity {similarity}, measured {fmt(n.measured_value)})"


def prediction_table(predictions: Sequence[Prediction]) -> pd.DataFrame:
    """One row per (molecule, property): value, 90% interval and unit as picked, domain flag, nearest neighbour,
    model and its test RMSE (shipped model, random split), error."""
    u = units()
    return pd.DataFrame(
        [
            {
                "molecule": p.input or p.smiles,
                "property": p.label or p.property or "",
                "predicted": shown(p, "value", u),
                "90% low": shown(p, "interval_low", u),
                "90% high": shown(p, "interval_high", u),
                "unit": shown_unit(p, u) if not p.error else "",
                "domain": _domain(p),
                "max similarity": p.max_similarity,
                "model": p.model or "",
                RMSE_SPLIT: rmse_text(p),
                "nearest training molecule": _nearest(p),
                "error": p.error or "",
            }
            for p in predictions
        ]
    )


PREDICTION_COLUMNS = {
    # values arrive rounded as they are written everywhere (quantities.convert): no second rounding here
    "predicted": st.column_config.NumberColumn("predicted", format="%g"),
    "90% low": st.column_config.NumberColumn("90% low", format="%g"),
    "90% high": st.column_config.NumberColumn("90% high", format="%g"),
    "max similarity": st.column_config.NumberColumn("max similarity", format="%.2f"),
    RMSE_SPLIT: st.column_config.TextColumn(
        RMSE_SPLIT,
        help="Error of this shipped model on its own held-out test set (random 80/10/10 split, seed 0). The model "
        "card's headline RMSE is the mean over 3 random splits, so the two differ.",
    ),
    "domain": st.column_config.TextColumn("domain", width="medium"),
    "error": st.column_config.TextColumn("error", width="large"),
}


def _row_colours(row: pd.Series) -> list[str]:
    if row.get("error"):
        colour = FAILED
    elif str(row.get("domain", "")).startswith("⚠") or row.get("all in domain") is False:
        colour = OUT_OF_DOMAIN
    elif row.get("passes") is True:
        colour = PASSING
    else:
        return [""] * len(row)
    return [f"background-color: {colour}"] * len(row)


def styled(df: pd.DataFrame) -> Any:
    """The table with failed rows red, out-of-domain rows amber and passing candidates green."""
    return df.style.apply(_row_colours, axis=1)


def neighbours_table(p: Prediction) -> pd.DataFrame:
    nn = p.nearest_neighbours
    unit = shown_unit(p)
    return pd.DataFrame(
        {
            "structure": molecules.thumbnails([n.smiles for n in nn]),
            "SMILES": [n.smiles for n in nn],
            "similarity": [n.similarity for n in nn],
            f"measured ({unit})" if unit else "measured": [  # logD has no unit: no empty "()"
                shown(p.model_copy(update={"smiles": n.smiles, "value": n.measured_value})) for n in nn
            ],
        }
    )


def prediction_card(p: Prediction) -> None:
    """One property of one molecule: value ± interval, domain flag with its reasons, neighbours, provenance."""
    with st.container(border=True):
        if p.error:
            st.markdown(f"**{p.property or 'structure'}**")
            st.error(p.error, icon=":material/error:")
            return
        st.markdown(f"**{p.name}**")
        value, domain = st.columns([3, 2], vertical_alignment="center")
        full = text(p)
        value.metric("predicted", text(p, other=False), help=full)  # the other unit in the line below
        if p.in_domain:
            domain.badge("in domain", icon=":material/check_circle:", color="green")
        else:
            domain.badge("out of domain", icon=":material/warning:", color="orange")
        similarity = f" · max similarity to training {p.max_similarity:.2f}" if p.max_similarity is not None else ""
        st.markdown(
            f"90% interval **{text(p, 'interval_low', other=False)} to {text(p, 'interval_high', other=False)}**"
            + similarity
            + (f" · predicted value {full}" if full != text(p, other=False) else "")
        )
        if not p.in_domain:
            st.warning(
                "Outside the model's applicability domain: " + "; ".join(p.domain_notes) + ". "
                "The prediction is shown, but its error may be larger than the interval says.",
                icon=":material/warning:",
            )
        st.dataframe(
            neighbours_table(p),
            hide_index=True,
            column_config={
                # a short header: the thumbnail column is narrow and "nearest training molecules" was cut off
                "structure": st.column_config.ImageColumn(
                    "nearest", width="small", help="The most similar molecules in the model's training set"
                ),
                "similarity": st.column_config.NumberColumn("similarity", format="%.2f"),
            },
            row_height=60,
        )
        st.caption(p.provenance or "")


def structure(smiles: str, size: int = 280) -> None:
    try:
        show_svg(molecules.svg(smiles, size=size))
    except Exception:  # a structure we cannot draw is shown as text, not an error page
        st.code(smiles)


def structure_grid(smiles: Sequence[str], legends: Sequence[str]) -> None:
    show_svg(molecules.grid_svg(smiles, legends=legends, per_row=4))


def _of_row(row: ScreenRow, prop: str) -> Prediction:
    """The row's prediction of PROP, naming its SMILES and property (a stored row's predictions may not)."""
    return row.predictions[prop].model_copy(update={"smiles": row.smiles, "property": prop})


def grid_legend(row: ScreenRow, prop: str, bounds: Sequence[float | None] = ()) -> str:
    """'#1 Tg 122.0 deg C (OOD)': the number the table shows, ASCII only (RDKit's legend font has no degree sign)."""
    value = text(_of_row(row, prop), other=False, ascii_only=True, bounds=bounds)
    return f"#{row.rank} {q.SHORT_NAMES.get(prop, prop)} {value}" + ("" if row.all_in_domain else " (OOD)")


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, default=str)


def screen_table(
    rows: Sequence[ScreenRow],
    seed_smiles: str | None = None,
    pictures: bool = True,
    windows: Mapping[str, Sequence[float | None]] | None = None,
) -> pd.DataFrame:
    """One row per candidate, best first: rank, structure, pass/fail, domain, value and interval per property in
    the picked units, rounded as the structure legends and the failed windows write them."""
    out = []
    u = units()
    windows = windows or {}
    thumbs = molecules.thumbnails([r.smiles for r in rows]) if pictures else [None] * len(rows)
    for row, thumb in zip(rows, thumbs, strict=True):
        flat: dict[str, Any] = {"rank": row.rank}
        if pictures:
            flat["structure"] = thumb
        flat |= {
            "SMILES": row.smiles + ("  (seed)" if seed_smiles and row.smiles == seed_smiles else ""),
            "passes": row.passes,
            "all in domain": row.all_in_domain,
        }
        for name in row.predictions:
            p = _of_row(row, name)
            bounds = windows.get(name, ())
            head = f"{q.SHORT_NAMES.get(name, name)} ({shown_unit(p, u)})"
            flat[head] = shown(p, "value", u, bounds)
            flat[f"{head} 90% low"] = shown(p, "interval_low", u, bounds)
            flat[f"{head} 90% high"] = shown(p, "interval_high", u, bounds)
        failed = [
            q.window_text(prop, windows[prop][0], windows[prop][1], u)
            for prop in windows
            if any(f.startswith(f"{prop} ") for f in row.failed_windows)
        ]
        flat["failed windows"] = "; ".join(failed or row.failed_windows)
        flat["error"] = row.error or ""
        out.append(flat)
    return pd.DataFrame(out)


def screen_columns(df: pd.DataFrame) -> dict[str, Any]:
    columns: dict[str, Any] = {
        "structure": st.column_config.ImageColumn("structure", width="small"),
        "rank": st.column_config.NumberColumn("rank", format="%d", width="small"),
        "passes": st.column_config.CheckboxColumn("passes"),
        "all in domain": st.column_config.CheckboxColumn("all in domain"),
    }
    for col in df.columns:
        if col.endswith(")") or " 90% " in col:
            columns[col] = st.column_config.NumberColumn(col, format="%g")  # already rounded as written elsewhere
    return columns


def parity_figure(points: Sequence[dict[str, Any]], unit: str, intervals: bool = False) -> go.Figure:
    """Predicted vs measured on held-out data, in-domain and out-of-domain molecules apart, with y = x."""
    fig = go.Figure()
    for in_domain, name, colour in ((True, "in domain", "#1f77b4"), (False, "out of domain", "#ff7f0e")):
        group = [p for p in points if bool(p.get("in_domain")) is in_domain]
        if not group:
            continue
        error_y = None
        if intervals:
            error_y = {
                "type": "data",
                "symmetric": False,
                "array": [p["interval_high"] - p["predicted"] for p in group],
                "arrayminus": [p["predicted"] - p["interval_low"] for p in group],
                "thickness": 1,
                "width": 0,
                "color": colour,
            }
        fig.add_trace(
            go.Scatter(
                x=[p["measured"] for p in group],
                y=[p["predicted"] for p in group],
                mode="markers",
                name=name,
                marker={"color": colour, "size": 7, "opacity": 0.8, "line": {"width": 0.5, "color": "white"}},
                error_y=error_y,
                text=[f"{p['smiles']}<br>max similarity {p['max_similarity']:.2f}" for p in group],
                hovertemplate="%{text}<br>measured %{x:.3g}<br>predicted %{y:.3g}<extra></extra>",
            )
        )
    values = [p["measured"] for p in points] + [p["predicted"] for p in points]
    lo, hi = min(values), max(values)
    pad = 0.05 * (hi - lo or 1)
    fig.add_trace(
        go.Scatter(
            x=[lo - pad, hi + pad],
            y=[lo - pad, hi + pad],
            mode="lines",
            name="y = x",
            line={"color": "#888", "dash": "dash"},
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        xaxis_title=f"measured ({unit})",
        yaxis_title=f"predicted ({unit})",
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.08},
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def error_by_similarity_figure(splits: dict[str, Sequence[dict[str, Any]]], unit: str) -> go.Figure:
    """Test RMSE per band of max similarity to the training set, one bar series per split (n on hover)."""
    fig = go.Figure()
    for name, bins in splits.items():
        fig.add_trace(
            go.Bar(
                x=[f"{b['similarity_from']:.1f}–{b['similarity_to']:.1f}" for b in bins],
                y=[b["rmse"] for b in bins],
                name=name,
                text=[f"n={b['n']}" for b in bins],
                textposition="outside",
                hovertemplate="similarity %{x}<br>RMSE %{y:.3g}<br>%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        xaxis_title="max Tanimoto similarity to the training set",
        yaxis_title=f"test RMSE ({unit})",
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.08},
    )
    return fig


def metrics_table(card: dict[str, Any]) -> pd.DataFrame:
    """Random, shipped and scaffold split metrics of a card, side by side."""
    rows = []
    for key, label in (
        ("random_split", "random 80/10/10, 3 seeds (mean)"),
        ("shipped_split", "shipped model (random, seed 0)"),
        ("scaffold_split", "scaffold 80/10/10"),
    ):
        s = card[key]
        rows.append(
            {
                "split": label,
                "RMSE": s["rmse"],
                "MAE": s["mae"],
                "R²": s["r2"],
                "90% coverage": s.get("coverage_90_pooled", s.get("coverage_90")),
                "test n": s.get("n_test_pooled", s.get("n_test")),
                "mean interval width": s["mean_interval_width"],
                "train-mean RMSE": s["train_mean_rmse"],
            }
        )
    return pd.DataFrame(rows)


def baselines_table(card: dict[str, Any]) -> pd.DataFrame:
    """Published baselines (random-split test RMSE) beside ours; reference points that were not held out too."""
    ours = card["random_split"]["rmse"]
    rows = [
        {"method": b["method"], "published RMSE": b["random_split_test_rmse"], "ours (random, 3 seeds)": ours}
        for b in card["published_baselines"]
    ]
    rows += [
        {"method": r["method"], "published RMSE": r["rmse"], "ours (random, 3 seeds)": ours}
        for r in card["reference_points"]
    ]
    return pd.DataFrame(rows)
