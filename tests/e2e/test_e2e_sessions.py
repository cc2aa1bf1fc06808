"""In a real browser: sign in, create a session, rename it, reload, find it again; admin and sharing."""

import pytest
from playwright.sync_api import expect

from app.services import accounts
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def test_session_survives_rename_and_reload(live_app, page):
    accounts.create_user("bob", PASSWORD, display_name="Bob Chemist")
    sign_in(page, live_app, "bob", PASSWORD)

    page.get_by_label("New session title").fill("Polyimide Tg screen")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_text("Created and opened")).to_be_visible()

    page.get_by_role("button", name="Manage").first.click()
    page.get_by_label("Title", exact=True).fill("Polyimide Tg screen v2")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_text("Renamed.")).to_be_visible()

    page.reload()  # the sign-in cookie and the open session survive a reload
    expect(page.get_by_role("heading", name="Research sessions")).to_be_visible()
    expect(page.get_by_text("Research session: Polyimide Tg screen v2")).to_be_visible()
    page.get_by_label("Search titles and messages").fill("v2")
    page.keyboard.press("Enter")
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_text("Polyimide Tg screen v2", exact=True)).to_be_visible()
    screenshot(page, "sessions_after_reload")
    main.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", name="Chat")).to_be_visible()
    expect(main.get_by_text("Polyimide Tg screen v2", exact=True)).to_be_visible()


def test_wrong_password_then_admin_adds_a_user_who_sees_a_shared_session(live_app, page, browser):
    accounts.create_user("root", PASSWORD, role="admin")
    page.goto(live_app)
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password", exact=True).fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()

    sign_in(page, live_app, "root", PASSWORD)
    page.get_by_role("link", name="Users & health").click()
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Display name").fill("Carol Curie")
    page.get_by_label("Password (leave empty to generate one)").fill("carols password 1")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("Added carol (chemist).")).to_be_visible()
    screenshot(page, "admin_users")

    page.get_by_role("link", name="Sessions").click()
    page.get_by_label("New session title").fill("Route to paracetamol")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_text("Created and opened")).to_be_visible()
    page.get_by_role("button", name="Manage").first.click()
    page.get_by_label("Share read-only with (username)").fill("carol")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("Shared with carol.")).to_be_visible()

    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    other.set_default_timeout(20_000)
    sign_in(other, live_app, "carol", "carols password 1")
    expect(other.get_by_text("shared by root")).to_be_visible()
    screenshot(other, "shared_with_carol")
    other.context.close()
