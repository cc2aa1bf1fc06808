"""Rule filters and structural alerts with matched atoms."""

import tools.chem as chem

RHODANINE = "O=C1NC(=S)SC1=Cc1ccccc1"  # 5-benzylidene rhodanine, a classic PAINS


def test_aspirin_passes_lipinski_veber_and_ghose():
    filters = chem.rule_filters(chem.parse("aspirin"))
    assert [filters[n].passed for n in ("lipinski", "veber", "ghose")] == [True, True, True]


def test_failed_rules_are_named():
    long_acid = chem.parse("C" * 38 + "C(=O)O")
    result = chem.lipinski(long_acid)
    assert (result.passed, result.violations) == (False, 2)
    assert any(text.startswith("logP") for text in result.failed)


def test_lead_likeness_flags_small_fragment_on_mw():
    assert chem.lead_like(chem.parse("CCO")).failed == ["MW 46.1 outside 250-350 g/mol"]


def test_rhodanine_is_a_pains_hit_with_atoms():
    hits = [a for a in chem.alerts(chem.parse(RHODANINE)) if a.catalog == "PAINS_A"]
    assert [a.name for a in hits] == ["ene_rhod_A(235)"]
    assert hits[0].atoms == [0, 1, 2, 3, 4, 5, 6, 7]


def test_caffeine_has_no_pains_alert():
    assert not [a for a in chem.alerts(chem.parse("caffeine")) if a.catalog.startswith("PAINS")]


def test_alert_atoms_refer_to_the_original_repeat_unit():
    found = {a.name: a.atoms for a in chem.alerts(chem.parse("*CC(*)C=O"), ["BRENK"])}
    assert found["aldehyde"] == [4, 5]  # C=O of the original, * atoms 0 and 3 included in the numbering
