"""Units on the Properties page: a screen row, its window, the failed-window text and the structure legends
write the same number, in the unit the chemist picked (°C or K; logS or mg/mL)."""

import pytest
from streamlit.testing.v1 import AppTest

from app.ui import properties as ui
from tests.helpers.pages import open_page

SEED = "*CC(*)c1ccccc1"  # polystyrene: its analogs give several Tg values


def _screen(at: AppTest, window: str) -> AppTest:
    at.text_area(key="prop_windows").input(window)
    at = next(b for b in at.button if b.label == "Screen").click().run()
    assert not at.exception and not at.error
    return at


@pytest.fixture
def near_bound(bob):
    """A window in whole-ish °C that one candidate misses by less than the display's 0.1 °C rounding."""
    at = _screen(open_page("properties", bob, prop_seed=SEED, prop_max_analogs=8), "Tg > 0 °C")
    kelvins = [r.predictions["tg"].value for r in at.session_state["prop_screen"]["payload"].rows]
    celsius = [k - 273.15 for k in kelvins]
    rounded_up = [c for c in celsius if round(c, 1) > c]
    assert rounded_up, "no candidate whose °C value rounds up; pick another seed"
    return at, round(rounded_up[0], 1)


def test_a_row_that_fails_the_window_never_shows_the_window_value(near_bound):
    at, bound = near_bound
    at = _screen(at, f"Tg > {bound} °C")
    table = at.dataframe[0].value
    shown = table["Tg (°C)"]
    assert list(table["passes"]) == [v >= bound for v in shown]


def test_failed_windows_are_written_in_the_picked_unit(near_bound):
    at, bound = near_bound
    at = _screen(at, f"Tg > {bound} °C")
    failed = at.dataframe[0].value.query("not passes")["failed windows"]
    assert set(failed) == {f"Tg ≥ {bound:g} °C"}


def test_the_structure_legends_show_the_numbers_of_the_table(near_bound):
    at, bound = near_bound
    at = _screen(at, f"Tg > {bound} °C")
    table = at.dataframe[0].value
    payload = at.session_state["prop_screen"]["payload"]
    legends = {r.smiles: ui.grid_legend(r, "tg", payload.windows["tg"]) for r in payload.rows}
    for smiles, value in zip(table["SMILES"], table["Tg (°C)"], strict=True):
        number = legends[smiles.removesuffix("  (seed)")].split(" Tg ")[1].split(" deg C")[0]
        assert float(number) == value


def test_kelvin_picked_shows_kelvin_columns_and_windows(bob):
    at = open_page("properties", bob, prop_seed=SEED, prop_max_analogs=3, unit_temperature="K")
    table = _screen(at, "Tg > 250 °C").dataframe[0].value
    assert "Tg (K)" in table.columns and "Tg (°C)" not in table.columns
    assert set(table.query("not passes")["failed windows"]) <= {"Tg ≥ 523.15 K"}


def test_solubility_in_mg_per_ml_is_ten_to_the_logs_times_the_molecular_weight(bob):
    at = open_page("properties", bob, unit_solubility="mg/mL")
    at.text_input(key="prop_text").input("caffeine")
    at = next(b for b in at.button if b.label == "Predict").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    esol = table[table["property"] == "Aqueous solubility logS (ESOL)"].iloc[0]
    caffeine_mw = 194.19
    [p] = [p for p in at.session_state["prop_result"] if p.property == "esol"]
    assert esol["unit"] == "mg/mL" and esol["predicted"] == pytest.approx(10**p.value * caffeine_mw, rel=2e-3)
