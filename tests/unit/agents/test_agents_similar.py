"""Similarity hits are other molecules: never the query as a stereoisomer, tautomer, salt or charge state, and
no molecule twice (the shipped reference set, real RDKit)."""

from __future__ import annotations

import pytest
from rdkit import Chem

from agents.similar import similar

DICLOFENAC = "OC(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl"
OMEPRAZOLE = "COc1ccc2[nH]c(nc2c1)S(=O)Cc1ncc(C)c(OC)c1C"  # the 5-methoxy tautomer; the set holds the 6-methoxy one


def key(smiles: str) -> str:
    return Chem.MolToInchiKey(Chem.MolFromSmiles(smiles)).split("-")[0]


DICLOFENAC_ANION = "O=C([O-])Cc1ccccc1Nc1c(Cl)cccc1Cl"


@pytest.mark.parametrize("query", [DICLOFENAC, OMEPRAZOLE, "CC(=O)Oc1ccccc1C(=O)O", DICLOFENAC_ANION])
def test_hits_are_distinct_molecules_other_than_the_query(query: str) -> None:
    hits = similar(Chem.MolFromSmiles(query), k=8)

    keys = [key(h["smiles"]) for h in hits]
    assert len(hits) == 8
    assert key(query) not in keys
    assert len(set(keys)) == len(keys)


def test_the_neighbours_of_diclofenac_are_its_analogues_not_its_anion() -> None:
    names = [h["name"] for h in similar(Chem.MolFromSmiles(DICLOFENAC), k=5)]

    assert names[0] == "aceclofenac"
    assert "lumiracoxib" in names
