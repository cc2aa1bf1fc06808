"""The headline demo: "design a polymer with Tg > 250 °C" from a seed repeat unit, through the service."""

from app.services import properties as service

# BPDA-ODA polyimide (Upilex-R type; not in the Tg training set, its relatives are)
SEED = "[*]N1C(=O)c2ccc(cc2C1=O)-c1ccc2C(=O)N(C(=O)c2c1)c1ccc(cc1)Oc1ccc(cc1)[*]"


def test_design_a_polymer_with_tg_above_250_celsius():
    rows = service.screen(["Tg > 250 °C"], seed=SEED)
    hits = [r for r in rows if r.passes]
    assert hits, "no analog predicted above 523.15 K"
    best = hits[0].predictions["tg"]
    assert best.value is not None and best.interval_low is not None and best.interval_high is not None
    assert best.value > 523.15 and best.interval_low < best.value < best.interval_high
    assert best.in_domain and (best.nearest_neighbours[0].measured_value or 0) > 500


def test_conservative_screen_demands_the_whole_interval_above_the_window():
    rows = service.screen(["Tg > 250 °C"], seed=SEED, conservative=True)
    assert all((r.predictions["tg"].interval_low or 0) >= 523.15 for r in rows if r.passes)


def test_screening_a_candidate_list_reports_failures_per_row():
    rows = service.screen(["Tg > 250 °C"], candidates=["[*]CC[*]", "[*]CC([*])c1ccccc1", "oops("])
    assert [r.passes for r in rows] == [False, False, False]
    assert (rows[-1].error or "").startswith("Invalid SMILES")
