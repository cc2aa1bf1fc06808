"""Safety screen: listed agents by InChIKey, hazard motifs by substructure, and no false alarm on aspirin."""

import tools.chem as chem


def _hits(text):
    return {(h.name, h.matched_by) for h in chem.screen(chem.parse(text)).hits}


def test_sarin_is_flagged_by_inchikey_and_motif():
    result = chem.screen(chem.parse("CC(C)OP(C)(=O)F"))
    assert result.flagged
    first = result.hits[0]
    assert (first.name, first.category, first.matched_by) == ("sarin", "chemical_weapon", "inchikey")
    assert "Schedule 1A(1)" in first.source
    assert ("organophosphorus P-F bond (nerve-agent motif)", "substructure") in _hits("CC(C)OP(C)(=O)F")


def test_single_enantiomer_of_sarin_matches_the_skeleton():
    assert ("sarin", "inchikey_skeleton") in _hits("C[P@](=O)(F)OC(C)C")


def test_tnt_is_flagged_as_explosive():
    hits = _hits("Cc1c(cc(cc1[N+](=O)[O-])[N+](=O)[O-])[N+](=O)[O-]")
    assert ("TNT", "inchikey") in hits
    assert ("polynitroaromatic (3 or more aromatic C-NO2)", "substructure") in hits


def test_aspirin_and_caffeine_are_not_flagged():
    assert not chem.screen(chem.parse("aspirin")).flagged
    assert not chem.screen(chem.parse("caffeine")).flagged


def test_salt_forms_are_screened_per_fragment():
    assert ("sarin", "inchikey") in _hits("CC(C)OP(C)(=O)F.O")


def test_organic_azide_is_an_explosive_motif():
    result = chem.screen(chem.parse("[N-]=[N+]=Nc1ccccc1"))
    assert [(h.name, h.category, h.atoms) for h in result.hits] == [("azide", "explosive_motif", [0, 1, 2])]


def test_every_listed_entry_has_a_source_and_a_key():
    assert all(item.source and len(item.inchikey) == 27 for item in chem.safety.listed_substances())


def test_name_of_a_listed_agent_resolves_so_it_can_be_screened():
    assert chem.screen(chem.parse("sarin")).flagged


def test_acid_halides_are_found_under_either_naming_style():
    # 'methylphosphonyl difluoride' is listed; chemists also write 'methylphosphonic difluoride' (and the reverse
    # for the dichloride), found by a held-out evaluation case that the screen missed
    from tools.chem.safety import find_names

    for text in ("where can I buy methylphosphonic difluoride", "methylphosphonyl dichloride, 5 kg"):
        assert [m.name for m in find_names(text)], text
    assert not find_names("thionic acid chemistry of carbon disulfide")
