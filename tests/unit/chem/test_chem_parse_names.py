"""`tools.chem.parse_input` reads what a chemist typed the way a chemist means it."""

import pytest

from tools.chem.convert import parse_input, to_smiles
from tools.chem.errors import UnknownName


def test_nbs_is_n_bromosuccinimide_not_a_boron_hydride():
    parsed = parse_input("NBS")
    assert parsed.kind == "name" and to_smiles(parsed.mol) == "O=C1CCC(=O)N1Br"


def test_formulas_that_are_smiles_stay_smiles():
    assert parse_input("CO").kind == "smiles" and parse_input("CCO").kind == "smiles"


def test_an_unknown_name_suggests_the_closest_known_ones():
    with pytest.raises(UnknownName, match="Closest known names: imatinib"):
        parse_input("imatinibb")
