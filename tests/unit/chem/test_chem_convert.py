"""Reading structures: SMILES, InChI, mol blocks, names, and clear errors for bad input."""

import pytest
from rdkit import Chem

import tools.chem as chem


def test_parse_smiles_gives_an_rdkit_molecule():
    mol = chem.parse("CCO")
    assert Chem.MolToSmiles(mol) == "CCO"


def test_parse_inchi():
    mol = chem.parse("InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3")
    assert chem.to_smiles(mol) == "CCO"


def test_parse_molblock_round_trip():
    block = chem.to_molblock(chem.parse("c1ccccc1O"))
    parsed = chem.parse_input(block)
    assert parsed.kind == "molblock"
    assert chem.to_smiles(parsed.mol) == "Oc1ccccc1"


def test_name_from_synonym_table_is_case_insensitive():
    parsed = chem.parse_input("  Acetylsalicylic   ACID ")
    assert parsed.kind == "name"
    assert chem.identifiers(parsed.mol).inchikey == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"


def test_common_name_aspirin_resolves():
    assert chem.identifiers(chem.parse("aspirin")).inchikey == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"


def test_systematic_name_resolves_with_opsin():
    parsed = chem.parse_input("2-acetyloxybenzoic acid")
    assert parsed.source.startswith("OPSIN")
    assert chem.identifiers(parsed.mol).inchikey == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"


def test_polymer_repeat_unit_parses_with_attachment_points():
    mol = chem.parse("*CC(*)c1ccccc1")
    assert chem.attachment_points(mol) == [0, 3]


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_input_is_refused(text):
    with pytest.raises(chem.EmptyInput, match="Empty"):
        chem.parse(text)


def test_valence_error_names_the_atom():
    with pytest.raises(chem.InvalidSmiles, match="valence for atom # 0 C, 5"):
        chem.parse("C(C)(C)(C)(C)C")


def test_syntax_error_is_invalid_smiles():
    with pytest.raises(chem.InvalidSmiles, match="syntax error"):
        chem.parse("C1CC(")


def test_ten_thousand_character_smiles_is_refused_clearly():
    with pytest.raises(chem.InputTooLong, match="10,000 characters long; the limit is 2,000"):
        chem.parse("C" * 10_000)


def test_unknown_name_says_what_was_tried():
    with pytest.raises(chem.UnknownName, match="neither a valid SMILES nor a known chemical name"):
        chem.parse("flubbergastine")


def test_invalid_inchi():
    with pytest.raises(chem.InvalidInchi):
        chem.parse("InChI=1S/garbage")


def test_all_chem_errors_are_value_errors():
    assert issubclass(chem.UnknownName, chem.ChemError)
    assert issubclass(chem.ChemError, ValueError)
