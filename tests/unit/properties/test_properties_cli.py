"""`chemassist predict` and `chemassist models ...`, run through Typer's CliRunner on a small app."""

import json

import typer
from typer.testing import CliRunner

from app.cli.predict import models_cli, predict
from tools import results

app = typer.Typer()
app.command("predict")(predict)
app.add_typer(models_cli, name="models")
runner = CliRunner()

FIELDS = {
    "value",
    "unit",
    "interval_low",
    "interval_high",
    "in_domain",
    "nearest_neighbours",
    "model",
    "test_rmse",
}


def test_predict_json_has_every_field_for_every_property():
    result = runner.invoke(app, ["predict", "CCO", "--json"])
    rows = json.loads(result.stdout)
    assert result.exit_code == 0 and [r["property"] for r in rows] == ["esol", "freesolv", "lipophilicity"]
    assert all(set(r) >= FIELDS for r in rows)
    # the keys scripts read before predictions were typed: the chemist's `input` label is the page's, not the CLI's
    assert all(set(r) == set(results.Prediction.model_fields) - {"input"} for r in rows)
    assert set(rows[0]["nearest_neighbours"][0]) == {"smiles", "similarity", "measured_value"}


def test_predict_one_property_for_a_file_of_smiles(tmp_path):
    path = tmp_path / "mols.smi"
    path.write_text("CCO ethanol\nnot_a_smiles\n[*]CC([*])c1ccccc1\n")
    rows = json.loads(runner.invoke(app, ["predict", str(path), "--property", "logS", "--json"]).stdout)
    assert [(r["smiles"], r["error"] is None) for r in rows] == [
        ("CCO", True),
        ("not_a_smiles", False),
        ("[*]CC([*])c1ccccc1", False),
    ]


def test_empty_file_is_a_clear_error_not_a_traceback(tmp_path):
    path = tmp_path / "empty.smi"
    path.write_text("\n")
    result = runner.invoke(app, ["predict", str(path)])
    assert result.exit_code == 1 and "no SMILES" in result.output


def test_unknown_property_is_a_clear_error():
    result = runner.invoke(app, ["predict", "CCO", "--property", "melting point"])
    assert result.exit_code == 1 and "Unknown property" in result.output


def test_table_output_flags_out_of_domain_predictions():
    result = runner.invoke(app, ["predict", "C[Hg]C", "--property", "esol"])
    assert result.exit_code == 0 and "NO" in result.output


def test_models_cards_lists_every_property():
    rows = json.loads(runner.invoke(app, ["models", "cards", "--json"]).stdout)
    assert {c["property"] for c in rows} == {"esol", "freesolv", "lipophilicity", "tg"}


def test_train_properties_has_help():
    result = runner.invoke(app, ["models", "train-properties", "--help"])
    assert result.exit_code == 0 and "--property" in result.output and "--out" in result.output
