"""In a real browser, offline mode reads chemists' phrasing: a casual question answered with a first sentence and
units, a follow-up about the same molecule, and similar molecules drawn as distinct structures."""

import pytest
from playwright.sync_api import expect

from app.services import accounts
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_e2e_chat import ask

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def test_a_chemist_asks_casually_follows_up_and_sees_similar_molecules(live_app, page):
    import tools.chem as chem

    accounts.create_user("carol", PASSWORD)
    caffeine = chem.analyse("caffeine").to_record()
    sign_in(page, live_app, "carol", PASSWORD)
    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()
    main = page.get_by_test_id("stMainBlockContainer")

    ask(page, "how heavy is caffiene?", 0)
    expect(main.get_by_text(f"molecular weight {caffeine['mol_weight']} g/mol").first).to_be_visible()
    expect(main.get_by_text("closest known name").first).to_be_visible()  # says how the misspelt name was read

    ask(page, "and its polar surface area?", 1)
    expect(main.get_by_text(f"TPSA {caffeine['tpsa']:g} Å²").first).to_be_visible()

    ask(page, "anything structurally similar to it?", 2)
    expect(main.get_by_text("most similar distinct molecules").first).to_be_visible()
    # two molecule cards from the first turns, then the five neighbours, each drawn
    expect(main.locator(".chemassist-structure svg").nth(6)).to_be_visible(timeout=30_000)
    screenshot(page, "chat_reader_similar")
