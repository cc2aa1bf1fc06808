"""In a real browser: the Molecules workbench — aspirin by name, a bad SMILES, 3D, a batch file, save to a session."""

import pytest
from playwright.sync_api import expect

from app.services import accounts, sessions
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"
UPLOAD = b"smiles,name\nCC(=O)Oc1ccccc1C(=O)O,aspirin\nC1CC(,broken\nOC(=O)c1ccccc1O,salicylic acid\n"


def _shot(page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": max(900, min(int(height), 4000))})
    page.wait_for_timeout(500)  # let the columns re-flow
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def _analyse(page, text: str) -> None:
    page.get_by_label("SMILES, InChI or chemical name").fill(text)
    page.get_by_role("button", name="Analyse", exact=True).click()


def test_molecules_workbench_end_to_end(live_app, page):
    bob = accounts.create_user("bob", PASSWORD)
    session = sessions.create_session(bob, "NSAID scaffolds")
    sign_in(page, live_app, "bob", PASSWORD)
    page.goto(f"{live_app}/molecules?session={session.id}")
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_role("heading", name="Molecules")).to_be_visible()

    _analyse(page, "aspirin")
    expect(main.get_by_text("C9H8O4").first).to_be_visible(timeout=30_000)
    expect(main.get_by_text("180.159 g/mol").first).to_be_visible()
    expect(main.get_by_text("BSYNRYMUTXBXSQ-UHFFFAOYSA-N")).to_be_visible()
    expect(main.locator(".chemassist-structure svg").first).to_be_visible()
    expect(main.get_by_text("computed by RDKit", exact=False).first).to_be_visible()

    main.get_by_role("button", name="Add to session “NSAID scaffolds”").click()
    expect(main.get_by_text("Added aspirin (C9H8O4) to “NSAID scaffolds”.")).to_be_visible()
    _shot(page, "molecules_aspirin")
    [artifact] = sessions.list_artifacts(bob, session.id)
    assert artifact.kind.value == "molecule" and artifact.payload["formula"] == "C9H8O4"
    assert artifact.payload["svg"].lstrip().startswith("<?xml")

    main.get_by_role("tab", name="3D conformer").click()
    expect(main.get_by_test_id("stPlotlyChart")).to_be_visible(timeout=30_000)
    expect(main.get_by_text("optimised with MMFF94")).to_be_visible()
    _shot(page, "molecules_3d")

    main.get_by_role("tab", name="Batch").click()
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "nsaids.csv", "mimeType": "text/csv", "buffer": UPLOAD}]
    )
    main.get_by_role("button", name="Analyse file").click()
    expect(main.get_by_text("1 row(s) could not be read and were skipped")).to_be_visible(timeout=30_000)
    main.get_by_text("1 row(s) could not be read").click()
    expect(main.get_by_text("row 3: Invalid SMILES", exact=False)).to_be_visible()
    expect(main.get_by_role("button", name="CSV (2 rows)")).to_be_visible()
    _shot(page, "molecules_batch")

    main.get_by_role("tab", name="Search").click()
    main.get_by_role("button", name="Example set").click()
    expect(main.get_by_label("SMILES, one per line", exact=False)).to_contain_text("salicylic acid")
    main.get_by_role("button", name="Search", exact=True).click()  # query: the analysed molecule, aspirin
    expect(main.get_by_text("9 hit(s)")).to_be_visible(timeout=30_000)
    expect(main.get_by_text("1 line(s) are not valid SMILES and were skipped: broken")).to_be_visible()
    expect(main.get_by_role("tabpanel", name="Search").locator(".chemassist-structure svg")).to_have_count(1)  # grid
    _shot(page, "molecules_search")

    main.get_by_role("tab", name="Structure & properties").click()
    _analyse(page, "C1CC(")
    error = main.get_by_test_id("stAlertContentError")
    expect(error.get_by_text("Invalid SMILES 'C1CC(': SMILES syntax error", exact=False)).to_be_visible()
    expect(main.get_by_role("tab", name="Batch")).to_be_visible()  # the rest of the page still works
    _shot(page, "molecules_invalid_smiles")
