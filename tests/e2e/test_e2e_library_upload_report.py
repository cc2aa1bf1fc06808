"""In a real browser: an upload's report shows in the Upload tab, where the chemist pressed the button."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.services import accounts
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def test_upload_finished_shows_inside_the_upload_tab(live_app, page, tmp_path: Path):
    accounts.create_user("carol", PASSWORD)
    sign_in(page, live_app, "carol", PASSWORD)
    page.get_by_role("link", name="Library").click()
    (tmp_path / "empty.txt").write_text("")
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").set_input_files(str(tmp_path / "empty.txt"))
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_text("empty.txt")).to_be_visible()
    page.wait_for_timeout(500)  # Streamlit sends the files to the server after listing them
    page.get_by_role("button", name="Add to the library").click()

    report = main.get_by_text("Upload finished")
    expect(report).to_be_visible(timeout=60_000)
    screenshot(page, "library_upload_report_in_tab")
    panel = page.locator("[role=tabpanel]:visible")
    expect(panel.get_by_text("Upload finished")).to_be_visible()
    tabs = page.get_by_role("tablist").bounding_box()
    assert tabs and report.bounding_box()["y"] > tabs["y"] + tabs["height"]
