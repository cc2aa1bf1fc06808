"""Sign-in page: username and password, or single sign-on when configured."""

import streamlit as st

from app.errors import AuthenticationFailed, ChemassistError
from app.settings import get_settings
from app.ui import auth

st.title("chemassist")
st.caption("Chemistry research assistant. Your lab's data stays on your lab's servers.")

left, _ = st.columns([1, 1])
with left:
    if reason := st.session_state.pop("signed_out_reason", None):
        st.warning(reason)
    with st.form("sign_in"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        remember = st.checkbox("Stay signed in on this browser", value=True)
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            auth.sign_in(username, password, remember)
            st.rerun()
        except AuthenticationFailed as exc:
            st.error(str(exc))
        except ChemassistError as exc:
            st.error(str(exc))

    if get_settings().sso_enabled:
        st.divider()
        if message := st.session_state.pop("sso_error", None):
            st.error(message)
        if st.button("Sign in with your organisation (SSO)"):
            st.login()
    st.caption("Forgot your password? Ask an administrator to reset it.")
