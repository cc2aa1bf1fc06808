"""The installation's signing key and HMAC signatures for files it hands out (session exports).

The key is CHEMASSIST_SECRET_KEY (or _FILE) when set, else a random 256-bit key made at first use and kept in
the app database, so that every web replica of one installation signs alike. Installations that should accept
each other's exports share one CHEMASSIST_SECRET_KEY. A plain checksum proves nothing (anyone can recompute
it); an HMAC can only be made with the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.exc import IntegrityError

from app.db.engine import session_scope
from app.db.models import InstallationSecret
from app.errors import ValidationFailed
from app.settings import get_settings

KEY_NAME = "export-signing-key"
SCHEME = "hmac-sha256"


class BadSignature(ValidationFailed):
    """A signed file was changed after signing, or was signed by another installation."""


def _installation_key() -> bytes:
    configured = get_settings().secret_key
    if configured is not None:
        return configured.get_secret_value().encode("utf-8")
    with session_scope() as db:
        row = db.get(InstallationSecret, KEY_NAME)
        if row is not None:
            return bytes.fromhex(row.value)
    try:
        with session_scope() as db:
            db.add(InstallationSecret(name=KEY_NAME, value=secrets.token_hex(32)))
    except IntegrityError:  # another process made it first: use theirs
        pass
    with session_scope() as db:
        row = db.get(InstallationSecret, KEY_NAME)
        assert row is not None
        return bytes.fromhex(row.value)


def key_id(key: bytes) -> str:
    """A short public name for a key (never the key): tells 'another installation' from 'edited'."""
    return hashlib.sha256(b"chemassist key id\0" + key).hexdigest()[:16]


def sign(payload: bytes) -> str:
    key = _installation_key()
    return f"{SCHEME}:{key_id(key)}:{hmac.new(key, payload, hashlib.sha256).hexdigest()}"


def verify(payload: bytes, signature: object, *, what: str = "file") -> None:
    """Raise BadSignature unless `signature` is this installation's HMAC of `payload`."""
    if not isinstance(signature, str) or signature.count(":") != 2:
        raise BadSignature(
            f"This {what} carries no chemassist signature, so it cannot be shown to be unchanged since export. "
            "Only exports signed by this installation can be imported. Nothing was imported."
        )
    scheme, signer, mac = signature.split(":")
    key = _installation_key()
    if scheme != SCHEME or signer != key_id(key):
        raise BadSignature(
            f"This {what} was signed by another chemassist installation (key {signer[:16]}), so this installation "
            "cannot check that it is unchanged; it is not imported. Ask its owner to share the session on that "
            "installation, or have both installations use the same CHEMASSIST_SECRET_KEY. Nothing was imported."
        )
    expected = hmac.new(key, payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        raise BadSignature(
            f"This {what} was changed after it was exported (its signature does not match its content). "
            "Nothing was imported; import the file as it was exported."
        )
