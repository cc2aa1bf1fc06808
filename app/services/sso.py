"""Single sign-on: map an OIDC identity (from Streamlit's st.login) to a chemassist account."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.db.models import Role
from app.errors import AuthenticationFailed, NotFound
from app.services import accounts


def username_from_claims(claims: Mapping[str, Any]) -> str:
    """The account name for an identity: preferred_username, else the e-mail's local part."""
    raw = str(claims.get("preferred_username") or str(claims.get("email") or "").split("@")[0])
    name = re.sub(r"[^a-z0-9._-]", "-", raw.strip().lower()).strip("-._")
    if not accounts.USERNAME_RE.match(name):
        raise AuthenticationFailed("The identity provider did not give a usable user name or e-mail.")
    return name


def account_for_identity(claims: Mapping[str, Any], *, auto_create: bool) -> accounts.Account:
    name = username_from_claims(claims)
    try:
        account = accounts.find_account(name)
    except NotFound:
        if not auto_create:
            raise AuthenticationFailed(
                f"Signed in as '{name}', but there is no chemassist account with that name. Ask an administrator."
            ) from None
        display = str(claims.get("name") or name)
        # SSO users never use this password; it only satisfies the column.
        account = accounts.create_user(name, accounts.generate_password(), display_name=display, role=Role.chemist)
    if not account.active:
        raise AuthenticationFailed("This account is deactivated. Ask an administrator.")
    return account
