"""The Molecules page, run headless with Streamlit's AppTest: analyse, bad input, add to session, search, batch."""

from rdkit import Chem
from streamlit.testing.v1 import AppTest

from app.services import molecules, sessions
from tests.helpers.pages import open_page


def _analyse(at: AppTest, text: str) -> AppTest:
    at.text_input(key="mol_text").input(text)
    return at.button[0].click().run()  # the form's Analyse button comes first


def _texts(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.metric, *at.markdown, *at.code, *at.caption])


def test_aspirin_by_name_shows_identifiers_filters_and_provenance(bob):
    at = _analyse(open_page("molecules", bob), "aspirin")
    assert not at.exception and not at.error
    text = _texts(at)
    assert "C9H8O4" in text and "180.159 g/mol" in text and "BSYNRYMUTXBXSQ-UHFFFAOYSA-N" in text
    assert "computed by RDKit" in text
    assert "Lead-likeness" in text and "MW 180.2 outside 250-350 g/mol" in text
    assert any("Open a research session" in i.value for i in at.info)


def test_invalid_smiles_and_empty_input_are_clear_errors(bob):
    at = _analyse(open_page("molecules", bob), "C1CC(")
    assert not at.exception
    assert at.error[0].value.startswith("Invalid SMILES 'C1CC('")
    at = _analyse(at, "")
    assert at.error[0].value.startswith("Empty input")
    at = _analyse(at, "aspirin")
    assert not at.error


def test_a_pasted_mol_block_is_analysed_and_a_broken_one_is_a_clear_error(bob):
    at = open_page("molecules", bob)
    block = Chem.MolToMolBlock(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))
    at.text_area(key="mol_block").input(block)
    at.button(key="mol_block_go").click().run()
    assert not at.exception and not at.error
    assert "BSYNRYMUTXBXSQ-UHFFFAOYSA-N" in _texts(at)
    at.text_area(key="mol_block").input(block.replace("M  END", "").replace("  1  2  1", "  1 99  1"))
    at.button(key="mol_block_go").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Invalid mol block")


def test_flagged_substance_shows_the_safety_warning_with_its_source(bob):
    at = _analyse(open_page("molecules", bob), "TNT")
    flagged = [e.value for e in at.error if "Safety screen" in e.value]
    assert flagged and "UN Recommendations on the Transport of Dangerous Goods" in flagged[0]


def test_a_polymer_repeat_unit_says_which_capped_unit_filters_and_3d_use(bob):
    at = _analyse(open_page("molecules", bob), "*CC(*)c1ccccc1")
    assert not at.exception and not at.error
    assert any("2 attachment point(s)" in i.value and "`CCc1ccccc1`" in i.value for i in at.info)
    assert "not defined for repeat units with *" in _texts(at)  # no InChI for a unit with *


def test_add_to_open_session_stores_a_molecule_artifact(bob):
    session = sessions.create_session(bob, "NSAIDs")
    at = _analyse(open_page("molecules", bob, current_session_id=session.id), "aspirin")
    at.button(key="mol_add").click().run()
    assert not at.exception
    [artifact] = sessions.list_artifacts(bob, session.id)
    assert artifact.kind.value == "molecule" and artifact.title == "aspirin (C9H8O4)"
    assert artifact.payload["inchikey"] == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N" and "<svg" in artifact.payload["svg"]
    assert artifact.payload["kind"] == "molecule"  # the typed result, as the chat stores it


def test_substructure_search_and_mcs_over_a_pasted_list(bob):
    at = open_page("molecules", bob)
    at.text_area(key="mol_search_list").input("CC(=O)Oc1ccccc1C(=O)O aspirin\nOC(=O)c1ccccc1O salicylic\nCCO\nC1CC(")
    at.segmented_control(key="mol_search_mode").set_value("Substructure").run()
    [t for t in at.text_input if t.label == "SMARTS or SMILES pattern"][0].input("c1ccccc1C(=O)[OH]")
    [b for b in at.button if b.label == "Search"][0].click().run()
    assert not at.exception and not at.error
    assert any("**2 hit(s)**" in m.value for m in at.markdown)
    [b for b in at.button if b.label == "Maximum common substructure"][0].click().run()
    assert any("**MCS** of 2 molecules: 10 atoms" in m.value for m in at.markdown)


def test_batch_results_keep_good_rows_and_list_bad_ones(bob):
    # AppTest cannot drive st.file_uploader; the browser test uploads, here the analysed upload is preset.
    result = molecules.analyse_upload(b"smiles,name\nCCO,ethanol\nC1CC(,bad\nc1ccccc1O,phenol\n", "mini.csv")
    at = open_page("molecules", bob, mol_batch={"label": "mini.csv", "rows": result.rows, "failures": result.failures})
    assert not at.exception
    assert [m.value for m in at.metric][-4:] == ["3", "2", "1", "0"]
    assert any(c.value.startswith("row 3: Invalid SMILES") for c in at.code)


def test_the_sdf_download_reads_back_with_the_same_structures():
    rows = molecules.analyse_upload(b"smiles,name\nCCO,ethanol\nC1CC(,bad\nc1ccccc1O,phenol\n", "mini.csv").rows
    again = molecules.analyse_upload(molecules.to_sdf(rows).encode(), "again.sdf").ok_rows
    assert [(r["name"], r["inchikey"]) for r in again] == [(r["name"], r["inchikey"]) for r in rows if not r["error"]]
