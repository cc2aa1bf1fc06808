"""Structure -> name from the shipped name tables, by InChIKey: the reverse of tools.chem.names."""

from tools.chem import from_smiles
from tools.chem.names import resolve_name
from tools.chem.structure_names import name_of


def test_common_name_comes_with_its_iupac_name():
    found = name_of(from_smiles("CC(=O)Nc1ccc(O)cc1"))
    assert found is not None and found.systematic == "N-(4-hydroxyphenyl)acetamide"
    assert found.stereo_match


def test_any_way_of_writing_the_structure_finds_the_same_name():
    kekule = name_of(from_smiles("C1=CC=C(C=C1)C(=O)O"))
    aromatic = name_of(from_smiles("OC(=O)c1ccccc1"))
    assert kekule is not None and kekule == aromatic


def test_the_name_found_resolves_back_to_the_structure():
    mol = from_smiles("CCN(CC)CC")
    found = name_of(mol)
    assert found is not None
    assert name_of(from_smiles(resolve_name(found.name).smiles)) == found


def test_unknown_structure_has_no_name():
    assert name_of(from_smiles("ClCCCCCCc1cccc2ccccc12")) is None
