"""The structure editor's reading of a drawing: Ketcher's SMILES or a molfile in, canonical SMILES, a molfile
and the name out; a broken drawing gets a message; and the editor's frontend is all inside the wheel."""

import re
from importlib import resources

import pytest

from app.ui.editor import Drawing, name_lines, read_drawing, typed_structure
from tools.chem import ChemError, from_molblock, from_smiles, to_molblock, to_smiles


def test_ketcher_smiles_is_read_canonically_and_named():
    # Ketcher writes aspirin in its own atom order; RDKit's canonical SMILES is what the pages show.
    drawing = read_drawing("CC(Oc1c(C(O)=O)cccc1)=O")
    assert drawing.smiles == "CC(=O)Oc1ccccc1C(=O)O"
    assert drawing.name is not None and drawing.name.systematic == "2-acetyloxybenzoic acid"


def test_molfile_round_trip_keeps_the_molecule():
    pasted = to_molblock(from_smiles("CN1C(=O)N(C)c2ncn(C)c2C1=O"))
    drawing = read_drawing(pasted)
    assert drawing.name is not None and drawing.name.name == "caffeine"
    assert to_smiles(from_molblock(drawing.molblock)) == drawing.smiles  # the download reads back the same


def test_stereo_is_kept_and_a_flat_drawing_is_told_its_named_isomer_differs():
    assert read_drawing("CN1CCC[C@H]1c1cccnc1").smiles == "CN1CCC[C@H]1c1cccnc1"
    flat = read_drawing("CN1CCCC1c1cccnc1")
    assert flat.name is not None and flat.name.name == "nicotine" and not flat.name.stereo_match
    lines, _ = name_lines(flat)
    assert any("stereo differs" in line for line in lines)


@pytest.mark.parametrize(
    ("drawn", "reason"),
    [
        ("CC(C)(C)(C)(C)C", "valence"),  # a pentavalent carbon drawn by hand
        ("c1cccc1", "kekulize"),  # an aromatic ring that cannot be
        ("C1CC", "syntax"),  # an unclosed ring
        ("junk\n  M  END\n", "Invalid mol block"),
    ],
)
def test_invalid_drawing_says_what_is_wrong(drawn, reason):
    with pytest.raises(ChemError, match=re.compile(reason, re.IGNORECASE)):
        read_drawing(drawn)


def test_unnamed_structure_says_so_and_a_typed_systematic_name_names_it():
    drawing = read_drawing("ClCCCCCCc1cccc2ccccc12")
    assert drawing.name is None
    assert name_lines(drawing)[0] == ["_No name in the offline name tables_"]
    typed = "1-(6-chlorohexyl)naphthalene"
    smiles, source = typed_structure(typed) or ("", "")
    assert smiles == drawing.smiles and source.startswith("OPSIN")
    lines, origin = name_lines(Drawing(drawing.smiles, drawing.molblock, None), typed, source)
    assert lines == [f"**{typed}**"] and origin.startswith("name as typed, read by OPSIN")


def test_typed_text_that_is_no_structure_draws_nothing():
    assert typed_structure("tell me something") is None


def test_editor_frontend_loads_nothing_from_the_internet():
    frontend = resources.files("streamlit_ketcher") / "frontend"
    html = (frontend / "index.html").read_text()
    loads = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", html)
    assert loads and all(not re.match(r"(?:https?:)?//", url) for url in loads), loads
    for css in (frontend / "static" / "css").iterdir():
        if css.name.endswith(".css"):
            assert not re.search(r"""@import|url\(\s*["']?(?:https?:)?//""", css.read_text()), css.name
