"""Administration page: add users, set roles, (de)activate, reset passwords, and installation health."""

import streamlit as st

from app.db.models import Role
from app.errors import ChemassistError
from app.services import accounts
from app.services.doctor import run_checks
from app.ui import auth

account = auth.require_account()
if not account.is_admin:
    st.error("Only administrators can open this page.")
    st.stop()

st.title("Users & health")
roles = [r.value for r in Role]

st.subheader("Add a user")
with st.form("add_user", clear_on_submit=True):
    c1, c2, c3 = st.columns(3)
    username = c1.text_input("Username")
    display_name = c2.text_input("Display name")
    role = c3.selectbox("Role", roles, index=roles.index("chemist"))
    password = st.text_input("Password (leave empty to generate one)", type="password")
    if st.form_submit_button("Add user", type="primary"):
        secret = password or accounts.generate_password()
        try:
            created = accounts.create_user(username, secret, display_name=display_name, role=role, actor=account)
        except ChemassistError as exc:
            st.error(str(exc))
        else:
            st.success(f"Added {created.username} ({created.role.value}).")
            if not password:
                st.info(f"Generated password for {created.username}: `{secret}` (shown once).")

st.subheader("Users")
for user in accounts.list_users(account):
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([3, 2, 1.5, 1.5], vertical_alignment="center")
        c1.markdown(f"**{user.username}** · {user.display_name}" + ("" if user.active else " · :red[deactivated]"))
        new_role = c2.selectbox(
            "Role",
            roles,
            index=roles.index(user.role.value),
            key=f"role_{user.username}",
            label_visibility="collapsed",
        )
        if new_role != user.role.value:
            try:
                accounts.set_role(user.username, new_role, actor=account)
                auth.refresh_account()
                st.rerun()
            except ChemassistError as exc:
                st.error(str(exc))
        if c3.button("Deactivate" if user.active else "Activate", key=f"active_{user.username}"):
            try:
                accounts.set_active(user.username, not user.active, actor=account)
                st.rerun()
            except ChemassistError as exc:
                st.error(str(exc))
        if c4.button("Reset password", key=f"reset_{user.username}"):
            secret = accounts.generate_password()
            try:
                accounts.reset_password(user.username, secret, actor=account)
                st.info(f"New password for {user.username}: `{secret}` (shown once).")
            except ChemassistError as exc:
                st.error(str(exc))

st.subheader("Installation health")
for check in run_checks():
    show = {"ok": st.success, "warn": st.warning, "fail": st.error}[check.status]
    show(f"**{check.name}**: {check.detail}" + (f"  \nFix: {check.fix}" if check.fix else ""))
