"""In a real browser: ask the assistant in offline mode, see the tool card and the answer, rate it, reload."""

import pytest
from playwright.sync_api import expect

from app.services import accounts, sessions
from app.services.feedback import feedback_for
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def test_offline_chat_turn_with_tool_card_feedback_and_reload(live_app, page):
    bob = accounts.create_user("bob", PASSWORD)
    sign_in(page, live_app, "bob", PASSWORD)
    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()
    expect(page.get_by_text("Offline mode: no language model is connected.")).to_be_visible()

    box = page.get_by_placeholder("Ask about a molecule")
    box.fill("Tell me about aspirin")
    box.press("Enter")
    expect(page.get_by_text("answered by offline")).to_be_visible(timeout=60_000)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_text("molecule_info(query='aspirin')")).to_be_visible()
    expect(main.get_by_text("C9H8O4, InChIKey")).to_be_visible()

    page.get_by_role("radio", name="Thumbs up").first.click()
    expect(page.get_by_text("your feedback is saved")).to_be_visible()
    screenshot(page, "chat_offline_aspirin")

    page.reload()
    expect(page.get_by_text("answered by offline")).to_be_visible()
    [session] = sessions.list_sessions(bob)
    assert session.title == "Tell me about aspirin"
    answer = [m for m in sessions.list_messages(bob, session.id) if m.role == "assistant"][0]
    assert feedback_for(bob, [answer.id])[answer.id].rating == 1
