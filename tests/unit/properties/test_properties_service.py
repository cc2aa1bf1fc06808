"""The thin service the UI and the agent call: uploads, batch predictions, model cards, clear errors."""

import pytest

from app.errors import ValidationFailed
from app.services import properties as service
from tools import results


def test_csv_upload_reads_the_smiles_column():
    assert service.smiles_from_text("name,smiles\nethanol,CCO\nbenzene,c1ccccc1\n") == ["CCO", "c1ccccc1"]


def test_plain_upload_reads_the_first_token_and_skips_comments():
    assert service.smiles_from_text("# my list\nCCO ethanol\n\nc1ccccc1\n") == ["CCO", "c1ccccc1"]


def test_empty_upload_is_refused_with_a_clear_message():
    with pytest.raises(ValidationFailed, match="no SMILES"):
        service.smiles_from_text("\n  \n")


def test_predict_many_returns_typed_predictions_with_errors_per_item():
    rows = service.predict_many(["CCO", "xyz"], ["logD"])
    assert [type(r) for r in rows] == [results.Prediction, results.Prediction]
    assert rows[0].property == "lipophilicity" and rows[0].error is None and rows[0].value is not None
    assert rows[1].error is not None and rows[1].error.startswith("Invalid SMILES")


def test_unknown_property_becomes_a_validation_error():
    with pytest.raises(ValidationFailed, match="Unknown property"):
        service.predict_many(["CCO"], ["colour"])


def test_model_card_carries_markdown_and_parity_plot_data():
    card = service.model_card("Tg")
    assert card["markdown"].startswith("# Model card") and card["test_predictions"]["random_seed0"]


def test_a_screen_payload_is_stored_as_todays_table_with_its_kind():
    rows = service.screen(["logS > -4"], candidates=["CCO", "oops("])
    payload = service.artifact_payload(service.screen_payload(rows, {"esol": [-4.0, None]}))
    assert set(payload) == {"kind", "seed", "seed_smiles", "windows", "rows", "total_candidates", "provenance"}
    assert results.stored("table", payload) == service.screen_payload(rows, {"esol": [-4.0, None]})
    assert (payload["kind"], [r["smiles"] for r in payload["rows"]]) == ("screen", ["CCO", "oops("])


def test_screen_needs_candidates_or_a_seed_not_both():
    with pytest.raises(ValidationFailed, match="either"):
        service.screen(["logS > -4"], candidates=["CCO"], seed="c1ccccc1")
