"""The thin service the UI and the agent call: uploads, batch predictions, model cards, clear errors."""

import pytest

from app.errors import ValidationFailed
from app.services import properties as service


def test_csv_upload_reads_the_smiles_column():
    assert service.smiles_from_text("name,smiles\nethanol,CCO\nbenzene,c1ccccc1\n") == ["CCO", "c1ccccc1"]


def test_plain_upload_reads_the_first_token_and_skips_comments():
    assert service.smiles_from_text("# my list\nCCO ethanol\n\nc1ccccc1\n") == ["CCO", "c1ccccc1"]


def test_empty_upload_is_refused_with_a_clear_message():
    with pytest.raises(ValidationFailed, match="no SMILES"):
        service.smiles_from_text("\n  \n")


def test_predict_many_returns_plain_dicts_with_errors_per_item():
    rows = service.predict_many(["CCO", "xyz"], ["logD"])
    assert rows[0]["property"] == "lipophilicity" and rows[0]["error"] is None
    assert rows[1]["error"].startswith("Invalid SMILES")


def test_unknown_property_becomes_a_validation_error():
    with pytest.raises(ValidationFailed, match="Unknown property"):
        service.predict_many(["CCO"], ["colour"])


def test_model_card_carries_markdown_and_parity_plot_data():
    card = service.model_card("Tg")
    assert card["markdown"].startswith("# Model card") and card["test_predictions"]["random_seed0"]


def test_screen_needs_candidates_or_a_seed_not_both():
    with pytest.raises(ValidationFailed, match="either"):
        service.screen(["logS > -4"], candidates=["CCO"], seed="c1ccccc1")
