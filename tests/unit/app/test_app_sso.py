"""Single sign-on identities map onto chemassist accounts."""

import pytest

from app.errors import AuthenticationFailed
from app.services import accounts, sso


def test_username_from_claims():
    assert sso.username_from_claims({"preferred_username": "J.Doe"}) == "j.doe"
    assert sso.username_from_claims({"email": "Marie.Curie@lab.example"}) == "marie.curie"
    with pytest.raises(AuthenticationFailed):
        sso.username_from_claims({})


def test_existing_account_or_auto_create(sqlite_db):
    accounts.create_user("jdoe", "correct horse battery", role="instructor")
    assert sso.account_for_identity({"email": "jdoe@lab.example"}, auto_create=False).role.value == "instructor"
    with pytest.raises(AuthenticationFailed, match="Ask an administrator"):
        sso.account_for_identity({"email": "new@lab.example"}, auto_create=False)
    created = sso.account_for_identity({"email": "new@lab.example", "name": "New Person"}, auto_create=True)
    assert (created.username, created.display_name, created.role.value) == ("new", "New Person", "chemist")
