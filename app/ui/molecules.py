"""Widgets of the Molecules workbench: report sections, the offline 3D viewer, search and batch result views."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.services import molecules
from app.ui.errors import reported  # noqa: F401 (re-exported for the pages)
from tools import results
from tools.chem import quantities

log = logging.getLogger(__name__)

RULE_SETS = {
    "lipinski": "Lipinski rule of five",
    "veber": "Veber (oral bioavailability)",
    "ghose": "Ghose",
    "lead_like": "Lead-likeness",
}
# Jmol/CPK colours; hydrogen is light grey so that it shows on a white page.
ELEMENT_COLOURS = {
    "H": "#D9D9D9", "C": "#404040", "N": "#3050F8", "O": "#FF0D0D", "F": "#90E050", "Cl": "#1FF01F",
    "Br": "#A62929", "I": "#940094", "S": "#E6C12E", "P": "#FF8000", "B": "#FFB5B5", "Si": "#F0C8A0",
    "Na": "#AB5CF2", "K": "#8F40D4", "Li": "#CC80FF", "Mg": "#8AFF00", "Fe": "#E06633", "Zn": "#7D80B0",
    "Cu": "#C88033", "Se": "#FFA100", "Sn": "#668080", "Pt": "#D0D0E0", "Pd": "#006985",
}  # fmt: skip
OTHER_ELEMENT = "#FF1493"
_FIXED_SIZE = re.compile(r"width='(\d+)px' height='(\d+)px'")  # RDKit's header; made to shrink with the column


def show_svg(svg: str) -> None:
    """Inline an RDKit SVG. st.html drops <svg> in this Streamlit (its sanitizer), so it goes through markdown:
    safe here because the SVG is drawn by RDKit on the server and RDKit draws all text, legends too, as paths."""
    start = svg.find("<svg")
    if start < 0:
        return
    body = " ".join(svg[start:].split("\n"))  # one line: markdown must not see blank lines or indented code
    body = _FIXED_SIZE.sub(r"width='\1' height='\2' style='max-width:100%;height:auto'", body, count=1)
    st.markdown(f'<div class="chemassist-structure" style="overflow-x:auto">{body}</div>', unsafe_allow_html=True)


@st.cache_data(max_entries=256, show_spinner=False)
def analyse(text: str, standardize: bool, tautomer: bool) -> results.MoleculeResult:
    return molecules.analyse(text, standardize=standardize, tautomer=tautomer)


@st.cache_data(max_entries=256, show_spinner=False)
def depict(text: str, standardize: bool, tautomer: bool, highlight: tuple[int, ...], size: int = 360) -> str:
    return molecules.depict(text, standardize=standardize, tautomer=tautomer, highlight=highlight, size=size)


@st.cache_data(max_entries=64, show_spinner="Embedding a 3D conformer (ETKDG + MMFF94)…")
def conformer(smiles: str) -> dict[str, Any]:
    return molecules.conformer(smiles)


def identifiers(m: results.MoleculeResult) -> None:
    formula = m.formula.replace("*", "\\*")  # repeat units: '*' is markdown
    st.markdown(
        "| Formula | Average mass | Exact mass (monoisotopic) |\n|---|---|---|\n"
        f"| **{formula}** | **{quantities.DESCRIPTORS['mol_weight'].format(m.mol_weight)}** "
        f"| **{quantities.DESCRIPTORS['exact_mass'].format(m.exact_mass)}** |"
    )
    missing = "not defined for repeat units with *" if m.attachment_points else "—"
    for label, value in (("Canonical SMILES", m.canonical_smiles), ("InChI", m.inchi), ("InChIKey", m.inchikey)):
        st.markdown(f"**{label}**")
        st.code(value or missing, language=None, wrap_lines=True)
    read_as = f"Read as {m.input_kind} from {m.input_source}"
    st.caption(read_as + (" · standardized" if m.standardized else ""))
    if m.attachment_points:
        st.info(
            f"Polymer repeat unit with {m.attachment_points} attachment point(s) `*`. Descriptors are "
            f"for the repeat unit; filters and the 3D conformer use the H-capped unit `{m.capped_smiles}`.",
            icon=":material/link:",
        )


def descriptor_rows(m: results.MoleculeResult) -> pd.DataFrame:
    """Label, value to the quantity's digits (tools.chem.quantities, as in chat and exports) and unit."""
    rows = []
    for key in quantities.NUMERIC:
        quantity = quantities.DESCRIPTORS[key]
        value = m.value(key)
        rows.append(
            {
                "descriptor": quantity.heading,
                "value": "" if value is None else quantity.number(value),
                "unit": quantity.unit or ("count" if quantity.digits is None else ""),
            }
        )
    return pd.DataFrame(rows)


def descriptor_table(m: results.MoleculeResult) -> None:
    st.table(descriptor_rows(m).set_index("descriptor"))  # static: long units wrap instead of being cut off
    st.caption(m.provenance)


def rule_filters(m: results.MoleculeResult) -> None:
    for name, result in m.filters.items():
        badge = ":green-badge[pass]" if result.passed else ":red-badge[fail]"
        line = f"{badge} **{RULE_SETS.get(name, name)}**"
        if result.failed:
            line += f" — {result.violations} violation(s): {'; '.join(result.failed)}"
        st.markdown(line)
    if m.attachment_points:
        st.caption("Judged on the H-capped repeat unit, which is rarely meaningful for a polymer.")


def alerts(m: results.MoleculeResult) -> None:
    if not m.alerts:
        st.success("No structural alerts (PAINS A/B/C, Brenk, NIH).", icon=":material/check_circle:")
        return
    rows = [{"catalog": a.catalog, "alert": a.name, "matched atoms": len(a.atoms)} for a in m.alerts]
    st.table(pd.DataFrame(rows).set_index("catalog"))
    st.caption("Pick an alert under the structure to highlight its matched atoms.")


def safety(m: results.MoleculeResult, *, brief: bool = False) -> None:
    """The safety screen's result; ``brief`` = one line pointing at the full warning shown elsewhere."""
    if not m.safety.flagged:
        st.success(
            "Safety screen: not on the controlled or highly hazardous substance lists checked "
            "(chemical-weapon schedules, explosives and their precursors).",
            icon=":material/verified_user:",
        )
        return
    if brief:
        st.error(
            "Flagged: see the warning at the top of this tab for the lists and sources.", icon=":material/warning:"
        )
        return
    lines = [
        f"- **{h.name}** ({h.category.replace('_', ' ')}, matched by {h.matched_by}) — source: {h.source}"
        for h in m.safety.hits
    ]
    st.error(
        "**Safety screen: this structure is flagged as a controlled or highly hazardous substance.** "
        "Handle, store and document it according to your lab's rules and the applicable regulations.\n\n"
        + "\n".join(lines),
        icon=":material/warning:",
    )


def highlight_choices(m: results.MoleculeResult) -> dict[str, tuple[int, ...]]:
    """Label -> atom indices for every alert and safety hit that matched atoms."""
    choices: dict[str, tuple[int, ...]] = {"nothing": ()}
    for a in m.alerts:
        choices[f"alert {a.catalog}: {a.name}"] = tuple(a.atoms)
    for h in m.safety.hits:
        if h.atoms:
            choices[f"safety: {h.name}"] = tuple(h.atoms)
    return choices


def conformer_figure(conf: dict[str, Any], *, show_hydrogens: bool = True) -> go.Figure:
    """Plotly 3D ball-and-stick of a conformer: one trace per element (the legend is the colour key) + bonds."""
    symbols: list[str] = conf["symbols"]
    xyz: list[Sequence[float]] = conf["coordinates"]
    shown = [i for i, s in enumerate(symbols) if show_hydrogens or s != "H"]
    keep = set(shown)
    fig = go.Figure()
    for order, width in ((1.0, 5), (1.5, 7), (2.0, 9), (3.0, 12)):
        xs: list[float | None] = []
        ys: list[float | None] = []
        zs: list[float | None] = []
        for begin, end, bond_order in conf["bonds"]:
            if bond_order != order or begin not in keep or end not in keep:
                continue
            for axis, values in enumerate((xs, ys, zs)):
                values.extend([xyz[begin][axis], xyz[end][axis], None])
        if xs:
            fig.add_trace(
                go.Scatter3d(
                    x=xs, y=ys, z=zs, mode="lines", line={"color": "#9A9A9A", "width": width},
                    hoverinfo="skip", showlegend=False,
                )
            )  # fmt: skip
    for element in sorted({symbols[i] for i in shown}, key=lambda s: (s == "H", s != "C", s)):
        atoms = [i for i in shown if symbols[i] == element]
        fig.add_trace(
            go.Scatter3d(
                x=[xyz[i][0] for i in atoms],
                y=[xyz[i][1] for i in atoms],
                z=[xyz[i][2] for i in atoms],
                mode="markers",
                name=element,
                marker={
                    "size": 5 if element == "H" else 9,
                    "color": ELEMENT_COLOURS.get(element, OTHER_ELEMENT),
                    "line": {"color": "#333333", "width": 1},
                },
                text=[f"{element}{i + 1}" for i in atoms],
                hovertemplate="%{text}<br>x %{x:.2f} Å<br>y %{y:.2f} Å<br>z %{z:.2f} Å<extra></extra>",
            )
        )
    hidden = {"visible": False, "showbackground": False}
    fig.update_layout(
        scene={"xaxis": hidden, "yaxis": hidden, "zaxis": hidden, "aspectmode": "data"},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=480,
        legend={"title": {"text": "element"}, "itemsizing": "constant"},
    )
    return fig


def parse_smiles_list(text: str) -> tuple[list[str], list[str]]:
    """Lines of 'SMILES [name]' (blank lines and # comments skipped) -> (smiles, names)."""
    smiles, names = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        smiles.append(parts[0])
        names.append(parts[1] if len(parts) > 1 else f"#{number}")
    return smiles, names


def structure_grid(smiles: Sequence[str], legends: Sequence[str], highlights: Sequence[Sequence[int]]) -> None:
    picture = molecules.highlighted_grid_svg(smiles, legends=legends, highlights=highlights, per_row=4, size=220)
    if picture:
        show_svg(picture)


BATCH_COLUMNS = {
    "structure": st.column_config.ImageColumn("structure", width="small"),
    "row": st.column_config.NumberColumn("row", format="%d"),
    "mol_weight": st.column_config.NumberColumn("MW (g/mol)", format="%.2f"),
    "exact_mass": st.column_config.NumberColumn("exact mass (Da)", format="%.4f"),
    "logp": st.column_config.NumberColumn("logP", format="%.2f"),
    "molar_refractivity": st.column_config.NumberColumn("MR", format="%.2f"),
    "tpsa": st.column_config.NumberColumn("TPSA (Å²)", format="%.1f"),
    "fsp3": st.column_config.NumberColumn("Fsp3", format="%.2f"),
    "qed": st.column_config.NumberColumn("QED", format="%.2f"),
    "sa_score": st.column_config.NumberColumn("SA score", format="%.2f"),
    # the rest under the labels chemists read everywhere else (tools.chem.quantities), not the record keys
    **{
        key: st.column_config.Column(quantities.label(key))
        for key in ("canonical_smiles", "hbd", "hba", "rotatable_bonds", "ring_count", "aromatic_rings")
        + ("heavy_atoms", "formal_charge", "lipinski_violations", "formula", "inchi", "inchikey")
    },
}


BATCH_FIRST = [
    "structure", "row", "name", "canonical_smiles", "mol_weight", "logp", "tpsa", "hbd", "hba", "rotatable_bonds",
    "qed", "sa_score", "lipinski_violations", "alerts", "safety_flagged", "safety_hits",
]  # fmt: skip


def batch_column_order(frame: pd.DataFrame) -> list[str]:
    """The columns a chemist scans first, then the rest in their original order."""
    first = [c for c in BATCH_FIRST if c in frame]
    return first + [c for c in frame.columns if c not in first]


def batch_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Good rows as a table (the 'error' column dropped: failures are listed separately)."""
    frame = pd.DataFrame([r for r in rows if not r.get("error")])
    return frame.drop(columns=["error"], errors="ignore")
