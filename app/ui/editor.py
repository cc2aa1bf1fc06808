"""Draw a structure: the Ketcher editor (shipped inside the streamlit-ketcher wheel, Indigo running in the
browser as WebAssembly, so it works with no internet), with the drawing's name and canonical SMILES under it.

``structure_input(key, into=...)`` is the one widget the pages use wherever a single molecule is entered: it
draws what was typed into the page's text field (name, SMILES, InChI), reads a pasted molfile, and after
Ketcher's Apply shows the drawing's name (shipped name tables; IUPAC where the common-names table has it)
and canonical SMILES (RDKit), offers it as a molfile, and puts it back into the text field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import streamlit as st
from streamlit_ketcher import st_ketcher

from app.ui import text as mdtext
from tools.chem import ChemError, from_molblock, from_smiles, parse_input, to_molblock, to_smiles
from tools.chem.structure_names import StructureName, name_of

EDITOR_HEIGHT = 460


@dataclass(frozen=True)
class Drawing:
    """A structure read from the editor or a molfile: canonical SMILES and V2000 molfile by RDKit, and the
    name the shipped tables give it (None when none does)."""

    smiles: str
    molblock: str
    name: StructureName | None


def read_drawing(drawn: str) -> Drawing:
    """Ketcher's SMILES or a molfile -> canonical SMILES, molfile and name. Raises ``ChemError`` (its message
    says what is wrong: a valence, an unclosed ring, a query atom) for a drawing RDKit cannot read."""
    is_molfile = "M  END" in drawn or "V2000" in drawn or "V3000" in drawn
    mol = from_molblock(drawn) if is_molfile else from_smiles(drawn.strip())
    if mol.GetNumAtoms() == 0:
        raise ChemError("The drawing is empty: draw a structure and press Apply.")
    return Drawing(smiles=to_smiles(mol), molblock=to_molblock(mol), name=name_of(mol))


@lru_cache(maxsize=256)
def typed_structure(typed: str) -> tuple[str, str] | None:
    """(canonical SMILES, how it was read) for what a chemist typed (name, SMILES, InChI, mol block), or None
    when it is not a structure. Cached: a systematic name costs an OPSIN run (1-2 s)."""
    try:
        parsed = parse_input(typed)
    except ChemError:
        return None
    return to_smiles(parsed.mol), parsed.source


def name_lines(drawing: Drawing, typed: str = "", typed_source: str = "") -> tuple[list[str], str]:
    """Markdown lines naming the drawing and a caption saying where the name comes from; ``typed`` (with its
    reading) names it when no table does and the chemist's typed name is this very structure (a systematic name
    OPSIN read)."""
    name = drawing.name
    if name is None:
        if typed and typed_source not in ("SMILES", "InChI", "mol block"):
            return [f"**{mdtext.escape(typed.strip())}**"], f"name as typed, read by {typed_source}"
        return ["_No name in the offline name tables_"], "OPSIN reads names; it cannot name a structure"
    title = f"**{mdtext.escape(name.name)}**" + (f" (also {mdtext.escape(name.also)})" if name.also else "")
    lines = [title]
    if name.systematic:
        lines.append(f"IUPAC name: {mdtext.escape(name.systematic)}")
    if not name.stereo_match:
        lines.append("_same connectivity as the named compound; its stereo differs from the drawing_")
    return lines, f"name from the {name.source}"


def _load_molfile(key: str) -> None:
    """Button callback: a pasted molfile goes into the editor, or its error is kept for the next run."""
    pasted = st.session_state.get(f"{key}_molfile_in") or ""
    try:
        from_molblock(pasted)
    except ChemError as exc:
        st.session_state[f"{key}_error"] = f"That molfile cannot be drawn: {exc}"
        return
    st.session_state[f"{key}_loaded"] = pasted
    st.session_state.pop(f"{key}_error", None)


def _use(key: str, smiles: str, into: str | None, on_use: Callable[[str], None] | None) -> None:
    if into:
        st.session_state[into] = smiles
    st.session_state.pop(f"{key}_loaded", None)  # the field now holds the drawing: the editor follows it
    if on_use is not None:
        on_use(smiles)


def structure_input(
    key: str,
    *,
    into: str | None = None,
    label: str = "Draw a structure",
    action: str = "Use this structure",
    on_use: Callable[[str], None] | None = None,
) -> str | None:
    """An expander with the structure editor; returns the canonical SMILES of a valid drawing, else None.

    ``into`` is the session-state key of the page's text field: what was typed there is drawn, and the
    ``action`` button puts the drawing's SMILES into it; ``on_use`` is called with that SMILES as well (the
    chat sends "Tell me about <SMILES>"). The editor loads only while the expander is open.
    """
    box = st.expander(label, icon=":material/draw:", key=f"{key}_open", on_change="rerun")
    if not box.open:
        return None
    with box:
        typed = str(st.session_state.get(into) or "") if into else ""
        reading = typed_structure(typed.strip()) if typed.strip() else None
        seed = st.session_state.get(f"{key}_loaded") or (reading[0] if reading else "")
        version = hashlib.sha1(seed.encode()).hexdigest()[:10]  # a new seed mounts a new editor
        drawn = st_ketcher(seed, height=EDITOR_HEIGHT, key=f"{key}_ketcher_{version}")
        st.caption(
            "Draw, then press **Apply** under the editor; ring templates are along the bottom, atoms on the "
            "right. Runs in the browser, with no internet."
        )
        drawing = None
        if drawn and drawn.strip():
            try:
                drawing = read_drawing(drawn)
            except ChemError as exc:
                st.error(f"The drawing is not a valid structure: {mdtext.escape(str(exc))}", icon=":material/error:")
        if drawing is not None:
            same = reading is not None and reading[0] == drawing.smiles
            lines, origin = name_lines(drawing, typed if same else "", reading[1] if same and reading else "")
            st.markdown("  \n".join([*lines, f"SMILES {mdtext.code(drawing.smiles)} (canonical, RDKit)"]))
            st.caption(mdtext.escape(origin))
            col_use, col_mol = st.columns(2)
            col_use.button(
                action,
                type="primary",
                icon=":material/input:",
                key=f"{key}_use",
                on_click=_use,
                args=(key, drawing.smiles, into, on_use),
            )
            col_mol.download_button(
                "Download molfile",
                drawing.molblock,
                file_name="structure.mol",
                mime="chemical/x-mdl-molfile",
                icon=":material/download:",
                key=f"{key}_download",
            )
        st.text_area("Or paste a molfile (V2000 or V3000) to draw it", key=f"{key}_molfile_in", height=110)
        st.button("Draw the molfile", icon=":material/draw:", key=f"{key}_load", on_click=_load_molfile, args=(key,))
        if error := st.session_state.get(f"{key}_error"):
            st.error(mdtext.escape(error), icon=":material/error:")
    return drawing.smiles if drawing is not None else None
