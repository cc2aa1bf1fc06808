"""The research session the user is working in, shared by all pages of one browser session."""

from __future__ import annotations

import streamlit as st

from app.errors import ChemassistError
from app.services import sessions
from app.services.accounts import Account
from app.settings import PROJECT_ROOT

_KEY = "current_session_id"
PAGES_DIR = PROJECT_ROOT / "pages"


def current_session(account: Account) -> sessions.SessionInfo | None:
    session_id = st.session_state.get(_KEY)
    if session_id is None and str(st.query_params.get("session", "")).isdigit():
        session_id = int(st.query_params["session"])  # survives a page reload
    if session_id is None:
        return None
    try:
        return sessions.get_session(account, session_id)
    except ChemassistError:
        open_session(None)
        return None


def open_session(session_id: int | None) -> None:
    if session_id is None:
        st.session_state.pop(_KEY, None)
        st.query_params.pop("session", None)
    else:
        st.session_state[_KEY] = session_id
        st.query_params["session"] = str(session_id)


def go_to_chat(session_id: int) -> None:
    """Open a session and show it in the Chat page."""
    open_session(session_id)
    st.switch_page(st.Page(PAGES_DIR / "chat.py", url_path="chat"))
