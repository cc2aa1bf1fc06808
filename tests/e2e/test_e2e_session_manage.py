"""In a real browser at 1280x800: the sessions page's Manage popover shows every action whole."""

import pytest
from playwright.sync_api import expect

from app.services import accounts
from tests.e2e.conftest import screenshot, scroll_to, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def test_the_manage_popover_shows_delete_for_ever_whole(live_app, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    accounts.create_user("bob", PASSWORD, display_name="Bob Chemist")
    sign_in(page, live_app, "bob", PASSWORD)
    page.get_by_label("New session title").fill("Polyimide Tg screen")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_text("Created and opened")).to_be_visible()

    page.get_by_role("button", name="Manage").first.click()
    delete = page.get_by_role("button", name="Delete for ever")
    expect(delete).to_be_visible()
    scroll_to(delete)
    screenshot(page, "sessions_manage_popover")
    button = delete.bounding_box()
    label = delete.get_by_text("Delete for ever").bounding_box()
    popover = page.get_by_test_id("stPopoverBody").bounding_box()
    assert button and label and popover
    # the label sits inside its button on one line, and the button inside the popover
    assert label["height"] < 30 and button["x"] + button["width"] <= popover["x"] + popover["width"] + 1
    assert label["x"] >= button["x"] and label["x"] + label["width"] <= button["x"] + button["width"] + 1
