"""The Streamlit shell: page setup, database check, sign-in gate, navigation and sidebar.

Every page has its own address (/chat, /sessions, ...), also before sign-in: a bookmark or a shared link shows
the sign-in form and then the page it names. Streamlit serves its default page at the root only, so the root is
the Sessions page under a name of its own, and the menu is drawn here with `st.page_link` (Streamlit's own menu
would list that root page twice)."""

from __future__ import annotations

import streamlit as st

from app.db import migrate
from app.db.models import Role
from app.errors import ChemassistError
from app.services import library, sessions, synthesis
from app.services.identity import Account
from app.settings import PROJECT_ROOT
from app.ui import auth, state, text

PAGES = PROJECT_ROOT / "pages"
PAGE_NAMES = sorted(p.stem for p in PAGES.glob("*.py") if p.stem != "login")


# At 1280x800 (a 13-inch laptop) Streamlit's default 6rem of empty space above a page and its 2.75rem titles push
# a page's first controls a fifth of the window down, its 5rem side margins squeeze tables, and the sidebar's empty
# logo row pushes the menu down; these rules give that space back (docs/visual-pass.md). The top stays clear of
# the header's sidebar button.
LAYOUT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
@media (min-width: 768px) {
  [data-testid="stMainBlockContainer"], [data-testid="stBottomBlockContainer"] {
    padding-left: 3rem; padding-right: 3rem;
  }
}
[data-testid="stMainBlockContainer"] h1 { font-size: 2.25rem; padding-top: 0.5rem; }
[data-testid="stSidebarHeader"] { height: 2.5rem; margin-bottom: 0; }
[data-testid="stSidebarUserContent"] { padding-top: 0.5rem; }
</style>"""


def _page(name: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    return st.Page(PAGES / f"{name}.py", title=title, icon=icon, url_path=name, default=default)


def _not_open(name: str, account: Account) -> st.Page:
    def page() -> None:
        st.title("Not open to you")
        st.info(
            f"The page /{name} is not open to your role ({account.role.value}). Pick a page in the menu, or ask "
            "an administrator if you need this one.",
            icon=":material/lock:",
        )

    return st.Page(page, title="Not open to you", url_path=name)


def _menu(pages: dict[str, list[st.Page]], current: sessions.SessionInfo | None) -> None:
    # The links carry the open session, so that a page switch is one step in the browser's history.
    keep = {"session": str(current.id)} if current else None
    with st.sidebar:
        for section, items in pages.items():
            st.caption(section)
            for item in items:
                st.page_link(item, label=item.title, icon=item.icon, query_params=keep)


def _sidebar(account: Account, current: sessions.SessionInfo | None) -> None:
    with st.sidebar:
        st.markdown(f"**{text.escape(account.display_name)}**  \n{text.code(account.username)} · {account.role.value}")
        if current:
            st.caption(f"Research session: **{text.escape(current.title)}**")
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
    # An emoji favicon is drawn in the browser; a Material one is fetched from fonts.gstatic.com (air gap).
    st.set_page_config(page_title="chemassist", page_icon="🧪", layout="wide")
    st.html(LAYOUT_CSS)  # style only: Streamlit adds it to the page without taking room
    auth.write_pending_cookie()
    try:
        migrate.require_current_schema()
        account = auth.current_account()
    except ChemassistError as exc:
        st.title("chemassist")
        st.error(text.escape(str(exc)))
        st.stop()

    _warm_up()
    if account is None:
        # The sign-in form answers at every page's address, so that the link still works after signing in.
        aliases = [st.Page(PAGES / "login.py", title="Sign in", url_path=name) for name in PAGE_NAMES]
        st.navigation([_page("login", "Sign in", ":material/login:", default=True), *aliases], position="hidden").run()
        return

    pages = {
        "Research": [
            _page("chat", "Chat", ":material/chat:"),
            _page("molecules", "Molecules", ":material/science:"),
            _page("properties", "Properties", ":material/monitoring:"),
            _page("synthesis", "Synthesis", ":material/account_tree:"),
            _page("library", "Library", ":material/menu_book:"),
            _page("sessions", "Sessions", ":material/folder_open:"),
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
    home = st.Page(
        PAGES / "sessions.py", title="Sessions", icon=":material/folder_open:", url_path="home", default=True
    )
    menu = [p for items in pages.values() for p in items]
    # A bookmarked page this role may not open says so, instead of Streamlit's "Page not found" pop-up.
    closed = [_not_open(name, account) for name in PAGE_NAMES if name not in {p.url_path for p in menu}]
    shown = st.navigation([home, *menu, *closed], position="hidden")
    current = state.current_session(account)
    _menu(pages, current)  # after st.navigation: a page link needs its page registered
    _sidebar(account, current)
    if denied := state.denied_message():
        st.error(text.escape(denied), icon=":material/lock:")
    shown.run()
