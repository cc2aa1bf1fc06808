"""Accounts: creation rules, sign-in without user enumeration, throttling, roles and tokens."""

import pytest

from app.db.models import Role
from app.errors import AuthenticationFailed, NotFound, PermissionDenied, TooManyAttempts, ValidationFailed
from app.services import accounts

PASSWORD = "correct horse battery"


def test_create_and_sign_in(db_url):
    accounts.create_user("Alice", PASSWORD, display_name="Alice Chen", role="instructor")
    account = accounts.authenticate("alice", PASSWORD)
    assert (account.username, account.display_name, account.role) == ("alice", "Alice Chen", Role.instructor)
    assert account.last_login_at is not None


def test_password_is_stored_as_argon2_hash(sqlite_db):
    from sqlalchemy import select

    from app.db.engine import session_scope
    from app.db.models import User

    accounts.create_user("alice", PASSWORD)
    with session_scope() as db:
        stored = db.scalar(select(User.password_hash))
    assert stored.startswith("$argon2") and PASSWORD not in stored


def test_duplicate_username_is_refused_clearly(db_url):
    accounts.create_user("alice", PASSWORD)
    with pytest.raises(ValidationFailed, match="'alice' is taken"):
        accounts.create_user("ALICE", "another password 1")
    assert [u.username for u in accounts.list_users()] == ["alice"]


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("a", PASSWORD, "2-64 characters"),
        ("bad name", PASSWORD, "2-64 characters"),
        ("bob", "short", "at least 10"),
        ("bobbobbobbob", "bobbobbobbob", "must not be the username"),
    ],
)
def test_bad_accounts_are_refused(sqlite_db, username, password, message):
    with pytest.raises(ValidationFailed, match=message):
        accounts.create_user(username, password)


def test_wrong_password_and_unknown_user_read_the_same(sqlite_db):
    accounts.create_user("alice", PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong_password:
        accounts.authenticate("alice", "not the password")
    with pytest.raises(AuthenticationFailed) as unknown_user:
        accounts.authenticate("mallory", "not the password")
    assert str(wrong_password.value) == str(unknown_user.value) == "Wrong username or password."


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_repeated_failures_are_slowed_down_for_known_and_unknown_users(sqlite_db, username):
    accounts.create_user("alice", PASSWORD)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(username, "wrong password")
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(username, "wrong password")  # 4th failure sets a wait
    with pytest.raises(TooManyAttempts) as blocked:
        accounts.authenticate(username, PASSWORD)  # even the right password must wait
    assert blocked.value.wait_seconds >= 1


def test_admin_reset_clears_the_throttle(sqlite_db):
    accounts.create_user("alice", PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate("alice", "wrong password")
    accounts.reset_password("alice", "a brand new password")
    assert accounts.authenticate("alice", "a brand new password").username == "alice"


def test_deactivated_user_cannot_sign_in(sqlite_db):
    accounts.create_user("root", PASSWORD, role="admin")
    accounts.create_user("alice", PASSWORD)
    accounts.set_active("alice", False)
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        accounts.authenticate("alice", PASSWORD)


def test_the_last_admin_cannot_be_demoted_or_deactivated(db_url):
    accounts.create_user("root", PASSWORD, role="admin")
    with pytest.raises(ValidationFailed, match="last active administrator"):
        accounts.set_role("root", "chemist")
    with pytest.raises(ValidationFailed, match="last active administrator"):
        accounts.set_active("root", False)
    accounts.create_user("second", PASSWORD, role="admin")
    assert accounts.set_role("root", "chemist").role == Role.chemist


def test_only_admins_manage_accounts_from_the_app(sqlite_db):
    chemist = accounts.create_user("alice", PASSWORD)
    accounts.create_user("bob", PASSWORD)
    with pytest.raises(PermissionDenied):
        accounts.set_role("bob", "admin", actor=chemist)


def test_unknown_role_lists_the_choices(sqlite_db):
    with pytest.raises(ValidationFailed, match="admin, instructor, chemist"):
        accounts.create_user("alice", PASSWORD, role="wizard")


def test_change_password_needs_the_current_one(sqlite_db):
    alice = accounts.create_user("alice", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        accounts.change_password(alice, "not it at all", "a brand new password")
    accounts.change_password(alice, PASSWORD, "a brand new password")
    assert accounts.authenticate("alice", "a brand new password").id == alice.id


def test_stay_signed_in_tokens(db_url):
    alice = accounts.create_user("alice", PASSWORD)
    token = accounts.issue_token(alice.id)
    assert accounts.account_for_token(token).id == alice.id
    assert accounts.account_for_token("forged") is None
    accounts.revoke_token(token)
    assert accounts.account_for_token(token) is None


def test_password_reset_signs_out_everywhere(sqlite_db):
    alice = accounts.create_user("alice", PASSWORD)
    token = accounts.issue_token(alice.id)
    accounts.reset_password("alice", "a brand new password")
    assert accounts.account_for_token(token) is None


def test_find_unknown_user(sqlite_db):
    with pytest.raises(NotFound, match="No user named 'ghost'"):
        accounts.find_account("ghost")
