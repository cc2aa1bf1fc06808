"""The Workshops page, run headless with Streamlit's AppTest: instructor creates, participant joins and checks."""

import pytest
from streamlit.testing.v1 import AppTest

from app.services import accounts, workshops
from tests.helpers.pages import open_page

PASSWORD = "correct horse battery"


@pytest.fixture
def people(sqlite_db):
    return accounts.create_user("teacher", PASSWORD, role="instructor"), accounts.create_user("ann", PASSWORD)


def _texts(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.markdown, *at.caption, *at.success, *at.warning, *at.error, *at.info])


def test_instructor_creates_a_workshop_and_sees_the_code_and_an_empty_dashboard(people):
    teacher, _ = people
    at = open_page("workshops", teacher)
    at.text_input[1].input("Onboarding March")
    at.button[1].click().run()  # the create form's button (the join form's comes first)
    assert not at.exception
    [created] = workshops.list_workshops(teacher)
    text = _texts(at)
    assert created.title == "Onboarding March" and created.display_code in text
    assert "No participants yet" in text


def test_participant_joins_with_a_wrong_code_then_the_right_one_and_checks_an_answer(people):
    teacher, ann = people
    created = workshops.create_workshop(teacher, "onboarding")
    at = open_page("workshops", ann)
    assert "You have not joined a workshop yet" in _texts(at)
    at.text_input[0].input("QQQ-QQQ")
    at.button[0].click().run()
    assert "No workshop has the join code 'QQQ-QQQ'" in at.error[0].value
    at.text_input[0].input(created.display_code.lower())
    at.button[0].click().run()
    assert not at.exception and "You joined" in at.success[0].value
    at.text_input(key=f"answer_{created.id}_mw-logp-window").input("aspirin")
    at.button(key="check_mw-logp-window").click().run()
    assert not at.exception
    assert any("logP 1.31 (between 1 and 3) ✓" in s.value for s in at.success)
    board = workshops.dashboard(teacher, created.id)
    assert board[0].exercises["mw-logp-window"].status == "passed"
