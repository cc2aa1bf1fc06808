"""The molecule card and the Molecules page write descriptors with the labels, digits and units of
tools.chem.quantities, as chat answers and exports do."""

from dataclasses import asdict

import tools.chem as chem
from app.services import molecules
from app.ui.artifacts import molecule_card_rows, said_in
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


def test_the_chat_folds_a_molecule_card_whose_table_the_offline_answer_already_shows():
    from datetime import UTC, datetime

    from agents.answers import compose
    from app.db.models import ArtifactKind
    from app.services.sessions import ArtifactInfo
    from tests.fixtures.tool_results import load

    tool, payload = load("molecule_aspirin")
    card = ArtifactInfo(1, ArtifactKind.molecule, "aspirin", payload, 1, datetime.now(UTC))
    offline_answer = compose("tell me about aspirin", [(tool, payload)])

    assert said_in(card, offline_answer)
    assert not said_in(card, "Aspirin is acetylsalicylic acid, an NSAID.")  # a model's answer: the card stays open
