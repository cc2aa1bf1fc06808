"""Who is signed in: Streamlit session state, a 'stay signed in' cookie, or single sign-on."""

from __future__ import annotations

import json

import streamlit as st

from app.errors import ChemassistError, NotFound
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
    """The signed-in account as the database has it now (re-read on every page run, one query): a role
    change shows at once, and a deactivated account is signed out at its next click."""
    account = st.session_state.get(_ACCOUNT)
    if account is not None:
        try:
            fresh = accounts.get_account(account.id)
        except NotFound:
            fresh = None
        if fresh is not None and fresh.active and fresh.username == account.username:
            st.session_state[_ACCOUNT] = fresh
            return fresh
        _forget(account)
        return None
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


def renew_token() -> None:
    """After a password change (which ends every 'stay signed in' token): keep this browser signed in."""
    account = st.session_state.get(_ACCOUNT)
    if account is not None and _cookie_token():
        st.session_state[_PENDING_COOKIE] = accounts.issue_token(account.id)


def sign_out() -> None:
    accounts.revoke_token(_cookie_token())
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_PENDING_COOKIE] = ""  # expire the cookie on the next run


def _forget(account: Account) -> None:
    """The account was deactivated or deleted while signed in: sign this browser out and say why."""
    sign_out()
    st.session_state["signed_out_reason"] = (
        f"The account '{account.username}' is no longer active; you have been signed out. "
        "Ask an administrator if this is a mistake."
    )


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
