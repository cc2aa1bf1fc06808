"""Account page: who you are, change your password, sign out."""

import streamlit as st

from app.errors import ChemassistError
from app.services import accounts
from app.ui import auth

account = auth.require_account()
st.title("Account")
st.write(f"**{account.display_name}** (`{account.username}`), role **{account.role.value}**")
if account.last_login_at:
    st.caption(f"Last sign-in {account.last_login_at:%Y-%m-%d %H:%M} UTC")

st.subheader("Change password")
with st.form("change_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password", autocomplete="current-password")
    new = st.text_input(
        f"New password (at least {accounts.MIN_PASSWORD_LENGTH} characters)",
        type="password",
        autocomplete="new-password",
    )
    repeat = st.text_input("Repeat the new password", type="password", autocomplete="new-password")
    if st.form_submit_button("Change password"):
        if new != repeat:
            st.error("The new passwords differ; nothing was changed.")
        else:
            try:
                accounts.change_password(account, current, new)
                auth.renew_token()
                st.success("Password changed. Other browsers that stayed signed in must sign in again.")
            except ChemassistError as exc:
                st.error(str(exc))

st.divider()
if st.button("Sign out", icon=":material/logout:"):
    auth.sign_out()
    st.rerun()
