"""Depiction (SVG/PNG, grids, highlights) and 3D conformers."""

import pytest

import tools.chem as chem


def test_svg_highlights_atoms_in_rdkit_highlight_colour():
    plain = chem.to_svg(chem.parse("aspirin"))
    marked = chem.to_svg(chem.parse("aspirin"), highlight=[0, 1, 2], legend="aspirin")
    assert plain.lstrip().startswith("<?xml")
    assert "#FF7F7F" in marked and "#FF7F7F" not in plain


def test_png_bytes():
    assert chem.to_png(chem.parse("caffeine")).startswith(b"\x89PNG")


def test_grid_svg_of_three_molecules():
    mols = [chem.parse(s) for s in ("CCO", "c1ccccc1", "*CC(*)c1ccccc1")]
    svg = chem.grid(mols, legends=["ethanol", "benzene", "polystyrene"], highlights=[[0], [], [1]])
    assert "width='1000px' height='200px'" in svg and "#FF7F7F" in svg  # one row of 4 cells of 250x200


def test_conformer_is_3d_with_hydrogens_and_mmff_energy():
    conf = chem.conformer_3d(chem.parse("aspirin"))
    assert (conf.force_field, len(conf.symbols), len(conf.coordinates)) == ("MMFF94", 21, 21)
    assert conf.energy is not None and "V2000" in conf.molblock
    assert any(abs(z) > 0.1 for _, _, z in conf.coordinates)


def test_conformer_is_reproducible_with_a_seed():
    a = chem.conformer_3d(chem.parse("CCCCO"), seed=7)
    b = chem.conformer_3d(chem.parse("CCCCO"), seed=7)
    assert a.coordinates == b.coordinates


def test_conformer_of_polymer_uses_capped_unit():
    assert chem.conformer_3d(chem.parse("*CC(*)c1ccccc1")).symbols.count("C") == 8


def test_conformer_refuses_huge_molecules():
    with pytest.raises(chem.ConformerFailed, match="limited to"):
        chem.conformer_3d(chem.parse("C" * 400))
