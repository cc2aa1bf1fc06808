"""Render stored artifacts (molecules, tables, routes, citations) and tool-call cards on any page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from app.services import molecules
from app.services.sessions import ArtifactInfo
from app.ui.molecules import show_svg
from app.ui.text import code, escape
from tools import results
from tools.chem import quantities


def _svg(smiles: str, size: int = 260) -> None:
    try:
        show_svg(molecules.svg(smiles, size=size))
    except Exception:  # a structure we cannot draw is shown as text, not an error page
        st.code(smiles)


def molecule(m: results.MoleculeResult) -> None:
    left, right = st.columns([1, 2])
    with left:
        _svg(m.canonical_smiles)
    with right:
        st.markdown(f"**{escape(m.input)}** · {escape(m.formula)}" + (f" · {code(m.inchikey)}" if m.inchikey else ""))
        st.dataframe(molecule_card_rows(m.model_dump(), list(quantities.SUMMARY)), hide_index=True)
        st.caption(escape(m.provenance))


def molecule_card_rows(payload: dict[str, Any], keys: list[str]) -> pd.DataFrame:
    """Descriptors as a chemist reads them ('molecular weight', '180.159', 'g/mol'), from tools.chem.quantities."""
    rows = []
    for key in keys:
        quantity = quantities.DESCRIPTORS.get(key, quantities.Quantity(key, quantities.label(key)))
        rows.append({"descriptor": quantity.label, "value": quantity.number(payload.get(key)), "unit": quantity.unit})
    return pd.DataFrame(rows)


def _prediction_rows(predictions: list[results.Prediction]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "property": p.name,
                "predicted": p.value,
                "90% low": p.interval_low,
                "90% high": p.interval_high,
                "unit": p.unit,
                "in domain": p.in_domain,
                "max similarity": p.max_similarity,
                "model (test RMSE)": f"{p.model} ({p.test_rmse})" if p.model else "",
                "error": p.error or "",
            }
            for p in predictions
        ]
    )


def prediction(r: results.PredictionResult) -> None:
    st.markdown(code(r.smiles))
    st.dataframe(_prediction_rows(r.predictions), hide_index=True)
    if r.out_of_domain:
        st.warning("Some predictions are outside the model's applicability domain: treat them with caution.")
    st.caption(escape(r.provenance))


def screen(r: results.ScreenResult) -> None:
    rows = []
    for row in r.rows:
        flat: dict[str, Any] = {
            "rank": row.rank,
            "SMILES": row.smiles,
            "passes": row.passes,
            "all in domain": row.all_in_domain,
        }
        for name, p in row.predictions.items():
            flat[f"{name} ({p.unit or ''})"] = p.value
            flat[f"{name} 90%"] = f"[{p.interval_low}, {p.interval_high}]"
        rows.append(flat)
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(escape(r.provenance))


def similarity(r: results.SimilarityResult) -> None:
    similar_grid(r.hits)
    st.caption(escape(r.provenance))


def similar_grid(hits: list[results.SimilarHit], per_row: int = 4) -> None:
    """Each similar molecule drawn, with its name, similarity, where it comes from and any measured value."""
    for start in range(0, len(hits), per_row):
        for column, hit in zip(st.columns(per_row), hits[start : start + per_row], strict=False):
            with column:
                _svg(hit.smiles, size=200)
                name = f"**{escape(hit.name)}** · " if hit.name else ""
                st.markdown(f"{name}similarity {hit.similarity:.2f}")
                st.caption(escape(" · ".join(x for x in (hit.source, hit.measured) if x)))
                st.markdown(code(hit.smiles))


def stock_text(leaf: results.Leaf) -> str:
    """'in stock · USPTO-50k stock' / 'in stock · lab inventory (benzyl bromide)' / 'not in stock'."""
    return f"in stock · {leaf.stock}" if leaf.in_stock else leaf.stock


def step_lines(step: results.RouteStep) -> list[str]:
    """What the planner recorded about a step, one fact a line: class, generality, rarity, precedent patents,
    and each group that may need protecting."""
    name = step.reaction_class_name or (f"class {step.reaction_class}" if step.reaction_class else None)
    if name and step.reaction_class_source == "predicted":
        confidence = f", confidence {step.class_confidence:.2f}" if step.class_confidence is not None else ""
        name += f" (class predicted{confidence})"
    count = step.template_count
    generality = f"template {step.template_id}" + (
        f", from {count} training reaction{'s' if count != 1 else ''}" if count else ""
    )
    lines = [f"reaction class: {name or 'not recorded for this template'}", generality]
    if step.rare_template:
        lines.append("rare template: seen once")
    lines.append(f"precedent patents: {', '.join(step.patent_ids) or 'none recorded'}")
    lines += [f"protecting group? {note}" for note in step.protection_notes]
    return lines


def route_lines(r: results.Route) -> list[str]:
    """A route's shape and score as the planner recorded them."""
    shape = "convergent" if r.convergent else "linear"
    score = r.score_text or (f"{r.score:.3f}" if r.score is not None else "n/a")
    lines = [
        f"{r.step_count} step{'s' if r.step_count != 1 else ''} · longest linear sequence {r.linear_length} · "
        f"{shape} · {'solved' if r.solved else 'not solved'}",
        f"score {score}",
    ]
    if r.rare_steps:
        lines.append(f"{r.rare_steps} rare template(s)")
    if r.protection_steps:
        lines.append(f"{r.protection_steps} step(s) may need protection")
    return lines


def route(r: results.RouteSearchResult) -> None:
    """Up to three routes: the route's steps, longest linear sequence, shape and score parts; each step as a
    reaction diagram with its class, template generality, rare flag, precedent patents and protection flag;
    every starting material with its stock source."""
    if r.message:
        st.caption(escape(r.message))
    for i, one in enumerate(r.routes[:3], 1):
        st.markdown(f"**Route {i}** · " + " · ".join(escape(x) for x in route_lines(one)))
        for n, step in enumerate(one.forward_steps(r.target_smiles or r.target), 1):
            with st.container(border=True):
                lines = step_lines(step)
                facts = [x for x in lines if not x.startswith("protecting group?")]
                st.markdown(f"**Step {n}** · " + " · ".join(escape(x) for x in facts))
                for note in step.protection_notes:  # each on its own line, marked as the Synthesis page marks it
                    st.markdown(f":orange-badge[protecting group?] {escape(note)}")
                _reaction(step)
        if one.leaves:
            st.markdown(
                "**Starting materials:** "
                + "; ".join(f"{code(leaf.smiles)} ({escape(stock_text(leaf))})" for leaf in one.leaves)
            )
    if len(r.routes) > 3:
        st.caption(f"{len(r.routes) - 3} more route(s) are stored with this artifact (export the session to see them).")


def _reaction(step: results.RouteStep) -> None:
    from app.ui import synthesis  # imported here: it pulls in the synthesis service, which chat pages rarely need

    try:
        show_svg(synthesis.reaction_svg(tuple(step.reactants), step.product))
    except Exception:  # a reaction we cannot draw is shown as text, not an error page
        st.code(f"{'.'.join(step.reactants)}>>{step.product}")


def citation(c: results.Citation) -> None:
    st.markdown(f"**\\[{c.n}\\] {escape(c.title)}**, {escape(c.location)}")
    st.caption(f"{escape(c.document_id)} · characters {c.char_start}–{c.char_end}")
    st.markdown("> " + escape(c.passage).replace("\n", "\n> "))


def unknown(r: results.ToolResult) -> None:
    data = r.data if isinstance(r, results.UnknownResult) else results.dump(r)
    st.json({k: v for k, v in data.items() if k != "svg"})


# The chat card of each kind of result (tools.results kinds); a kind without one is shown as its JSON.
RENDERERS: dict[str, Callable[[Any], None]] = {
    "molecule": molecule,
    "prediction": prediction,
    "screen": screen,
    "similarity": similarity,
    "route_search": route,
    "citation": citation,
}


def said_in(artifact: ArtifactInfo, answer: str) -> bool:
    """Whether the answer's text already shows what the card would: a molecule's descriptor table (the offline
    answer writes one) is there when its molecular weight and TPSA are, to the same digits. The chat then starts
    the card folded, so the table is not read twice; a model's answer that only names the molecule keeps it open."""
    result = results.stored(artifact.kind.value, artifact.payload)
    if not isinstance(result, results.MoleculeResult) or result.mol_weight is None or result.tpsa is None:
        return False
    shown = [quantities.DESCRIPTORS[k].number(result.value(k)) for k in ("mol_weight", "tpsa")]
    return all(number in answer for number in shown)


def render(artifact: ArtifactInfo) -> None:
    """A stored artifact's card: its payload read once as a typed result, drawn by its kind's renderer."""
    result = results.stored(artifact.kind.value, artifact.payload)
    RENDERERS.get(result.kind, unknown)(result)


def tool_card(call: dict[str, Any]) -> None:
    """An expandable card: the tool's input, output and duration."""
    duration = f" · {call['duration_s']:.2f} s" if call.get("duration_s") is not None else " · running…"
    result = call.get("result") or {}
    failed = isinstance(results.parse(call.get("name", ""), result), results.ToolError)
    label = f"{call['name']}({', '.join(f'{k}={v!r}' for k, v in call['args'].items())})"
    with st.expander(escape(label) + duration, icon=":material/error:" if failed else ":material/build:"):
        st.markdown("**Input**")
        st.code(json.dumps(call["args"], indent=2), language="json")
        st.markdown("**Output**")
        shown = {k: v for k, v in result.items() if k != "svg"}
        st.code(json.dumps(shown, indent=2, default=str)[:6000], language="json")
