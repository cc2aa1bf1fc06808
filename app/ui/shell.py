"""The Streamlit shell: page setup, database check, sign-in gate, navigation and sidebar."""

from __future__ import annotations

import streamlit as st

from app.db import migrate
from app.db.models import Role
from app.errors import ChemassistError
from app.services import library, synthesis
from app.settings import PROJECT_ROOT
from app.ui import auth, state

PAGES = PROJECT_ROOT / "pages"


def _page(name: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    return st.Page(PAGES / f"{name}.py", title=title, icon=icon, url_path=name, default=default)


def _sidebar(account) -> None:  # type: ignore[no-untyped-def]
    with st.sidebar:
        st.markdown(f"**{account.display_name}**  \n`{account.username}` · {account.role.value}")
        current = state.current_session(account)
        if current:
            st.caption(f"Research session: **{current.title}**")
        else:
            st.caption("No research session open")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            auth.sign_out()
            st.rerun()


@st.cache_resource(show_spinner=False)
def _warm_up() -> bool:
    """Once per app process, in the background: the retrosynthesis planner, the embedding model and the library's
    search matrix (seconds each), so that nobody's first question waits for them."""
    synthesis.preload()
    library.preload()
    return True


def run() -> None:
    st.set_page_config(page_title="chemassist", page_icon=":material/science:", layout="wide")
    auth.write_pending_cookie()
    try:
        migrate.require_current_schema()
        account = auth.current_account()
    except ChemassistError as exc:
        st.title("chemassist")
        st.error(str(exc))
        st.stop()

    _warm_up()
    if account is None:
        st.navigation([_page("login", "Sign in", ":material/login:", default=True)], position="hidden").run()
        return

    pages = {
        "Research": [
            _page("chat", "Chat", ":material/chat:"),
            _page("molecules", "Molecules", ":material/science:"),
            _page("properties", "Properties", ":material/monitoring:"),
            _page("synthesis", "Synthesis", ":material/account_tree:"),
            _page("library", "Library", ":material/menu_book:"),
            _page("sessions", "Sessions", ":material/folder_open:", default=True),
            _page("workshops", "Workshops", ":material/school:"),
        ],
        "You": [_page("account", "Account", ":material/person:")],
    }
    pages["Serving"] = [_page("models", "Models", ":material/dns:")]  # everyone sees status; admins start/stop
    if account.role in (Role.admin, Role.instructor):
        pages["Serving"].append(_page("compute", "Compute planner", ":material/calculate:"))
        pages["Review"] = [_page("review", "Feedback review", ":material/rate_review:")]
    if account.role == Role.admin:
        pages["Administration"] = [_page("admin", "Users & health", ":material/admin_panel_settings:")]
    _sidebar(account)
    st.navigation(pages).run()
