"""A browser session that stays open after its account changes: the page re-reads the account on every run."""

from __future__ import annotations

from app.db.models import Role
from app.services import accounts
from tests.helpers.pages import open_page

PASSWORD = "correct horse battery"


def test_a_deactivated_account_is_signed_out_at_its_next_click(sqlite_db):
    cached = accounts.create_user("mallory", PASSWORD)
    accounts.set_active("mallory", False)
    at = open_page("account", cached)
    assert not at.exception
    assert any("Please sign in" in w.value for w in at.warning)
    assert "no longer active" in at.session_state["signed_out_reason"]
    assert "account" not in at.session_state


def test_a_role_change_shows_on_the_next_page_run(sqlite_db):
    cached = accounts.create_user("bob", PASSWORD)
    accounts.set_role("bob", Role.admin)
    at = open_page("account", cached)
    assert not at.exception
    assert at.session_state["account"].role == Role.admin
    assert any("role **admin**" in m.value for m in at.markdown)
