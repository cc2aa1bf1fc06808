"""Who is signed in: Streamlit session state, a 'stay signed in' cookie, or single sign-on."""

from __future__ import annotations

import json

import streamlit as st

from app.errors import ChemassistError
from app.services import accounts, sso
from app.services.accounts import Account
from app.settings import get_settings

COOKIE = "chemassist_token"
_ACCOUNT = "account"
_PENDING_COOKIE = "pending_cookie"


def _cookie_token() -> str | None:
    token = st.context.cookies.get(COOKIE)
    return token if isinstance(token, str) and token else None


def current_account() -> Account | None:
    account = st.session_state.get(_ACCOUNT)
    if account is not None:
        return account
    account = accounts.account_for_token(_cookie_token())
    if account is None:
        account = _sso_account()
    if account is not None:
        st.session_state[_ACCOUNT] = account
    return account


def require_account() -> Account:
    """For pages: the signed-in account (the shell only shows pages after sign-in)."""
    account = current_account()
    if account is None:
        st.warning("Please sign in.")
        st.stop()
    return account


def refresh_account() -> None:
    account = st.session_state.get(_ACCOUNT)
    if account is not None:
        st.session_state[_ACCOUNT] = accounts.get_account(account.id)


def _sso_account() -> Account | None:
    settings = get_settings()
    if not settings.sso_enabled:
        return None
    try:
        if not st.user.is_logged_in:
            return None
        return sso.account_for_identity(st.user.to_dict(), auto_create=settings.sso_auto_create)
    except ChemassistError as exc:
        st.session_state["sso_error"] = str(exc)
        return None


def sign_in(username: str, password: str, remember: bool) -> Account:
    account = accounts.authenticate(username, password)
    st.session_state[_ACCOUNT] = account
    if remember:
        st.session_state[_PENDING_COOKIE] = accounts.issue_token(account.id)
    return account


def sign_out() -> None:
    accounts.revoke_token(_cookie_token())
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_PENDING_COOKIE] = ""  # expire the cookie on the next run


def write_pending_cookie() -> None:
    """Set (or clear) the browser cookie decided on the previous run."""
    if _PENDING_COOKIE not in st.session_state:
        return
    token = st.session_state.pop(_PENDING_COOKIE)
    max_age = get_settings().session_days * 86400 if token else 0
    st.html(
        "<script>document.cookie = "
        + json.dumps(f"{COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict")
        + ";</script>",
        unsafe_allow_javascript=True,
    )
