"""A switch to the Chat page that Streamlit undid (a self-rerunning fragment's timer folded into it) is finished
by the page it landed on, so "Open read-only" on the live workshop dashboard always reaches the session."""

import time

from streamlit.testing.v1 import AppTest

from app.services import accounts, sessions
from app.settings import PROJECT_ROOT

ENTRY = str(PROJECT_ROOT / "app" / "streamlit_app.py")


def _signed_in(username: str) -> AppTest:
    accounts.create_user(username, "correct horse battery", role="instructor")
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    at.text_input[0].input(username)
    at.text_input[1].input("correct horse battery")
    return at.button[0].click().run()


def test_a_pending_switch_to_chat_is_followed_from_the_workshops_page_once(sqlite_db):
    at = _signed_in("tess")
    session = sessions.create_session(accounts.find_account("tess"), "Caffeine notes")
    at.session_state["chat_switch_pending"] = (session.id, time.monotonic())
    at.switch_page("../pages/workshops.py").run()
    assert not at.exception
    assert "Chat" in [t.value for t in at.title]
    assert any("Caffeine notes" in m.value for m in at.markdown)
    assert "chat_switch_pending" not in at.session_state  # the Chat page showed: nothing left to follow

    at.switch_page("../pages/workshops.py").run()  # a later visit stays on the Workshops page
    assert "Workshops" in [t.value for t in at.title]


def test_a_stale_pending_switch_is_dropped(sqlite_db):
    at = _signed_in("tess")
    session = sessions.create_session(accounts.find_account("tess"), "Caffeine notes")
    at.session_state["chat_switch_pending"] = (session.id, time.monotonic() - 60)
    at.switch_page("../pages/workshops.py").run()
    assert "Workshops" in [t.value for t in at.title]
    assert "chat_switch_pending" not in at.session_state
