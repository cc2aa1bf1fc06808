"""Who a user is, as the rest of the app may know it (never the password hash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.db.models import Role, User


@dataclass(frozen=True)
class Account:
    """What the rest of the app may know about a user (never the hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


def account_of(user: User) -> Account:
    return Account(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )
