"""A locked, unreachable or un-migrated database gives a clear message, and no data is lost."""

import sqlite3
import time

import pytest

from app.db import migrate
from app.errors import DatabaseUnavailable
from app.services import accounts, sessions


def test_locked_sqlite_database_says_busy_and_keeps_data(sqlite_db, data_dir, monkeypatch):
    alice = accounts.create_user("alice", "correct horse battery")
    kept = sessions.create_session(alice, "Kept")
    # Another process holds the write lock (a long import, a backup tool...).
    locker = sqlite3.connect(data_dir / "chemassist.db", timeout=0)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="busy"):
            sessions.rename_session(alice, kept.id, "Changed while locked")
        assert time.monotonic() - started < 60  # waited for the lock, then gave up
    finally:
        locker.rollback()
        locker.close()
    assert sessions.get_session(alice, kept.id).title == "Kept"


def test_unreachable_postgres_says_how_to_fix_it(data_dir, monkeypatch):
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:9/nowhere"  # port 9 (discard) has no server
    with pytest.raises(DatabaseUnavailable) as error:
        migrate.current_revision(url)
    message = str(error.value)
    assert "Cannot reach the database" in message and "chemassist doctor" in message
    assert "secret" not in message


def test_services_on_an_unmigrated_database_point_to_the_upgrade(data_dir):
    with pytest.raises(DatabaseUnavailable, match="chemassist db upgrade"):
        accounts.list_users()
