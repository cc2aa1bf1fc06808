"""Render stored artifacts (molecules, tables, routes, citations) and tool-call cards on any page."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from app.services import molecules
from app.services.sessions import ArtifactInfo
from app.ui.molecules import show_svg
from app.ui.text import code, escape
from tools.chem import quantities
from tools.literature.models import location


def _svg(smiles: str, size: int = 260) -> None:
    try:
        show_svg(molecules.svg(smiles, size=size))
    except Exception:  # a structure we cannot draw is shown as text, not an error page
        st.code(smiles)


def molecule(payload: dict[str, Any]) -> None:
    left, right = st.columns([1, 2])
    with left:
        _svg(payload.get("canonical_smiles", ""))
    with right:
        st.markdown(
            f"**{escape(payload.get('input') or '')}** · {escape(payload.get('formula') or '')}"
            + (f" · {code(payload['inchikey'])}" if payload.get("inchikey") else "")
        )
        keys = ["mol_weight", "logp", "tpsa", "hbd", "hba", "rotatable_bonds", "qed", "sa_score"]
        st.dataframe(molecule_card_rows(payload, keys), hide_index=True)
        st.caption(escape(payload.get("provenance", "")))


def molecule_card_rows(payload: dict[str, Any], keys: list[str]) -> pd.DataFrame:
    """Descriptors as a chemist reads them ('molecular weight', '180.159', 'g/mol'), from tools.chem.quantities."""
    rows = []
    for key in keys:
        quantity = quantities.DESCRIPTORS.get(key, quantities.Quantity(key, quantities.label(key)))
        rows.append({"descriptor": quantity.label, "value": quantity.number(payload.get(key)), "unit": quantity.unit})
    return pd.DataFrame(rows)


def _prediction_rows(predictions: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "property": p.get("label") or p.get("property"),
                "predicted": p.get("value"),
                "90% low": p.get("interval_low"),
                "90% high": p.get("interval_high"),
                "unit": p.get("unit"),
                "in domain": p.get("in_domain"),
                "max similarity": p.get("max_similarity"),
                "model (test RMSE)": f"{p.get('model')} ({p.get('test_rmse')})" if p.get("model") else "",
                "error": p.get("error") or "",
            }
            for p in predictions
        ]
    )


def table(payload: dict[str, Any]) -> None:
    if "predictions" in payload:
        st.markdown(code(str(payload.get("smiles"))))
        st.dataframe(_prediction_rows(payload["predictions"]), hide_index=True)
        if any(p.get("in_domain") is False for p in payload["predictions"]):
            st.warning("Some predictions are outside the model's applicability domain: treat them with caution.")
    elif "rows" in payload:
        rows = []
        for row in payload["rows"]:
            flat = {
                "rank": row.get("rank"),
                "SMILES": row.get("smiles"),
                "passes": row.get("passes"),
                "all in domain": row.get("all_in_domain"),
            }
            for name, p in (row.get("predictions") or {}).items():
                flat[f"{name} ({p.get('unit') or ''})"] = p.get("value")
                flat[f"{name} 90%"] = f"[{p.get('interval_low')}, {p.get('interval_high')}]"
            rows.append(flat)
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    elif "hits" in payload:
        similar_grid(payload["hits"])
    st.caption(escape(payload.get("provenance", "")))


def similar_grid(hits: list[dict[str, Any]], per_row: int = 4) -> None:
    """Each similar molecule drawn, with its name, similarity, where it comes from and any measured value."""
    for start in range(0, len(hits), per_row):
        for column, hit in zip(st.columns(per_row), hits[start : start + per_row], strict=False):
            with column:
                _svg(str(hit.get("smiles", "")), size=200)
                name = f"**{escape(hit['name'])}** · " if hit.get("name") else ""
                st.markdown(f"{name}similarity {float(hit.get('similarity', 0)):.2f}")
                st.caption(escape(" · ".join(x for x in (hit.get("source"), hit.get("measured")) if x)))
                st.markdown(code(hit.get("smiles", "")))


def route(payload: dict[str, Any]) -> None:
    """Up to three routes, each step as a reaction diagram with its class, score and precedents, and every
    starting material marked in stock (with its source) or not."""
    from app.ui import synthesis  # imported here: it pulls in the synthesis service, which chat pages rarely need

    if payload.get("message"):
        st.caption(escape(payload["message"]))
    routes = payload.get("routes", [])
    for i, r in enumerate(routes[:3], 1):
        st.markdown(f"**Route {i}** · {synthesis.route_summary(r)}")
        synthesis.route_view(r, key=f"artifact_route_{i}", interactive=False)
    if len(routes) > 3:
        st.caption(f"{len(routes) - 3} more route(s) are stored with this artifact (export the session to see them).")


def citation(payload: dict[str, Any]) -> None:
    where = location(bool(payload.get("paged", True)), int(payload.get("page") or 1), str(payload.get("section") or ""))
    st.markdown(f"**\\[{payload.get('n')}\\] {escape(payload.get('title', ''))}**, {escape(where)}")
    st.caption(
        f"{escape(payload.get('document_id', ''))} · characters {payload.get('char_start')}–{payload.get('char_end')}"
    )
    st.markdown("> " + escape(str(payload.get("passage", ""))).replace("\n", "\n> "))


RENDERERS = {"molecule": molecule, "table": table, "route": route, "citation": citation}


def render(artifact: ArtifactInfo) -> None:
    RENDERERS.get(artifact.kind.value, lambda p: st.json(p))(artifact.payload)


def tool_card(call: dict[str, Any]) -> None:
    """An expandable card: the tool's input, output and duration."""
    duration = f" · {call['duration_s']:.2f} s" if call.get("duration_s") is not None else " · running…"
    result = call.get("result") or {}
    failed = "error" in result
    label = f"{call['name']}({', '.join(f'{k}={v!r}' for k, v in call['args'].items())})"
    with st.expander(escape(label) + duration, icon=":material/error:" if failed else ":material/build:"):
        st.markdown("**Input**")
        st.code(json.dumps(call["args"], indent=2), language="json")
        st.markdown("**Output**")
        shown = {k: v for k, v in result.items() if k != "svg"}
        st.code(json.dumps(shown, indent=2, default=str)[:6000], language="json")
