"""Widgets of the Properties page: prediction and screening tables, per-molecule detail, model-card plots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.services import molecules
from app.ui.molecules import show_svg

KELVIN_OFFSET = 273.15
OUT_OF_DOMAIN = "#FFF3CD"  # amber: a prediction to treat with caution
FAILED = "#F8D7DA"  # red: no prediction (bad input)
PASSING = "#D1E7DD"  # green: a candidate inside every window


def list_labels(text: str, smiles: Sequence[str]) -> list[str]:
    """A name for each SMILES of a pasted 'SMILES name' list (the SMILES itself where no name follows)."""
    names = {}
    for line in text.splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) == 2 and not parts[0].startswith("#"):
            names.setdefault(parts[0], parts[1])
    return [names.get(s, s) for s in smiles]


def fmt(value: float | None, unit: str | None = None) -> str:
    """A value the way a chemist reads it: 3 significant figures, Tg (K) also in °C."""
    if value is None:
        return "n/a"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    if unit == "K":
        return f"{text} K ({value - KELVIN_OFFSET:.0f} °C)"
    return f"{text} {unit}" if unit else text


def _interval(p: dict[str, Any]) -> str:
    if p.get("interval_low") is None:
        return ""
    return f"[{fmt(p['interval_low'])}, {fmt(p['interval_high'])}]"


def _domain(p: dict[str, Any]) -> str:
    if p.get("error"):
        return "no prediction"
    if p.get("in_domain"):
        return "✓ in domain"
    return "⚠ OUT OF DOMAIN: " + "; ".join(p.get("domain_notes") or [])


def _nearest(p: dict[str, Any]) -> str:
    nn = p.get("nearest_neighbours") or []
    if not nn:
        return ""
    n = nn[0]
    return f"{n['smiles']} (similarity {n['similarity']:.2f}, measured {fmt(n['measured_value'])})"


def prediction_table(predictions: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per (molecule, property): value, 90% interval, domain flag, nearest neighbour, model, error."""
    return pd.DataFrame(
        [
            {
                "molecule": p.get("input") or p["smiles"],
                "property": p.get("property") or "",
                "predicted": p.get("value"),
                "90% low": p.get("interval_low"),
                "90% high": p.get("interval_high"),
                "unit": p.get("unit") or "",
                "domain": _domain(p),
                "max similarity": p.get("max_similarity"),
                "model": p.get("model") or "",
                "test RMSE": p.get("test_rmse"),
                "nearest training molecule": _nearest(p),
                "error": p.get("error") or "",
            }
            for p in predictions
        ]
    )


PREDICTION_COLUMNS = {
    "predicted": st.column_config.NumberColumn("predicted", format="%.3g"),
    "90% low": st.column_config.NumberColumn("90% low", format="%.3g"),
    "90% high": st.column_config.NumberColumn("90% high", format="%.3g"),
    "max similarity": st.column_config.NumberColumn("max similarity", format="%.2f"),
    "test RMSE": st.column_config.NumberColumn("test RMSE", format="%.3g"),
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


def neighbours_table(p: dict[str, Any]) -> pd.DataFrame:
    nn = p.get("nearest_neighbours") or []
    return pd.DataFrame(
        {
            "structure": molecules.thumbnails([n["smiles"] for n in nn]),
            "SMILES": [n["smiles"] for n in nn],
            "similarity": [n["similarity"] for n in nn],
            f"measured ({p.get('unit')})": [n["measured_value"] for n in nn],
        }
    )


def prediction_card(p: dict[str, Any]) -> None:
    """One property of one molecule: value ± interval, domain flag with its reasons, neighbours, provenance."""
    with st.container(border=True):
        if p.get("error"):
            st.markdown(f"**{p.get('property') or 'structure'}**")
            st.error(p["error"], icon=":material/error:")
            return
        st.markdown(f"**{p['label']}**")
        value, domain = st.columns([3, 2], vertical_alignment="center")
        value.metric("predicted", fmt(p["value"], p["unit"]))
        if p["in_domain"]:
            domain.badge("in domain", icon=":material/check_circle:", color="green")
        else:
            domain.badge("out of domain", icon=":material/warning:", color="orange")
        st.markdown(
            f"90% interval **{fmt(p['interval_low'], p['unit'])} to {fmt(p['interval_high'], p['unit'])}** · "
            f"max similarity to training {p['max_similarity']:.2f}"
        )
        if not p["in_domain"]:
            st.warning(
                "Outside the model's applicability domain: " + "; ".join(p["domain_notes"]) + ". "
                "The prediction is shown, but its error may be larger than the interval says.",
                icon=":material/warning:",
            )
        st.dataframe(
            neighbours_table(p),
            hide_index=True,
            column_config={
                "structure": st.column_config.ImageColumn("nearest training molecules", width="small"),
                "similarity": st.column_config.NumberColumn("similarity", format="%.2f"),
            },
            row_height=60,
        )
        st.caption(p["provenance"])


def structure(smiles: str, size: int = 280) -> None:
    try:
        show_svg(molecules.svg(smiles, size=size))
    except Exception:  # a structure we cannot draw is shown as text, not an error page
        st.code(smiles)


def structure_grid(smiles: Sequence[str], legends: Sequence[str]) -> None:
    show_svg(molecules.grid_svg(smiles, legends=legends, per_row=4))


def grid_legend(row: dict[str, Any], prop: str) -> str:
    """'#1 395 K (122 C)': ASCII only, RDKit's legend font has no degree sign or warning glyph."""
    p = row["predictions"][prop]
    value = p["value"]
    text = f"{value:.0f} K ({value - KELVIN_OFFSET:.0f} C)" if p["unit"] == "K" else f"{prop} {value:.3g}"
    return f"#{row['rank']} {text}" + ("" if row["all_in_domain"] else " (OOD)")


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, default=str)


def screen_table(rows: Sequence[dict[str, Any]], seed_smiles: str | None = None, pictures: bool = True) -> pd.DataFrame:
    """One row per candidate, best first: rank, structure, pass/fail, domain, value and interval per property."""
    out = []
    thumbs = molecules.thumbnails([r["smiles"] for r in rows]) if pictures else [None] * len(rows)
    for row, thumb in zip(rows, thumbs, strict=True):
        flat: dict[str, Any] = {"rank": row.get("rank")}
        if pictures:
            flat["structure"] = thumb
        flat |= {
            "SMILES": row["smiles"] + ("  (seed)" if seed_smiles and row["smiles"] == seed_smiles else ""),
            "passes": row["passes"],
            "all in domain": row["all_in_domain"],
        }
        for name, p in (row.get("predictions") or {}).items():
            unit = p.get("unit") or ""
            flat[f"{name} ({unit})"] = p.get("value")
            if unit == "K" and p.get("value") is not None:
                flat[f"{name} (°C)"] = round(p["value"] - KELVIN_OFFSET, 1)
            flat[f"{name} 90% low"] = p.get("interval_low")
            flat[f"{name} 90% high"] = p.get("interval_high")
        flat["failed windows"] = "; ".join(row.get("failed_windows") or [])
        flat["error"] = row.get("error") or ""
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
            columns[col] = st.column_config.NumberColumn(col, format="%.3g")
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
