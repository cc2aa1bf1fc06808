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


def molecule(m: results.MoleculeResult, *, table: bool = True) -> None:
    """The drawing, name, formula and InChIKey, and the descriptor table unless the answer above already has it
    (TABLE false: a caption says so, so the chemist does not read the same numbers twice)."""
    left, right = st.columns([1, 2])
    with left:
        _svg(m.canonical_smiles)
    with right:
        st.markdown(f"**{escape(m.input)}** · {escape(m.formula)}" + (f" · {code(m.inchikey)}" if m.inchikey else ""))
        if table:
            st.dataframe(molecule_card_rows(m.model_dump(), list(quantities.SUMMARY)), hide_index=True)
        else:
            st.caption("Descriptors: in the answer's table above.")
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


# -- routes: the words of a route search, written once for the chat's route card and the Synthesis page
# (app.ui.synthesis draws the same route with its precedent tables, alternatives and exports around these).


def stock_badge(leaf: results.Leaf) -> str:
    """The stock of a starting material as a green (in stock) or red (not in stock) Markdown badge."""
    return f":{'green' if leaf.in_stock else 'red'}-badge[{escape(leaf.stock_text)}]"


def step_header(step: results.RouteStep, n: int) -> str:
    """'**Step 1** · reaction class: … · score 0.430 · template 127, …' in Markdown; the rare flag as a badge."""
    facts = [x for x in step.facts() if not x.startswith(results.PROTECTING_GROUP)]
    badge = results.RARE_TEMPLATE
    return f"**Step {n}** · " + " · ".join(f":orange-badge[{x}]" if x == badge else escape(x) for x in facts)


def protection_lines(step: results.RouteStep) -> list[str]:
    """One Markdown line per group the step may need to protect (tools.synthesis.protection), with the reason and
    the rule's source; [] when nothing is flagged or the step was not judged."""
    return [f":orange-badge[{results.PROTECTING_GROUP}] {escape(note)}" for note in step.protection_notes]


def route_summary(r: results.Route) -> str:
    """The one line that heads a route: its facts joined."""
    return " · ".join(r.facts())


def score_line(r: results.Route) -> str:
    """'1 step · longest linear sequence 1 · linear · score 0.390 = 0.430 (step score) × 0.905 (length penalty, …)'."""
    score = r.score_text or (f"{r.score:.3f}" if r.score is not None else "n/a")
    return f"{r.shape_text} · score {score}"


def starting_materials(r: results.Route) -> None:
    """Every starting material of a route with its stock badge."""
    if not r.leaves:
        return
    st.markdown("**Starting materials**")
    for leaf in r.leaves:
        st.markdown(f"{stock_badge(leaf)} {code(leaf.smiles)}")


def route(r: results.RouteSearchResult) -> None:
    """Up to three routes: the route's steps, longest linear sequence, shape and score parts; each step as a
    reaction diagram with its class, template generality, rare flag, precedent patents and protection flag;
    every starting material with its stock source."""
    if r.message:
        st.caption(escape(r.message))
    for i, one in enumerate(r.routes[:3], 1):
        st.markdown(f"**Route {i}** · {escape(route_summary(one))}")
        st.caption(escape(score_line(one)))
        for n, step in enumerate(one.forward_steps(r.target_smiles or r.target), 1):
            with st.container(border=True):
                st.markdown(step_header(step, n))
                for line in protection_lines(step):
                    st.markdown(line)
                _reaction(step)
        starting_materials(one)
    if len(r.routes) > 3:
        st.caption(f"{len(r.routes) - 3} more route(s) are stored with this artifact (export the session to see them).")


@st.cache_data(max_entries=512, show_spinner=False)
def reaction_svg(reactants: tuple[str, ...], product: str) -> str:
    """A reaction step drawn (the chat's route card and the Synthesis page)."""
    from app.services import synthesis  # imported here: the synthesis service is heavy and chat pages rarely need it

    return synthesis.reaction_svg(reactants, product, width=900, height=200)


def _reaction(step: results.RouteStep) -> None:
    try:
        show_svg(reaction_svg(tuple(step.reactants), step.product))
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


def table_in(m: results.MoleculeResult, answer: str) -> bool:
    """Whether the answer's text already shows the molecule's descriptor table (the offline answer writes one):
    its molecular weight and TPSA are there, to the same digits. A model's answer that only names the molecule
    does not, and the card keeps its table."""
    if m.mol_weight is None or m.tpsa is None:
        return False
    shown = [quantities.DESCRIPTORS[k].number(m.value(k)) for k in ("mol_weight", "tpsa")]
    return all(number in answer for number in shown)


def render(artifact: ArtifactInfo, answer: str = "") -> None:
    """A stored artifact's card: its payload read once as a typed result, drawn by its kind's renderer (ANSWER:
    the text of the chat answer the card sits under, so a molecule card leaves out a table it repeats)."""
    result = results.stored(artifact.kind.value, artifact.payload)
    if isinstance(result, results.MoleculeResult):
        molecule(result, table=not table_in(result, answer))
        return
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
