"""The molecule card and the Molecules page write descriptors with the labels, digits and units of
tools.chem.quantities, as chat answers and exports do."""

from dataclasses import asdict

import tools.chem as chem
from app.services import molecules
from app.ui.artifacts import molecule_card_rows, table_in
from app.ui.molecules import descriptor_rows

ASPIRIN = asdict(chem.descriptors(chem.parse("CC(=O)Oc1ccccc1C(=O)O")))


def test_the_molecule_card_reads_like_a_chemist_writes():
    rows = molecule_card_rows(ASPIRIN, ["mol_weight", "tpsa", "hbd"]).to_dict("records")
    assert rows == [
        {"descriptor": "molecular weight", "value": "180.159", "unit": "g/mol"},
        {"descriptor": "TPSA", "value": "63.6", "unit": "Å²"},
        {"descriptor": "H-bond donors", "value": "1", "unit": ""},
    ]


def test_the_molecules_page_rounds_as_the_card_does():
    rows = descriptor_rows(molecules.analyse("CC(=O)Oc1ccccc1C(=O)O")).set_index("descriptor")
    assert (rows.loc["Molecular weight (average)", "value"], rows.loc["Topological polar surface area", "unit"]) == (
        "180.159",
        "Å²",
    )


def test_a_molecule_card_leaves_out_the_table_the_offline_answer_already_shows():
    from agents.answers import compose
    from tests.fixtures.tool_results import load
    from tools import results

    tool, payload = load("molecule_aspirin")
    aspirin = results.parse(tool, payload)
    assert isinstance(aspirin, results.MoleculeResult)
    offline_answer = compose("tell me about aspirin", [(tool, payload)])

    assert table_in(aspirin, offline_answer)
    assert not table_in(aspirin, "Aspirin is acetylsalicylic acid, an NSAID.")  # a model's answer: the table stays
