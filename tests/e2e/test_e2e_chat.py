"""In a real browser, offline mode: RDKit's logP and TPSA of aspirin with a structure image, a literature question
with numbered citations that open the passage, feedback, and a reload that keeps the conversation."""

import pytest
from playwright.sync_api import expect

from app.services import accounts, sessions
from app.services.feedback import feedback_for
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def ask(page, question: str, answers_so_far: int) -> None:
    box = page.get_by_placeholder("Ask about a molecule")
    box.fill(question)
    box.press("Enter")
    expect(page.get_by_text("answered by offline").nth(answers_so_far)).to_be_visible(timeout=90_000)


def test_offline_chat_structure_and_literature_questions(live_app_with_library, page):
    import tools.chem as chem
    from tools.chem.quantities import DESCRIPTORS

    bob = accounts.create_user("bob", PASSWORD)
    aspirin = chem.analyse("aspirin").to_record()
    sign_in(page, live_app_with_library, "bob", PASSWORD)
    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()
    expect(page.get_by_text("Offline mode: no language model is connected.")).to_be_visible()

    ask(page, "What is the logP and TPSA of aspirin?", 0)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_text("molecule_info(query='aspirin')")).to_be_visible()
    for key in ("logp", "tpsa"):  # the answer's table, to each quantity's digits (tools.chem.quantities)
        shown = DESCRIPTORS[key].number(aspirin[key])
        expect(main.get_by_role("cell", name=shown, exact=True).first).to_be_visible()
    expect(main.locator(".chemassist-structure svg").first).to_be_visible()  # the structure drawing
    page.get_by_role("radio", name="Thumbs up").first.click()
    expect(page.get_by_text("your feedback is saved")).to_be_visible()
    screenshot(page, "chat_offline_aspirin")

    ask(page, "What does the literature report about quibblene conversion over zorbium oxide nanorods?", 1)
    expect(main.get_by_text("[1] Fictional test record: zorbium oxide nanorods").first).to_be_visible()
    main.get_by_text("citation: [1] Fictional test record: zorbium oxide nanorods").first.click()
    expect(main.locator("blockquote").filter(has_text="yield of 73 percent").first).to_be_visible()  # the passage
    screenshot(page, "chat_offline_literature")

    page.reload()
    expect(page.get_by_text("answered by offline").nth(1)).to_be_visible()
    [session] = sessions.list_sessions(bob)
    assert session.title == "What is the logP and TPSA of aspirin?"
    answer = [m for m in sessions.list_messages(bob, session.id) if m.role == "assistant"][0]
    assert feedback_for(bob, [answer.id])[answer.id].rating == 1
    assert {a.kind.value for a in sessions.list_artifacts(bob, session.id)} == {"molecule", "citation"}
