"""app.services.molecules: the UI's entry points, with errors as ValidationFailed."""

import pytest

from app.errors import ValidationFailed
from app.services import molecules


def test_analyse_by_name():
    assert molecules.analyse("caffeine").formula == "C8H10N4O2"


def test_analyse_reads_a_repeat_unit_as_typed_fields():
    styrene = molecules.analyse("*CC(*)c1ccccc1")
    assert (styrene.attachment_points, styrene.capped_smiles) == (2, "CCc1ccccc1")


def test_a_flagged_molecule_says_what_it_is_and_how_it_matched():
    hits = molecules.analyse("TNT").safety.hits  # listed by name, and its motif with the atoms to highlight
    assert [(h.category, h.matched_by, len(h.atoms)) for h in hits] == [
        ("explosive", "inchikey", 0),
        ("explosive_motif", "substructure", 12),
    ]


def test_the_stored_payload_is_the_typed_result_with_its_kind_and_picture():
    payload = molecules.artifact_payload(molecules.analyse("aspirin"), svg="<svg/>")
    assert (payload["kind"], payload["filters"]["lead_like"]["passed"], payload["svg"]) == ("molecule", False, "<svg/>")


def test_unknown_name_is_validation_failed():
    with pytest.raises(ValidationFailed, match="neither a valid SMILES"):
        molecules.analyse("flubbergastine")


def test_upload_keeps_good_rows_and_reports_bad_ones():
    data = b"smiles,name\nCCO,ethanol\nC1CC(,bad\n"
    seen = []
    result = molecules.analyse_upload(data, "up.csv", progress=lambda d, t: seen.append(d))
    assert [r["name"] for r in result.ok_rows] == ["ethanol"]
    assert result.failures[0].startswith("row 3: Invalid SMILES")
    assert seen[-1] == 2


def test_upload_of_unsupported_file():
    with pytest.raises(ValidationFailed, match="use an .sdf"):
        molecules.analyse_upload(b"x", "data.xlsx")


def test_search_depict_3d_and_screen():
    smiles = ["CCO", "bad(", "CC(=O)Oc1ccccc1C(=O)O"]
    assert molecules.similar("aspirin", smiles, k=1)[0]["index"] == 2
    assert [h["index"] for h in molecules.substructure("c1ccccc1", smiles)] == [2]
    assert "#FF7F7F" in molecules.svg("aspirin", smarts="C(=O)O")
    assert len(molecules.conformer("CCO")["coordinates"]) == 9
    assert molecules.screen("TNT")["flagged"] is True
