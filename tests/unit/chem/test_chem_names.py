"""Name resolution: the offline table, the curated common names (checked against OPSIN) and OPSIN itself."""

import csv
from pathlib import Path

import pytest
from py2opsin import py2opsin
from rdkit import Chem

import tools.chem as chem
from tools.chem.names import normalize_name

DATA = Path(chem.__file__).parent / "data"


def test_every_curated_common_name_matches_opsin_for_its_systematic_name():
    with open(DATA / "common_names.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    opsin = py2opsin([r["systematic_name"] for r in rows])  # one Java call for all rows
    for row, smiles in zip(rows, opsin, strict=True):
        ours = Chem.MolToInchiKey(Chem.MolFromSmiles(row["smiles"]))
        assert ours == Chem.MolToInchiKey(Chem.MolFromSmiles(smiles)), row["name"]


def test_table_name_wins_over_opsin():
    assert chem.resolve_name("Caffeine").source.startswith("synonym table")


def test_unknown_name():
    with pytest.raises(chem.UnknownName, match="Check the spelling"):
        chem.resolve_name("zzzyxine", use_opsin=False)


def _common_names() -> list[dict[str, str]]:
    with open(DATA / "common_names.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _key(smiles: str) -> str:
    return Chem.MolToInchiKey(Chem.MolFromSmiles(smiles))


def test_every_curated_common_name_is_reached_offline_and_gives_its_own_structure():
    # A row shadowed by an earlier table (or a salt reading of its words) would never be answered.
    wrong = [
        row["name"]
        for row in _common_names()
        if _key(chem.resolve_name(row["name"], use_opsin=False).smiles) != _key(row["smiles"])
    ]
    assert wrong == []


def test_common_names_are_unique_longer_than_two_letters_and_hundreds_strong():
    keys = [normalize_name(row["name"]) for row in _common_names()]
    assert len(keys) == len(set(keys)) >= 600
    assert min(len(k.replace("-", "")) for k in keys) >= 3


@pytest.mark.parametrize(
    ("name", "formula"),
    [
        ("cholesterol", "C27H46O"),
        ("vanillin", "C8H8O3"),
        ("serotonin", "C10H12N2O"),
        ("ergosterol", "C28H44O"),
        ("squalene", "C30H50"),
        ("aflatoxin B1", "C17H12O6"),
        ("ochratoxin A", "C20H18ClNO6"),
        ("camptothecin", "C20H16N2O4"),
        ("huperzine A", "C15H18N2O"),
        ("docosahexaenoic acid", "C22H32O2"),
        ("guanosine triphosphate", "C10H16N5O14P3"),
        ("crystal violet", "C25H30ClN3"),
        ("glyphosate", "C3H8NO5P"),
        ("cubane", "C8H8"),
    ],
)
def test_famous_molecules_have_their_textbook_formulas(name, formula):
    from rdkit.Chem.rdMolDescriptors import CalcMolFormula

    assert CalcMolFormula(Chem.MolFromSmiles(chem.resolve_name(name, use_opsin=False).smiles)) == formula


def test_synonyms_and_abbreviations_name_the_same_molecule():
    def key(name: str) -> str:
        return _key(chem.resolve_name(name, use_opsin=False).smiles)

    assert key("5-hydroxytryptamine") == key("serotonin") == key("5-HT")
    assert key("ursodeoxycholic acid") == key("UDCA") == key("ursodiol")  # the DrugCentral entry agrees
    assert key("delta-9-tetrahydrocannabinol") == key("dronabinol")


def test_natural_enantiomers_carry_stereo_and_racemates_do_not():
    def key(name: str) -> str:
        return _key(chem.resolve_name(name, use_opsin=False).smiles)

    assert key("D-alanine")[:14] == key("alanine")[:14] and key("D-alanine") != key("alanine")
    assert key("(R)-carvone")[:14] == key("(S)-carvone")[:14] and key("(R)-carvone") != key("(S)-carvone")
    limonene = Chem.MolFromSmiles(chem.resolve_name("limonene", use_opsin=False).smiles)
    assert Chem.FindMolChiralCenters(limonene, includeUnassigned=True) == [(3, "?")]


def test_sugar_names_give_the_form_they_imply():
    open_chain = Chem.MolFromSmiles(chem.resolve_name("D-glucose", use_opsin=False).smiles)
    pyranose = Chem.MolFromSmiles(chem.resolve_name("beta-D-glucopyranose", use_opsin=False).smiles)
    assert (open_chain.GetRingInfo().NumRings(), pyranose.GetRingInfo().NumRings()) == (0, 1)


def test_a_nucleotide_name_is_not_read_as_a_salt_of_its_nucleoside():
    from rdkit.Chem.rdMolDescriptors import CalcMolFormula

    match = chem.resolve_name("adenosine diphosphate", use_opsin=False)
    assert (match.read_as, CalcMolFormula(Chem.MolFromSmiles(match.smiles))) == ("name", "C10H15N5O10P2")
