"""Accounts: users, sign-in (argon2, throttled, no user enumeration), roles, 'stay signed in' tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.engine import session_scope
from app.db.models import AuthToken, LoginThrottle, Role, User, utcnow
from app.errors import AuthenticationFailed, NotFound, TooManyAttempts, ValidationFailed
from app.services import access
from app.services.identity import Account, account_of
from app.settings import get_settings

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10


def normalize_username(username: str) -> str:
    return username.strip().lower()


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if username and password.lower() == username.lower():
        raise ValidationFailed("The password must not be the username.")


def parse_role(role: str | Role) -> Role:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValidationFailed(f"Unknown role '{role}'. Choose one of: {choices}.") from None


def _get_user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        raise NotFound(f"No user named '{normalize_username(username)}'.")
    return user


@access.guarded(requires=Role.admin)
def create_user(
    username: str,
    password: str,
    display_name: str = "",
    role: str | Role = Role.chemist,
    actor: Account | None = None,
) -> Account:
    """Add a user. *actor* None means the local operator (CLI, first start, SSO sign-up); else an admin."""
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise ValidationFailed(
            "A username has 2-64 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    check_password_strength(password, name)
    role = parse_role(role)
    try:
        with session_scope() as db:
            if db.scalar(select(User.id).where(User.username == name)) is not None:
                raise ValidationFailed(f"The username '{name}' is taken. Choose another one.")
            user = User(
                username=name,
                display_name=display_name.strip() or name,
                password_hash=_hasher.hash(password),
                role=role,
                active=True,
            )
            db.add(user)
            db.flush()
            return account_of(user)
    except IntegrityError as exc:  # a concurrent insert won the race
        raise ValidationFailed(f"The username '{name}' is taken. Choose another one.") from exc


@access.guarded(requires=Role.admin)
def list_users(actor: Account | None = None) -> list[Account]:
    """Every account (admins; *actor* None is the local operator)."""
    with session_scope() as db:
        return [account_of(u) for u in db.scalars(select(User).order_by(User.username))]


@access.sign_in
def get_account(user_id: int) -> Account:
    """The account as stored now (the web app re-reads the signed-in user with it on every page run)."""
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        return account_of(user)


@access.operator
def find_account(username: str) -> Account:
    with session_scope() as db:
        return account_of(_get_user(db, username))


@access.operator
def count_admins() -> int:
    with session_scope() as db:
        return db.scalar(select(func.count(User.id)).where(User.role == Role.admin, User.active.is_(True))) or 0


def _keep_one_admin(db: Session, user: User, new_role: Role | None = None, active: bool | None = None) -> None:
    losing_admin = user.role == Role.admin and ((new_role is not None and new_role != Role.admin) or active is False)
    if not losing_admin:
        return
    admins = db.scalar(select(func.count(User.id)).where(User.role == Role.admin, User.active.is_(True))) or 0
    if admins <= 1:
        raise ValidationFailed("This is the last active administrator; make another user admin first.")


@access.guarded(requires=Role.admin)
def set_role(username: str, role: str | Role, actor: Account | None = None) -> Account:
    """Change a user's role. *actor* None means the local CLI (trusted operator)."""
    new_role = parse_role(role)
    with session_scope() as db:
        user = _get_user(db, username)
        _keep_one_admin(db, user, new_role=new_role)
        user.role = new_role
        return account_of(user)


@access.guarded(requires=Role.admin)
def set_active(username: str, active: bool, actor: Account | None = None) -> Account:
    """Deactivate (signing the user out everywhere at their next action) or reactivate an account."""
    with session_scope() as db:
        user = _get_user(db, username)
        _keep_one_admin(db, user, active=active)
        user.active = active
        if not active:
            db.query(AuthToken).filter(AuthToken.user_id == user.id).delete()
        return account_of(user)


@access.guarded(requires=Role.admin)
def reset_password(username: str, new_password: str, actor: Account | None = None) -> Account:
    """Set a new password and end every 'stay signed in' token of the user."""
    with session_scope() as db:
        user = _get_user(db, username)
        check_password_strength(new_password, user.username)
        user.password_hash = _hasher.hash(new_password)
        db.query(AuthToken).filter(AuthToken.user_id == user.id).delete()
        db.query(LoginThrottle).filter(LoginThrottle.key == user.username).delete()
        return account_of(user)


@access.guarded
def change_password(actor: Account, current_password: str, new_password: str) -> None:
    """Change one's own password; every 'stay signed in' token of the account ends (a stolen one too)."""
    with session_scope() as db:
        user = db.get(User, actor.id)
        if user is None or not _verify(user.password_hash, current_password):
            raise AuthenticationFailed("The current password is not right.")
        check_password_strength(new_password, user.username)
        if current_password == new_password:
            raise ValidationFailed("The new password must differ from the current one.")
        user.password_hash = _hasher.hash(new_password)
        db.query(AuthToken).filter(AuthToken.user_id == user.id).delete()


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _delay_after(failures: int) -> int:
    settings = get_settings()
    extra = failures - settings.login_max_free_failures
    if extra < 0:
        return 0
    return min(2 ** (extra + 1), settings.login_max_delay_s)


@access.sign_in
def authenticate(username: str, password: str) -> Account:
    """Check a username and password. The error never tells whether the user exists."""
    key = normalize_username(username)[:64]
    now = utcnow()
    with session_scope() as db:
        throttle = db.get(LoginThrottle, key)
        if throttle and throttle.blocked_until and throttle.blocked_until > now:
            raise TooManyAttempts(max(1, int((throttle.blocked_until - now).total_seconds() + 0.999)))
        user = db.scalar(select(User).where(User.username == key))
        ok = _verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None and user.active
        if ok:
            assert user is not None
            if throttle:
                db.delete(throttle)
            user.last_login_at = now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            return account_of(user)
        if throttle is None:
            throttle = LoginThrottle(key=key, failures=0)
            db.add(throttle)
        throttle.failures += 1
        throttle.last_failure_at = now
        delay = _delay_after(throttle.failures)
        throttle.blocked_until = now + timedelta(seconds=delay) if delay else None
    raise AuthenticationFailed("Wrong username or password.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@access.sign_in
def issue_token(user_id: int) -> str:
    """A random token for the browser cookie; the database keeps only its hash."""
    token = secrets.token_urlsafe(32)
    with session_scope() as db:
        db.add(
            AuthToken(
                user_id=user_id,
                token_hash=_token_hash(token),
                expires_at=utcnow() + timedelta(days=get_settings().session_days),
            )
        )
    return token


@access.sign_in
def account_for_token(token: str | None) -> Account | None:
    if not token:
        return None
    with session_scope() as db:
        row = db.scalar(select(AuthToken).where(AuthToken.token_hash == _token_hash(token)))
        if row is None or row.expires_at <= utcnow():
            return None
        user = db.get(User, row.user_id)
        return account_of(user) if user is not None and user.active else None


@access.sign_in
def revoke_token(token: str | None) -> None:
    if not token:
        return
    with session_scope() as db:
        db.query(AuthToken).filter(AuthToken.token_hash == _token_hash(token)).delete()
