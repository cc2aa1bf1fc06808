"""Screening: windows with explicit units, analog enumeration, filtering and ranking."""

import pytest

from tools.properties.screening import ScreeningError, Window, enumerate_analogs, parse_window, screen


def test_tg_window_in_celsius_is_stored_in_kelvin():
    assert parse_window("Tg > 250 °C") == Window("tg", low=523.15)


def test_solubility_window_uses_the_model_unit():
    assert parse_window("logS >= -4") == Window("esol", low=-4.0)


def test_a_unit_that_does_not_fit_is_refused():
    with pytest.raises(ScreeningError, match="does not fit"):
        parse_window("logS > 3 K")


def test_analogs_of_toluene_include_fluoro_and_swapped_groups():
    analogs = enumerate_analogs("Cc1ccccc1")
    assert {"Cc1ccc(F)cc1", "Cc1ccccc1F", "FC(F)(F)c1ccccc1", "Oc1ccccc1"} <= set(analogs)
    assert "Cc1ccccc1" not in analogs


def test_analogs_of_a_polymer_keep_its_attachment_points():
    analogs = enumerate_analogs("[*]CC([*])c1ccccc1", substituents=["Cl"])
    assert analogs and all(a.count("*") == 2 for a in analogs)


def test_screen_keeps_soluble_molecules_and_ranks_most_soluble_first():
    rows = screen(["CCCCCCCCCCCCCCCC", "CCO", "OCC(O)CO", "C1CC("], ["logS > -4"])
    passing = [r.smiles for r in rows if r.passes]
    assert passing[0] in {"CCO", "OCC(O)CO"} and "CCCCCCCCCCCCCCCC" not in passing
    assert rows[-1].smiles == "C1CC(" and rows[-1].rank is None and rows[-1].error


def test_ranked_rows_come_in_order_of_the_window_property():
    rows = [r for r in screen(["CCO", "CCCCO", "CCCCCCO", "CCCCCCCCO"], ["logS > -10"]) if r.passes and r.all_in_domain]
    values = [r.predictions["esol"].value for r in rows]
    assert values == sorted(values, reverse=True)
