"""In a real browser at 1280x800 (a 13-inch laptop), every page as a chemist and as an admin (issue 18): nothing
scrolls sideways, no exception box, a page the role may not open says so, and the Sessions page's Manage popover
shows "Delete for ever" whole.

docs/screenshots.py drives the same pages with their work done (a chat answer, a prediction, a route, search
hits) for docs/visual-pass.md; it reuses PAGES, settle() and layout_problems() from here."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from app.services import accounts, sessions
from tests.e2e.conftest import screenshot, scroll_to, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}

# page -> its heading; the menu a role sees decides which pages it visits (app/ui/shell.py)
PAGES = {
    "chat": "Chat",
    "molecules": "Molecules",
    "properties": "Properties",
    "synthesis": "Synthesis planning",
    "library": "Library",
    "sessions": "Research sessions",
    "workshops": "Workshops",
    "models": "Models",
    "compute": "Compute planner",
    "review": "Feedback review",
    "admin": "Users & health",
    "account": "Account",
}
CHEMIST_PAGES = [
    "chat",
    "molecules",
    "properties",
    "synthesis",
    "library",
    "sessions",
    "workshops",
    "models",
    "account",
]
ROLE_PAGES = {"chemist": CHEMIST_PAGES, "admin": list(PAGES)}
NOT_OPEN = "Not open to you"  # the heading of a bookmarked page the role may not open


def settle(page: Page, heading: str) -> None:
    """Wait for the page's heading, then for Streamlit to finish the script run (the app's root says
    `data-test-script-state="notRunning"`), then for the last paint of tables, charts and images."""
    expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible(timeout=60_000)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=120_000)
    page.wait_for_timeout(500)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=120_000)


def layout_problems(page: Page) -> list[str]:
    """What a chemist at this window size would trip over: sideways scrolling of the document or of Streamlit's
    main area, an exception box, a traceback."""
    sizes = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid=stMain]');
            return {doc: document.documentElement.scrollWidth, inner: window.innerWidth,
                    main: main ? main.scrollWidth : 0, mainClient: main ? main.clientWidth : 0};
        }"""
    )
    problems = []
    if sizes["doc"] > sizes["inner"]:
        problems.append(f"the page is {sizes['doc']} px wide in a {sizes['inner']} px window")
    if sizes["main"] > sizes["mainClient"] + 1:
        problems.append(f"the main area scrolls sideways ({sizes['main']} px in {sizes['mainClient']} px)")
    if page.get_by_test_id("stException").count():
        problems.append("an exception box: " + page.get_by_test_id("stException").first.inner_text()[:300])
    if "Traceback (most recent call last)" in page.get_by_test_id("stApp").inner_text():
        problems.append("a traceback in the page")
    return problems


def delete_for_ever_problems(page: Page) -> list[str]:
    """Open the first Manage popover on the Sessions page: "Delete for ever" must sit whole inside its button,
    the button inside the popover and the popover inside the window."""
    page.get_by_role("button", name="Manage").first.click()
    delete = page.get_by_role("button", name="Delete for ever")
    expect(delete).to_be_visible()
    scroll_to(delete)
    button = delete.bounding_box()
    label = delete.get_by_text("Delete for ever").bounding_box()
    popover = page.get_by_test_id("stPopoverBody").bounding_box()
    assert button and label and popover
    problems = []
    if label["height"] >= 30:
        problems.append(f"the label wraps ({label['height']:.0f} px high)")
    if label["x"] < button["x"] or label["x"] + label["width"] > button["x"] + button["width"] + 1:
        problems.append("the label runs out of its button")
    if button["x"] + button["width"] > popover["x"] + popover["width"] + 1:
        problems.append("the button runs out of the popover")
    if popover["x"] < 0 or popover["x"] + popover["width"] > VIEWPORT["width"]:
        problems.append(f"the popover runs out of the window (x {popover['x']:.0f}, width {popover['width']:.0f})")
    return problems


@pytest.mark.parametrize("role", ["chemist", "admin"])
def test_every_page_fits_a_1280x800_window(role, live_app_with_library, browser):
    account = accounts.create_user(role, PASSWORD, display_name=f"Layout {role.title()}", role=role)
    session = sessions.create_session(account, "Polyimide Tg screen for the 2027 membrane project")
    sessions.add_message(account, session.id, "user", "Which polyimides keep Tg above 300 °C?")
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(live_app_with_library)
        settle(page, "chemassist")
        found = {"login": layout_problems(page)}
        screenshot(page, f"layout_{role}_login")
        sign_in(page, live_app_with_library, role, PASSWORD)
        for name in ROLE_PAGES[role]:
            page.goto(f"{live_app_with_library}/{name}?session={session.id}")
            settle(page, PAGES[name])
            found[name] = layout_problems(page)
            screenshot(page, f"layout_{role}_{name}")
        for name in sorted(set(PAGES) - set(ROLE_PAGES[role])):  # a chemist's bookmark of an admin page
            page.goto(f"{live_app_with_library}/{name}")
            settle(page, NOT_OPEN)
            found[f"{name} (not open)"] = layout_problems(page)
            screenshot(page, f"layout_{role}_{name}_not_open")
        page.goto(f"{live_app_with_library}/sessions")
        settle(page, PAGES["sessions"])
        found["sessions: Manage popover"] = delete_for_ever_problems(page)
        screenshot(page, f"layout_{role}_sessions_manage")
    finally:
        context.close()
    assert not {name: problems for name, problems in found.items() if problems}
