"""Name resolution: the offline table, the curated common names (checked against OPSIN) and OPSIN itself."""

import csv
from pathlib import Path

import pytest
from py2opsin import py2opsin
from rdkit import Chem

import tools.chem as chem

DATA = Path(chem.__file__).parent / "data"


def test_every_curated_common_name_matches_opsin_for_its_systematic_name():
    with open(DATA / "common_names.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    opsin = py2opsin([r["systematic_name"] for r in rows])  # one Java call for all rows
    for row, smiles in zip(rows, opsin, strict=True):
        ours = Chem.MolToInchiKey(Chem.MolFromSmiles(row["smiles"]))
        assert ours == Chem.MolToInchiKey(Chem.MolFromSmiles(smiles)), row["name"]


def test_table_name_wins_over_opsin():
    assert chem.resolve_name("Caffeine").source.startswith("synonym table")


def test_unknown_name():
    with pytest.raises(chem.UnknownName, match="Check the spelling"):
        chem.resolve_name("zzzyxine", use_opsin=False)
