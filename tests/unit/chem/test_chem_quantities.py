"""One formatting function per quantity: predicted properties in the unit a chemist picks, rounded once."""

import math

import pytest

from tools.chem import quantities as q


def test_tg_is_written_in_celsius_with_kelvin_beside_it_by_default():
    assert q.format_predicted("tg", 500.0) == "226.9 °C (500.0 K)"


def test_tg_in_kelvin_puts_kelvin_first():
    assert q.format_predicted("tg", 500.0, q.Units("K")) == "500.0 K (226.9 °C)"


def test_a_value_just_under_a_window_limit_is_not_rounded_onto_it():
    # 393.1 K is 119.95 °C: written "120.0 °C" it would seem to pass "Tg > 120 °C", which it fails
    assert q.convert("tg", 393.1, bounds=[393.15]) == 119.95


def test_without_a_limit_nearby_the_usual_digits_are_kept():
    assert q.convert("tg", 393.1, bounds=[523.15]) == 120.0


def test_mg_per_ml_is_ten_to_the_logs_times_the_molecular_weight():
    assert q.mg_per_ml(-2.0, 180.16) == pytest.approx(1.8016)


def test_logs_is_shown_with_mg_per_ml_beside_it_when_the_weight_is_known():
    assert q.format_predicted("esol", -2.0, mol_weight=180.16) == "-2.00 logS (1.8 mg/mL)"


def test_mg_per_ml_first_when_picked():
    assert q.format_predicted("esol", -2.0, q.Units(solubility="mg/mL"), 180.16) == "1.8 mg/mL (-2.00 logS)"


def test_mg_per_ml_without_a_molecular_weight_is_a_clear_error():
    with pytest.raises(ValueError, match="needs the molecular weight"):
        q.convert("esol", -2.0, q.Units(solubility="mg/mL"))


def test_a_molecular_weight_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="must be positive"):
        q.mg_per_ml(-2.0, 0)


def test_mg_per_ml_near_a_limit_keeps_more_figures_rather_than_cross_it():
    weight = 100.0
    value, limit = math.log10(0.0123449 / weight), math.log10(0.01234 / weight)  # just above the limit
    # 3 figures (0.0123) would fall under the limit and 4 (0.01234) onto it
    assert q.convert("esol", value, q.Units(solubility="mg/mL"), weight, bounds=[limit]) == 0.012345


def test_hydration_free_energy_and_logd_have_their_units_and_two_decimals():
    assert (q.format_predicted("freesolv", -5.123), q.format_predicted("lipophilicity", 1.234)) == (
        "-5.12 kcal/mol",
        "1.23",
    )


def test_legends_for_rdkit_are_ascii():
    assert q.format_predicted("tg", 500.0, other=False, ascii_only=True) == "226.9 deg C"


def test_an_unknown_unit_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="choose °C or K"):
        q.Units(temperature="°F")


def test_a_window_is_written_in_the_picked_temperature_unit():
    assert (q.window_text("tg", 393.15, None), q.window_text("tg", 393.15, None, q.Units("K"))) == (
        "Tg ≥ 120 °C",
        "Tg ≥ 393.15 K",
    )


def test_a_missing_value_is_not_available():
    assert q.format_predicted("tg", None) == "n/a"
