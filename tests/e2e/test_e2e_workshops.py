"""In a real browser: an instructor creates a workshop, a participant joins with the code and passes an
exercise, and the instructor's live dashboard shows it and opens the participant's session read-only."""

import re

import pytest
from playwright.sync_api import expect

from app.services import accounts
from tests.e2e.conftest import screenshot, scroll_to, settle, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"
CODE = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$")


def check(exercise, molecule: str) -> None:
    """Type the molecule and press Check: the answer box and the button are one form, sent together. Typing
    while the page is still rerunning can lose the text on a busy machine: wait until Streamlit is idle and the
    box holds the molecule before pressing Check."""
    page = exercise.page
    settle(page)
    box = exercise.get_by_label("Your molecule (SMILES or name)")
    box.fill(molecule)
    expect(box).to_have_value(molecule)
    exercise.get_by_role("button", name="Check").click()


def test_instructor_runs_a_workshop_and_sees_a_participant_pass_an_exercise(live_app, page, browser):
    accounts.create_user("teacher", PASSWORD, display_name="Tess Teacher", role="instructor")
    accounts.create_user("ann", PASSWORD, display_name="Ann Analyst")

    sign_in(page, live_app, "teacher", PASSWORD)
    page.get_by_role("link", name="Workshops").click()
    page.get_by_label("Workshop title").fill("Onboarding March")
    page.get_by_role("button", name="Create workshop").click()
    expect(page.get_by_text("Workshop “Onboarding March” created.")).to_be_visible()
    code_box = page.get_by_text(CODE)
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    expect(page.get_by_text("No participants yet.")).to_be_visible()
    screenshot(page, "workshop_instructor_created")

    participant = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    participant.set_default_timeout(20_000)
    sign_in(participant, live_app, "ann", PASSWORD)
    participant.get_by_role("link", name="Workshops").click()
    participant.get_by_label("Join code").fill(code.lower())
    participant.get_by_role("button", name="Join").click()
    expect(participant.get_by_text("You joined “Onboarding March”.")).to_be_visible()
    participant.get_by_role("tab", name="2. Molecule tools").click()
    exercise = participant.locator(".st-key-exercise_mw-logp-window")
    check(exercise, "CCCCCCCCCCCC")
    expect(exercise.get_by_text("logP 4.927 (between 1 and 3) ✗")).to_be_visible(timeout=90_000)
    check(exercise, "aspirin")
    expect(exercise.get_by_text("logP 1.31 (between 1 and 3) ✓")).to_be_visible(timeout=90_000)
    expect(participant.get_by_text("1 of 8 exercises passed")).to_be_visible()
    screenshot(participant, "workshop_participant_passed")
    participant.locator(".st-key-exercise_similar-molecules").get_by_role("button", name="Ask in chat").click()
    expect(participant.get_by_role("heading", name="Chat")).to_be_visible(timeout=120_000)
    expect(participant.get_by_text("Find molecules similar to paracetamol").first).to_be_visible()  # on its way
    screenshot(participant, "workshop_participant_asked_in_chat")

    # The dashboard refreshes itself (st.fragment run_every): no reload needed.
    expect(page.get_by_text("1 / 8")).to_be_visible(timeout=30_000)
    scroll_to(page.get_by_text("Look at a participant's exercise session"))
    screenshot(page, "workshop_instructor_dashboard")
    page.get_by_role("button", name="Open read-only").click()
    # The Chat page draws the participant's whole session: on a busy 2-core machine that can take most of a minute.
    expect(page.get_by_role("heading", name="Chat")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("read-only (shared with you)")).to_be_visible()
    expect(
        page.get_by_text("Research session: Workshop Onboarding March · Find a molecule in a property window")
    ).to_be_visible()
    participant.context.close()
