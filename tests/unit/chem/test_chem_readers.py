"""Reading CSV, SDF and SMILES files: bad rows are reported with their row number, good rows kept."""

import pytest
from rdkit import Chem

import tools.chem as chem


def test_csv_with_broken_rows(tmp_path):
    path = tmp_path / "mols.csv"
    path.write_text("name,smiles\naspirin,CC(=O)Oc1ccccc1C(=O)O\nbroken,C1CC(\nshort\nethanol,CCO\n")
    records = list(chem.read_records(path))
    assert [(r.row, r.ok) for r in records] == [(2, True), (3, False), (4, False), (5, True)]
    assert "syntax error" in records[1].error
    assert "fields but the header has 2" in records[2].error


def test_csv_without_smiles_column_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(chem.UnsupportedFile, match="No SMILES column"):
        list(chem.read_records(path))


def test_sdf_with_a_broken_record(tmp_path):
    good = Chem.MolToMolBlock(Chem.MolFromSmiles("CCO"))
    path = tmp_path / "mols.sdf"
    path.write_text(f"{good}> <value>\n1.5\n\n$$$$\nbroken\n  x\n\n  2  1\nM  END\n$$$$\n{good}$$$$\n")
    records = list(chem.read_records(path))
    assert [(r.row, r.ok) for r in records] == [(1, True), (2, False), (3, True)]
    assert records[0].props == {"value": "1.5"}


def test_uploaded_bytes_smiles_file():
    records = list(chem.read_records(b"CCO ethanol\n# comment\nC1CC( bad\n", filename="up.smi"))
    assert [(r.row, r.name, r.ok) for r in records] == [(1, "ethanol", True), (3, "bad", False)]


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("smiles\n" + "CCO\n" * 1000)
    with pytest.raises(chem.FileTooLarge, match="the limit is"):
        list(chem.read_records(path, max_bytes=1000))


def test_unknown_extension():
    with pytest.raises(chem.UnsupportedFile, match=r"\.sdf, \.csv"):
        chem.detect_format("mols.xlsx")
