"""The Properties page, run headless with Streamlit's AppTest: predict, bad input, screen, save, model cards."""

import pytest
from streamlit.testing.v1 import AppTest

from app.errors import ValidationFailed
from app.services import properties, sessions
from tests.helpers.pages import open_page
from tools import results


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _predict(at: AppTest, text: str) -> AppTest:
    at.text_input(key="prop_text").input(text)
    return _button(at, "Predict").click().run()


def test_caffeine_by_name_gets_solubility_with_interval_domain_flag_and_provenance(bob):
    at = _predict(open_page("properties", bob), "caffeine")
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    esol = table[table["property"] == "Aqueous solubility logS (ESOL)"].iloc[0]
    assert esol["90% low"] < esol["predicted"] < esol["90% high"] and esol["domain"] == "✓ in domain"
    assert any("predicted by model esol-" in c.value for c in at.caption)


def test_predictions_added_to_the_session_keep_the_name_the_chemist_typed(bob):
    session = sessions.create_session(bob, "Caffeine")
    at = _predict(open_page("properties", bob, current_session_id=session.id, prop_props=["esol"]), "caffeine")
    at.button(key="prop_add_prediction").click().run()
    assert not at.exception and not at.error
    [artifact] = sessions.list_artifacts(bob, session.id)
    stored = results.stored(artifact.kind.value, artifact.payload)
    assert isinstance(stored, results.PredictionResult) and artifact.payload["kind"] == "prediction"
    assert (stored.query, [(p.input, p.property) for p in stored.predictions]) == ("caffeine", [("caffeine", "esol")])


def test_a_bad_smiles_in_a_list_is_a_row_error_and_the_others_are_still_predicted(bob):
    at = open_page("properties", bob, prop_source="A list")
    at.text_area(key="prop_list").input("CCO ethanol\nC1CC(\nC[Se]C")
    at = _button(at, "Predict").click().run()
    assert not at.exception
    assert "Invalid SMILES 'C1CC('" in at.error[0].value
    table = at.dataframe[0].value
    assert set(table[table["error"] == ""]["molecule"]) == {"ethanol", "C[Se]C"}
    assert any("Se never seen in training" in w.value for w in at.warning)


def test_a_window_the_page_cannot_read_is_a_clear_error(bob):
    at = open_page("properties", bob, prop_seed="*CC(*)c1ccccc1")
    at.text_area(key="prop_windows").input("Tg is high")
    at = _button(at, "Screen").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Cannot read window 'Tg is high'")


def test_screen_polystyrene_analogs_and_add_the_ranked_table_to_the_session(bob):
    session = sessions.create_session(bob, "High-Tg polymers")
    at = open_page("properties", bob, current_session_id=session.id, prop_seed="*CC(*)c1ccccc1", prop_max_analogs=5)
    at.text_area(key="prop_windows").input("Tg > 100 °C")
    at = _button(at, "Screen").click().run()
    assert not at.exception and not at.error
    ranked = at.dataframe[0].value
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5, 6] and ranked["passes"].iloc[0]
    at.button(key="prop_add_screen").click().run()
    [artifact] = sessions.list_artifacts(bob, session.id)
    assert artifact.kind.value == "table" and artifact.payload["seed_smiles"] == "*CC(*)c1ccccc1"
    assert artifact.payload["kind"] == "screen" and artifact.payload["seed"] == "*CC(*)c1ccccc1"
    assert artifact.payload["windows"] == {"tg": [373.15, None]} and len(artifact.payload["rows"]) == 6


def test_model_cards_show_metrics_baselines_and_both_plots(bob):
    at = open_page("properties", bob, prop_tab="Model cards")
    assert not at.exception and not at.error
    overview = at.dataframe[0].value
    assert {
        "RMSE random split (3 seeds, mean)",
        "RMSE shipped model (random split, seed 0)",
        "RMSE scaffold split",
        "license",
    } <= set(overview.columns)
    assert len(at.get("plotly_chart")) == 2


def test_an_uploaded_file_that_is_not_text_is_refused_with_a_clear_message():
    assert properties.smiles_from_upload(b"\xef\xbb\xbfsmiles,name\nCCO,ethanol\n", "ok.csv") == ["CCO"]
    with pytest.raises(ValidationFailed, match="not a UTF-8 text file"):
        properties.smiles_from_upload(b"\x89PNG\r\n\x1a\n\x00\xff", "picture.csv")
