"""First start: bring the database to the newest schema and make sure an administrator exists."""

from __future__ import annotations

from dataclasses import dataclass

from app.db import migrate
from app.db.models import Role
from app.services import accounts
from app.settings import get_settings


@dataclass(frozen=True)
class AdminCreated:
    username: str
    password: str | None  # None when the operator typed it in


def ensure_schema() -> str:
    get_settings().ensure_dirs()
    migrate.upgrade()
    return migrate.current_revision() or ""


def ensure_admin(username: str, password: str | None = None) -> AdminCreated | None:
    """Create the first admin when there is none. Without a password, generate a random one (never fixed)."""
    if accounts.count_admins() > 0:
        return None
    generated = password is None
    password = password or accounts.generate_password()
    accounts.create_user(username, password, display_name="Administrator", role=Role.admin)
    return AdminCreated(username=accounts.normalize_username(username), password=password if generated else None)
