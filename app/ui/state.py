"""The research session the user is working in, shared by all pages of one browser session.

The open session lives in the URL (`?session=ID`) as well as in the browser session's state, so that a reload,
the back button, a bookmark or a shared link lands on the same session; the URL wins when they differ. A session
the signed-in user may not read is never shown: the shell says so instead (`denied_message`).
"""

from __future__ import annotations

import time

import streamlit as st

from app.errors import ChemassistError
from app.services import sessions
from app.services.accounts import Account
from app.settings import PROJECT_ROOT

_KEY = "current_session_id"
_DENIED = "session_link_denied"  # why the session in the URL was not opened, shown once by the shell
_PENDING = "chat_switch_pending"  # (session id, monotonic time) of a switch to the Chat page not yet shown
_PENDING_FOR_S = 10.0
PAGES_DIR = PROJECT_ROOT / "pages"


def current_session(account: Account) -> sessions.SessionInfo | None:
    """The open session, as the URL names it (else as this browser session remembers it), if the user may read it."""
    wanted = st.query_params.get("session")
    if wanted is not None and not str(wanted).isdigit():
        open_session(None)
        st.session_state[_DENIED] = f"“{wanted}” in the address is not a research session number."
        return None
    session_id = int(wanted) if wanted is not None else st.session_state.get(_KEY)
    if session_id is None:
        return None
    try:
        info = sessions.get_session(account, session_id)  # the access policy decides, on every run
    except ChemassistError as exc:
        open_session(None)
        st.session_state[_DENIED] = f"{exc} Nothing of it is shown here."
        return None
    if st.session_state.get(_KEY) != info.id or wanted is None:
        open_session(info.id)  # a page switch drops the URL's parameters: put the session back into the URL
    return info


def denied_message() -> str | None:
    """Why the session the URL named was not opened (once), or None."""
    return st.session_state.pop(_DENIED, None)


def open_session(session_id: int | None) -> None:
    if session_id is None:
        st.session_state.pop(_KEY, None)
        st.query_params.pop("session", None)
    else:
        st.session_state[_KEY] = session_id
        st.query_params["session"] = str(session_id)


def go_to_chat(session_id: int) -> None:
    """Open a session and show it in the Chat page.

    The switch stays pending until the Chat page shows (`arrived_in_chat`): on a page with a fragment that
    reruns itself, Streamlit can fold the timer's rerun into the switch and run the old page again instead;
    that page then calls `follow_pending_chat` to switch once more.
    """
    _switch_to_chat(session_id, time.monotonic())


def follow_pending_chat() -> None:
    """Finish a switch to the Chat page that a self-rerunning fragment's timer undid (see `go_to_chat`)."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is not None and time.monotonic() - pending[1] < _PENDING_FOR_S:
        _switch_to_chat(*pending)  # keeps the first try's time: the retries end 10 s after it


def arrived_in_chat() -> None:
    """The Chat page showed: no switch is left to finish."""
    st.session_state.pop(_PENDING, None)


def _switch_to_chat(session_id: int, since: float) -> None:
    open_session(session_id)
    st.session_state[_PENDING] = (session_id, since)
    st.switch_page(st.Page(PAGES_DIR / "chat.py", url_path="chat"), query_params={"session": str(session_id)})
