"""First start: bring the database to the newest schema and make sure an administrator exists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.db import migrate
from app.db.models import Role
from app.file_modes import private_files
from app.services import access, accounts
from app.settings import get_settings


@dataclass(frozen=True)
class AdminCreated:
    username: str
    password: str | None  # None when the operator typed it in


def protect_data_dir(folder: Path | None = None) -> list[Path]:
    """Make the data folder and everything in it private (folders 0700, files 0600), for installations made
    before this rule; returns what was changed. Links are left alone (they may point outside)."""
    root = folder or get_settings().data_dir
    changed: list[Path] = []
    if not root.is_dir():
        return changed
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = 0o700 if path.is_dir() else 0o600
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
            changed.append(path)
    return changed


@access.operator
def ensure_schema() -> str:
    private_files()
    get_settings().ensure_dirs()
    migrate.upgrade()
    protect_data_dir()
    return migrate.current_revision() or ""


@access.operator
def ensure_admin(username: str, password: str | None = None) -> AdminCreated | None:
    """Create the first admin when there is none. Without a password, generate a random one (never fixed)."""
    if accounts.count_admins() > 0:
        return None
    generated = password is None
    password = password or accounts.generate_password()
    accounts.create_user(username, password, display_name="Administrator", role=Role.admin)
    return AdminCreated(username=accounts.normalize_username(username), password=password if generated else None)
