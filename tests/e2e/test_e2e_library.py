"""In a real browser: the Library page over a small library of fictional test records. See the documents, search
for a keyword, ask a question and read its citation, upload a Markdown file and see it listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.db.models import Role
from app.errors import NotFound, PermissionDenied
from app.services import accounts, sessions
from app.services import library as service
from app.services.accounts import Account
from tests.e2e.conftest import RECORDS, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"

UPLOAD_MD = """# Fictional test note on glimmerite pigments

This is a made-up test document uploaded through the browser. Glimmerite pigment particles changed colour
from blue to green when heated above 150 degrees Celsius.
"""


def test_browse_search_ask_and_upload(live_app_with_library, page, tmp_path: Path):
    bob = accounts.create_user("bob", PASSWORD)
    sign_in(page, live_app_with_library, "bob", PASSWORD)
    page.get_by_label("New session title").fill("Flarnol catalysts")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_text("Research session: Flarnol catalysts")).to_be_visible()
    page.get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", name="Library")).to_be_visible()
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_test_id("stMetricValue").first).to_have_text("3")
    expect(main.get_by_text("3 of 3 documents")).to_be_visible()
    table = main.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first row's selection box (newest first)
    expect(main.get_by_role("heading", name="recycling marvane solvent by distillation")).to_be_visible()
    expect(main.get_by_text("start of the text · characters 0–")).to_be_visible()  # a record has no pages
    screenshot(page, "library_documents")

    page.get_by_role("tab", name="Search").click()
    page.get_by_label("Search the library").fill("quenthyl elasticity")
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    results = main.get_by_role("tabpanel", name="Search")
    expect(results.get_by_text("1. Fictional test record: elastic quenthyl polymer films")).to_be_visible()
    expect(results).to_contain_text("Films of poly(quenthyl acrylate) stretched to 900 percent strain")
    screenshot(page, "library_search")
    results.get_by_role("button", name="Open in its document").first.click()
    expect(main.get_by_role("heading", name="elastic quenthyl polymer films")).to_be_visible()
    expect(main.get_by_text("the passage you opened")).to_be_visible()

    page.get_by_role("tab", name="Ask").click()
    page.get_by_label("Ask the library").fill("What yield of flarnol did zorbium oxide nanorods give?")
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    citation = main.get_by_role("tabpanel", name="Ask").get_by_test_id("stExpander").first
    expect(citation).to_contain_text("[1] Fictional test record: zorbium oxide nanorods")
    expect(citation).to_contain_text("yield of 73 percent")
    expect(main.get_by_text("[1]", exact=False).first).to_be_visible()
    screenshot(page, "library_ask")
    page.get_by_role("button", name="Add to session “Flarnol catalysts”").click()
    expect(main.get_by_text("1 citation(s) added to “Flarnol catalysts”")).to_be_visible()
    [session] = sessions.list_sessions(bob)
    [saved] = sessions.list_artifacts(bob, session.id)
    assert (saved.kind.value, saved.payload["n"], saved.payload["document_id"]) == ("citation", 1, "test:zorbium")

    note = tmp_path / "glimmerite.md"
    note.write_text(UPLOAD_MD)
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").set_input_files(str(note))
    expect(main.get_by_text("glimmerite.md")).to_be_visible()
    page.get_by_text("Private to me").click()
    page.get_by_role("button", name="Add to the library").click()
    expect(main.get_by_text("glimmerite.md: added")).to_be_visible(timeout=60_000)
    expect(main.get_by_test_id("stMetricValue").first).to_have_text("4")
    screenshot(page, "library_upload")

    page.get_by_role("tab", name="Documents").click()
    page.get_by_label("Filter by title").fill("glimmerite")
    page.get_by_label("Filter by title").press("Enter")
    expect(main.get_by_text("1 of 4 documents")).to_be_visible()
    expect(main.get_by_test_id("stMetricValue").nth(2)).to_have_text("1")  # private to bob
    box = main.get_by_test_id("stDataFrame").bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    expect(main.get_by_text("private to bob")).to_be_visible()
    screenshot(page, "library_private_document")

    page.get_by_role("button", name="Delete document").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(main.get_by_text("Deleted “Fictional test note on glimmerite pigments”.")).to_be_visible()
    expect(main.get_by_test_id("stMetricValue").first).to_have_text("3")


def test_empty_library_offers_the_demo_and_a_bad_upload_says_why(live_app, page, tmp_path: Path):
    accounts.create_user("carol", PASSWORD)
    sign_in(page, live_app, "carol", PASSWORD)
    page.get_by_role("link", name="Library").click()
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_text("The library is empty.")).to_be_visible()
    expect(page.get_by_role("button", name="Load the demo library")).to_be_visible()

    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").set_input_files([str(tmp_path / "empty.txt"), str(tmp_path / "scan.pdf")])
    expect(main.get_by_text("scan.pdf")).to_be_visible()
    page.wait_for_timeout(500)  # Streamlit sends the files to the server after listing them
    page.get_by_role("button", name="Add to the library").click()
    expect(main.get_by_text("empty.txt: failed")).to_be_visible(timeout=60_000)
    expect(main.get_by_text("scan.pdf: failed")).to_be_visible()
    expect(main).to_contain_text("empty.txt is empty")
    expect(main).to_contain_text("is not a readable PDF")
    screenshot(page, "library_bad_upload")


def _account(username: str, role: Role) -> Account:
    return accounts.create_user(username, PASSWORD, role=role)


def test_delete_is_checked_in_the_service(sqlite_db, tmp_path: Path):
    """Not a browser test, but it guards what the page's delete button relies on."""
    uri = str(tmp_path / "milvus.db")
    note = tmp_path / "note.md"
    note.write_text(UPLOAD_MD)
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(RECORDS[0]))
    alice, eve, admin = _account("alice", Role.chemist), _account("eve", Role.chemist), _account("root", Role.admin)
    try:
        private_id = service.ingest_files([note], owner="alice", private=True, uri=uri).added[0]
        lab_id = service.ingest_files([records], owner="alice", uri=uri).added[0]
        with pytest.raises(NotFound):
            service.delete_document_as(eve, private_id, uri=uri)
        with pytest.raises(PermissionDenied):
            service.delete_document_as(alice, lab_id, uri=uri)
        service.delete_document_as(alice, private_id, uri=uri)
        service.delete_document_as(admin, lab_id, uri=uri)
        remaining = service.list_documents(service.viewer_filters(alice), uri=uri)
    finally:
        service.close_stores()
    assert remaining == []


def test_upload_reports_each_file_and_the_demo_loads_only_into_an_empty_library(sqlite_db, tmp_path: Path):
    """Not a browser test: the per-file report the Upload tab shows, from the service it calls."""
    uri = str(tmp_path / "milvus.db")
    uploads = [
        ("glimmerite.md", UPLOAD_MD.encode()),
        ("again/glimmerite.md", UPLOAD_MD.encode()),
        ("empty.txt", b""),
        ("notes.docx", b"PK\x03\x04 not supported"),
    ]
    try:
        alice = _account("alice", Role.chemist)
        job = service.start_upload(alice, uploads, uri=uri)
        job.wait(timeout=120)
        demo = service.start_demo(alice, uri=uri)
        demo.wait(timeout=60)
    finally:
        service.close_stores()
    assert [(f.name, f.status) for f in job.files] == [
        ("glimmerite.md", "added"),
        ("glimmerite.md", "duplicate"),
        ("empty.txt", "failed"),
        ("notes.docx", "failed"),
    ]
    assert "unsupported file type" in job.files[3].message and job.fraction == 1.0
    assert demo.error is None and demo.report is not None and not demo.report.added
