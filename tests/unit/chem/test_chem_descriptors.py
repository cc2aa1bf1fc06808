"""Identifiers and descriptors, checked against RDKit called directly in the test."""

import pytest
from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, rdMolDescriptors

import tools.chem as chem

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"


def test_aspirin_identifiers():
    ids = chem.identifiers(chem.parse(ASPIRIN))
    assert ids.formula == "C9H8O4"
    assert ids.inchikey == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
    assert ids.average_mass == pytest.approx(180.16, abs=0.01)
    assert ids.provenance.startswith("computed by RDKit")


def test_caffeine_identifiers():
    ids = chem.identifiers(chem.parse(CAFFEINE))
    assert (ids.formula, ids.inchikey) == ("C8H10N4O2", "RYYVLZVUVIJVGH-UHFFFAOYSA-N")
    assert ids.exact_mass == pytest.approx(194.0804, abs=1e-4)


@pytest.mark.parametrize("smiles", [ASPIRIN, CAFFEINE, "CC(C)Cc1ccc(cc1)C(C)C(=O)O"])
def test_descriptors_equal_rdkit_computed_directly(smiles):
    mol = Chem.MolFromSmiles(smiles)
    d = chem.descriptors(chem.parse(smiles))
    assert d.mol_weight == pytest.approx(Descriptors.MolWt(mol))
    assert d.logp == pytest.approx(Crippen.MolLogP(mol))
    assert d.molar_refractivity == pytest.approx(Crippen.MolMR(mol))
    assert d.tpsa == pytest.approx(rdMolDescriptors.CalcTPSA(mol))
    assert (d.hbd, d.hba) == (rdMolDescriptors.CalcNumHBD(mol), rdMolDescriptors.CalcNumHBA(mol))
    assert d.rotatable_bonds == rdMolDescriptors.CalcNumRotatableBonds(mol)
    assert (d.ring_count, d.aromatic_rings) == (
        rdMolDescriptors.CalcNumRings(mol),
        rdMolDescriptors.CalcNumAromaticRings(mol),
    )
    assert d.heavy_atoms == mol.GetNumHeavyAtoms()
    assert d.fsp3 == pytest.approx(rdMolDescriptors.CalcFractionCSP3(mol))
    assert d.qed == pytest.approx(QED.qed(mol))


def test_sa_score_is_in_range_and_easy_for_aspirin():
    assert 1.0 <= chem.sa_score(chem.parse(ASPIRIN)) < 2.5


def test_sa_score_is_higher_for_a_complex_natural_product():
    taxol_core = "CC1=C2C(C(=O)C3(C)C(CC4OCC4(OC(C)=O)C3C(OC(=O)c3ccccc3)C(O)(CC1O)C2(C)C)O)OC(C)=O"
    assert chem.sa_score(chem.parse(taxol_core)) > chem.sa_score(chem.parse(ASPIRIN)) + 2


def test_polystyrene_repeat_unit_descriptors():
    d = chem.descriptors(chem.parse("*CC(*)c1ccccc1"))
    assert d.attachment_points == 2
    assert d.mol_weight == pytest.approx(104.15, abs=0.01)  # C8H8: the repeat unit, * carries no mass
    assert d.heavy_atoms == 8
    assert d.capped_smiles == "CCc1ccccc1"
    assert d.logp == pytest.approx(Crippen.MolLogP(Chem.MolFromSmiles("CCc1ccccc1")))


def test_polymer_identifiers_keep_the_star_and_have_no_inchi():
    ids = chem.identifiers(chem.parse("*CC(*)c1ccccc1"))
    assert (ids.canonical_smiles, ids.formula, ids.inchikey) == ("*CC(*)c1ccccc1", "C8H8*2", None)


def test_methyl_caps_keep_atom_indices():
    capped, mapping = chem.cap(chem.parse("*CC(*)c1ccccc1"), "methyl")
    assert Chem.MolToSmiles(capped) == "CCC(C)c1ccccc1"
    assert mapping == {i: i for i in range(10)}


def test_formal_charge():
    assert chem.descriptors(chem.parse("C[N+](C)(C)C")).formal_charge == 1


def test_standardize_strips_counter_ion_and_neutralises():
    mol = chem.standardize(chem.parse("CC(=O)[O-].[Na+]"))
    assert chem.to_smiles(mol) == "CC(=O)O"


def test_canonical_tautomer_is_optional():
    mol = chem.parse("Oc1ccccn1")
    assert chem.to_smiles(chem.standardize(mol)) == "Oc1ccccn1"
    assert chem.to_smiles(chem.standardize(mol, canonical_tautomer=True)) == "O=c1cccc[nH]1"
