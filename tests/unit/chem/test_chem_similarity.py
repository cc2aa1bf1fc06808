"""Fingerprints, Tanimoto, top-k search, substructure search and MCS."""

import pytest
from rdkit import DataStructs
from rdkit.Chem import rdFingerprintGenerator

import tools.chem as chem

SET = ["Cn1cnc2c1c(=O)n(C)c(=O)n2C", "not a smiles", "O=C(O)c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "CCO"]


def _mols():
    out = []
    for s in SET:
        try:
            out.append(chem.parse(s, kind="smiles"))
        except chem.ChemError:
            out.append(None)
    return out


def test_tanimoto_matches_rdkit_morgan_radius_2():
    a, b = chem.parse("aspirin"), chem.parse("salicylic acid")
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    expected = DataStructs.TanimotoSimilarity(gen.GetFingerprint(a), gen.GetFingerprint(b))
    assert chem.tanimoto(chem.fingerprint(a), chem.fingerprint(b)) == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["morgan", "morgan_count", "feature_morgan", "feature_morgan_count"])
def test_identical_molecules_have_similarity_one(kind):
    fp = chem.fingerprint(chem.parse("caffeine"), kind)
    assert chem.tanimoto(fp, fp) == 1.0


def test_top_k_search_ranks_best_first_and_skips_bad_rows():
    hits = chem.similarity_search(chem.parse("aspirin"), _mols(), k=2)
    assert [h.index for h in hits] == [3, 2]
    assert hits[0].similarity == 1.0


def test_substructure_search_with_matched_atoms():
    hits = chem.substructure_search(_mols(), "c1ccccc1C(=O)[OX2H1]")
    assert [h.index for h in hits] == [2, 3]
    assert len(hits[0].matches[0]) == 9


def test_invalid_smarts_is_a_clear_error():
    with pytest.raises(chem.ChemError, match="Invalid SMARTS"):
        chem.substructure_search(_mols(), "c1ccc[")


def test_mcs_of_aspirin_and_salicylic_acid():
    result = chem.mcs([chem.parse("aspirin"), chem.parse("salicylic acid")], timeout_s=5)
    assert (result.num_atoms, result.timed_out) == (10, False)
