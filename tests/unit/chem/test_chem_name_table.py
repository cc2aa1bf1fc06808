"""The chemassist name table: drugs, reagents, solvents and catalysts by the names chemists use.

InChIKeys in these tests are the sources' own (DrugCentral 2023 for drugs, PubChem via ``chemicals`` for
reagents), so a test fails when the shipped SMILES stops meaning the compound the source names.
"""

import csv
import re
import warnings
from collections import Counter
from pathlib import Path

import pytest
from py2opsin import py2opsin
from rdkit import Chem
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

import tools.chem as chem
from tools.chem import names

DATA = Path(chem.__file__).parent / "data"


def _rows() -> list[dict[str, str]]:
    with open(DATA / "name_table.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _key(smiles: str) -> str:
    return Chem.MolToInchiKey(Chem.MolFromSmiles(smiles))


@pytest.mark.parametrize(
    ("name", "inchikey"),
    [
        ("imatinib", "KTUFNOKKBVMGRW-UHFFFAOYSA-N"),
        ("sildenafil", "BNRNXUUZRGQAQC-UHFFFAOYSA-N"),
        ("atorvastatin", "XUKUURHRXDUEBC-KAYWLYCHSA-N"),
        ("metformin", "XZWYZXLIPXDOLR-UHFFFAOYSA-N"),
        ("Diclofenac", "DCOPUUMXTXDBNB-UHFFFAOYSA-N"),
        ("celecoxib", "RZEKVGVHFLEQIL-UHFFFAOYSA-N"),
        ("penicillin G", "JGSARLDLIJGVTE-MBNYWOFBSA-N"),
        ("Boc anhydride", "DYHSDKLCOJIUFX-UHFFFAOYSA-N"),
        ("Boc2O", "DYHSDKLCOJIUFX-UHFFFAOYSA-N"),
        ("aspirin", "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"),
        ("acetaminophen", "RZVAJINKPMORJF-UHFFFAOYSA-N"),
        ("DCM", "YMWUJEATGCHHMB-UHFFFAOYSA-N"),
        ("THF", "WYURNTSHIVDZCO-UHFFFAOYSA-N"),
    ],
)
def test_names_the_reviewer_found_unknown_resolve_to_the_source_structure(name, inchikey):
    assert _key(names.resolve_name(name, use_opsin=False).smiles) == inchikey


def test_nbs_is_read_as_n_bromosuccinimide_and_says_it_was_also_valid_smiles():
    match = names.abbreviation_first("NBS")
    assert (match.entry, _key(match.smiles)) == ("N-bromosuccinimide", "PCLIMKBDDGJMGD-UHFFFAOYSA-N")
    assert "also valid SMILES of another molecule" in match.source
    assert match.reading.startswith("read 'NBS' as the abbreviation of N-bromosuccinimide (reagent)")


def test_a_formula_that_is_valid_smiles_is_not_an_abbreviation():
    assert names.abbreviation_first("CO") is None  # methanol as SMILES, not carbon monoxide


def test_every_abbreviation_that_parses_as_smiles_is_an_acronym_or_the_same_molecule():
    for row in _rows():
        for abbreviation in filter(None, row["abbreviations"].split("|")):
            mol = Chem.MolFromSmiles(abbreviation)
            if mol is not None and mol.GetNumAtoms():
                assert abbreviation.isalpha() and abbreviation.isupper() or _key(abbreviation) == row["inchikey"]


def test_an_unknown_name_suggests_the_closest_known_names():
    with pytest.raises(chem.UnknownName, match=r"Closest known names: imatinib\b"):
        names.resolve_name("imatinibb", use_opsin=False)


def test_a_parent_name_known_only_as_its_ester_suggests_the_ester():
    with pytest.raises(chem.UnknownName, match="Closest known names: fluticasone furoate, fluticasone propionate"):
        names.resolve_name("fluticasone", use_opsin=False)


def test_a_cas_number_resolves_and_a_wrong_check_digit_is_refused():
    match = names.resolve_name("50-78-2", use_opsin=False)
    assert (match.read_as, _key(match.smiles)) == ("CAS number", "BSYNRYMUTXBXSQ-UHFFFAOYSA-N")
    with pytest.raises(chem.UnknownName, match="check digit"):
        names.resolve_name("50-78-3", use_opsin=False)


def test_a_salt_name_gives_the_parent_drug_and_says_so():
    match = names.resolve_name("sildenafil citrate", use_opsin=False)
    assert (match.entry, match.read_as) == ("sildenafil", "salt")
    assert "leaves out the counter-ion" in match.reading


def test_racemates_have_no_stereo_and_single_enantiomers_keep_theirs():
    def centres(name: str) -> list[str]:
        mol = Chem.MolFromSmiles(names.resolve_name(name, use_opsin=False).smiles)
        return [label for _, label in Chem.FindMolChiralCenters(mol, useLegacyImplementation=False)]

    assert centres("ibuprofen") == [] and centres("omeprazole") == [] and centres("cetirizine") == []
    assert centres("naproxen") == ["S"] and centres("(s)-naproxen") == ["S"]
    assert centres("levocetirizine") == ["R"] and centres("esomeprazole") == ["S"]


def test_table_size_kinds_and_every_smiles_parses():
    rows = _rows()
    kinds = Counter(row["kind"] for row in rows)
    assert kinds["drug"] >= 2000
    assert kinds["reagent"] + kinds["solvent"] + kinds["catalyst"] >= 500
    assert all(Chem.MolFromSmiles(row["smiles"]) is not None for row in rows)


def test_every_structure_is_the_one_its_source_gives():
    """DrugCentral and PubChem rows: RDKit's InChIKey of the SMILES is the source's own InChIKey; rows written
    by hand: the molecular formula they state; OPSIN rows: OPSIN's structure for the systematic name."""
    opsin_rows = []
    for row in _rows():
        check = row["check"]
        if check in ("source-inchikey", "pubchem"):
            assert _key(row["smiles"]) == row["inchikey"], row["name"]
        elif check.startswith("formula:"):
            assert CalcMolFormula(Chem.MolFromSmiles(row["smiles"]), True, True) == check[8:], row["name"]
        else:
            assert check.startswith("opsin:"), row["name"]
            opsin_rows.append(row)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # OPSIN notes that the binaphthyl of BINAP "appears ambiguous"
        smiles = py2opsin([row["check"][6:] for row in opsin_rows], allow_radicals=True)  # one Java call
    for row, theirs in zip(opsin_rows, smiles, strict=True):
        assert theirs and _key(theirs) == _key(row["smiles"]), row["name"]


def test_cas_numbers_have_valid_check_digits_and_abbreviations_are_unique():
    rows = _rows()
    assert all(names.cas_check_digit_ok(row["cas"]) for row in rows if row["cas"])
    abbreviations = [a for row in rows for a in row["abbreviations"].split("|") if a]
    assert len(abbreviations) == len(set(abbreviations)) > 700


def test_a_safety_list_name_in_the_table_names_the_listed_structure():
    with open(DATA / "safety_list.csv", newline="", encoding="utf-8") as fh:
        listed = {
            names.normalize_name(n): _key(r["smiles"])
            for r in csv.DictReader(fh)
            for n in [r["name"], *r["aliases"].split("|")]
            if n
        }
    table, exact, _, _ = names._name_table()
    for key, hit in [*table.items(), *((names.normalize_name(a), h) for a, h in exact.items())]:
        if key in listed:
            assert _key(hit.smiles) == listed[key], key


def test_every_answer_says_how_it_was_read():
    readings = {text: names.resolve_name(text, use_opsin=False).reading for text in ["imatinib", "albuterol", "TEA"]}
    assert readings["imatinib"].startswith("read 'imatinib' as the name imatinib (drug), from the synonym table")
    assert "DrugCentral 2023" in readings["imatinib"] and "CC BY-SA 4.0" in readings["imatinib"]
    assert readings["albuterol"].startswith("read 'albuterol' as the synonym of salbutamol (drug)")
    assert readings["TEA"].startswith("read 'TEA' as the abbreviation of triethylamine (reagent)")


def test_lower_case_abbreviations_resolve_unless_two_entries_share_the_letters():
    assert names.resolve_name("dcm", use_opsin=False).entry == "dichloromethane"
    assert names.resolve_name("pd(pph3)4", use_opsin=False).entry == "tetrakis(triphenylphosphine)palladium(0)"


def test_prose_names_leave_out_elements_water_and_acronyms_but_lookups_keep_them():
    prose = names.synonym_table()
    assert {"oxygen", "water", "sodium", "pipes", "tempo", "nbs"}.isdisjoint(prose)
    assert {"imatinib", "albuterol", "dichloromethane", "boc anhydride"} <= prose.keys()
    assert _key(names.resolve_name("oxygen", use_opsin=False).smiles) == "MYMOFIZGZYHOMD-UHFFFAOYSA-N"


def test_the_table_ranks_above_freesolv_so_ibuprofen_is_the_racemate():
    assert names.resolve_name("ibuprofen", use_opsin=False).source.startswith("synonym table (chemassist name table")
    assert re.search(r"@", names.resolve_name("ibuprofen", use_opsin=False).smiles) is None
