"""In a real browser: download a session's JSON export from the Sessions page, import it back, see the copy;
an instructor reviews feedback on the Feedback review page."""

import json
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from app.services import accounts, feedback, molecules, sessions
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"
TITLE = "Aspirin export check"


def session_with_a_molecule(owner, model="offline (no language model connected)"):
    info = sessions.create_session(owner, TITLE)
    sessions.add_message(owner, info.id, "user", "Tell me about aspirin")
    answer = sessions.add_message(owner, info.id, "assistant", "Aspirin is C9H8O4.", model=model)
    record = molecules.artifact_payload(molecules.analyse("CC(=O)Oc1ccccc1C(=O)O"))
    sessions.add_artifact(owner, info.id, "molecule", record, title="aspirin (C9H8O4)", message_id=answer.id)
    return info, answer


def test_download_json_export_and_import_it_back(live_app, page, tmp_path):
    bob = accounts.create_user("bob", PASSWORD)
    session_with_a_molecule(bob)
    sign_in(page, live_app, "bob", PASSWORD)
    main = page.get_by_test_id("stMainBlockContainer")

    main.get_by_role("button", name="Export", exact=True).first.click()
    expect(page.get_by_role("button", name="PDF", exact=True)).to_be_visible()
    screenshot(page, "sessions_export_popover")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="JSON", exact=True).click()
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)
    document = json.loads(exported.read_text())
    assert (document["format"], document["session"]["title"]) == ("chemassist-session", TITLE)
    assert [a["kind"] for a in document["artifacts"]] == ["molecule"]
    page.keyboard.press("Escape")

    page.get_by_text("Import a session (JSON)").click()
    page.locator("input[type=file]").set_input_files(str(exported))
    page.get_by_role("button", name="Import", exact=True).click()
    # the copy is titled as imported, so the two sessions are told apart in the list
    imported = sessions.imported_title(TITLE)
    expect(page.get_by_text(f"Imported “{imported}” as a new session")).to_be_visible()
    expect(main.get_by_text(TITLE, exact=True)).to_have_count(1)
    expect(main.get_by_text(imported, exact=True)).to_have_count(1)
    screenshot(page, "sessions_after_import")

    copies = [s for s in sessions.list_sessions(bob) if s.title in (TITLE, imported)]
    assert len(copies) == 2
    [copy] = [s for s in copies if s.title == imported]
    restored = sessions.list_artifacts(bob, copy.id)
    assert restored[0].payload["canonical_smiles"] == document["artifacts"][0]["payload"]["canonical_smiles"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_download_pdf_export_reads_as_a_printed_document(live_app, page, tmp_path):
    bob = accounts.create_user("bob", PASSWORD)
    info, answer = session_with_a_molecule(bob)
    answer_md = "| descriptor | value |\n|---|---|\n| **formula** | C9H8O4 |\n\nSMILES *CC(*)c1ccccc1 is not aspirin."
    sessions.add_message(bob, info.id, "assistant", answer_md, model="offline (no language model connected)")
    sign_in(page, live_app, "bob", PASSWORD)

    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Export", exact=True).first.click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="PDF", exact=True).click()
    pdf = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout

    pages = text.split("\f")[:-1]
    assert TITLE in pages[0] and "chemassist version" in pages[0]
    assert f"Page 2 of {len(pages)}" in pages[1]
    assert "|---|" not in text and "**" not in text
    assert "*CC(*)c1ccccc1" in text


def test_instructor_marks_feedback_reviewed(live_app, page):
    bob = accounts.create_user("bob", PASSWORD)
    accounts.create_user("tina", PASSWORD, role="instructor")
    _, answer = session_with_a_molecule(bob, model="chem-lora (chemistry)")
    feedback.give_feedback(bob, answer.id, -1, "no SMILES given", None)
    sign_in(page, live_app, "tina", PASSWORD)

    page.get_by_role("link", name="Feedback review").click()
    expect(page.get_by_text("no SMILES given")).to_be_visible()
    page.get_by_label("Correction (the right answer").fill("Aspirin is C9H8O4, SMILES CC(=O)Oc1ccccc1C(=O)O.")
    screenshot(page, "feedback_review_queue")
    page.get_by_role("button", name="Save and mark reviewed").click()
    expect(page.get_by_text("Marked reviewed.")).to_be_visible()
    expect(page.get_by_text("Nothing to review with these filters.")).to_be_visible()
    expect(page.get_by_text("1 example(s)")).to_be_visible()  # now fine-tuning data for the chemistry role
    screenshot(page, "feedback_review")
