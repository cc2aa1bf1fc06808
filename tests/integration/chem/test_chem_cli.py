"""`chemassist mol ...` through Typer's CliRunner on the real toolkit."""

import json

import pytest
from typer.testing import CliRunner

from app.cli.mol import cli

runner = CliRunner()
REQUIRED = [
    "canonical_smiles",
    "inchi",
    "inchikey",
    "formula",
    "mol_weight",
    "exact_mass",
    "logp",
    "tpsa",
    "hbd",
    "hba",
    "rotatable_bonds",
    "ring_count",
    "aromatic_rings",
    "heavy_atoms",
    "fsp3",
    "qed",
    "sa_score",
    "lipinski_violations",
    "alerts",
    "provenance",
]


def test_info_json_for_aspirin_by_name():
    result = runner.invoke(cli, ["info", "aspirin", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(REQUIRED) <= set(data)
    assert (data["formula"], data["inchikey"]) == ("C9H8O4", "BSYNRYMUTXBXSQ-UHFFFAOYSA-N")
    assert data["mol_weight"] == pytest.approx(180.16, abs=0.01)
    assert {"catalog": "BRENK", "name": "phenol_ester"}.items() <= data["alerts"][0].items()


def test_info_table_for_polymer():
    result = runner.invoke(cli, ["info", "*CC(*)c1ccccc1"])
    assert result.exit_code == 0 and "attachment points" in result.output


def test_info_bad_smiles_is_one_clear_line():
    result = runner.invoke(cli, ["info", "C(C)(C)(C)(C)C", "--json"])
    assert result.exit_code == 1
    assert "Explicit valence" in result.output and "Traceback" not in result.output


def test_screen_flags_sarin():
    result = runner.invoke(cli, ["screen", "CC(C)OP(C)(=O)F", "--json"])
    assert json.loads(result.output)["flagged"] is True


@pytest.mark.slow
def test_batch_writes_csv_and_reports_bad_rows(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("name,smiles\nethanol,CCO\nbad,C1CC(\naspirin,CC(=O)Oc1ccccc1C(=O)O\n")
    result = runner.invoke(cli, ["batch", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 rows read, 2 analysed, 1 failed" in result.output and "row 3:" in result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 4 and "mol_weight" in lines[0]


def test_batch_missing_file_is_a_clear_error(tmp_path):
    result = runner.invoke(cli, ["batch", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "No such file" in result.output


def test_similar_and_depict(tmp_path):
    src = tmp_path / "set.smi"
    src.write_text("O=C(O)c1ccccc1O salicylic\nCCO ethanol\nCC(=O)Oc1ccccc1C(=O)O aspirin\n")
    result = runner.invoke(cli, ["similar", "aspirin", str(src), "-k", "2", "--json"])
    assert [r["name"] for r in json.loads(result.output)] == ["aspirin", "salicylic"]
    svg = tmp_path / "a.svg"
    result = runner.invoke(cli, ["depict", "aspirin", "-o", str(svg), "--highlight", "C(=O)O"])
    assert result.exit_code == 0 and svg.read_text().lstrip().startswith("<?xml")
