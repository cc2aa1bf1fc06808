"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL by URL; errors become clear messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DatabaseUnavailable
from app.settings import get_settings


def make_engine(url: str) -> Engine:
    """An engine for *url*; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url)


def describe_db_error(exc: BaseException, url: str) -> str:
    """A sentence a user can act on, for a database failure."""
    text = str(getattr(exc, "orig", exc)).lower()
    where = make_url(url).render_as_string(hide_password=True)
    if "locked" in text or "busy" in text:
        return f"The database at {where} is busy (locked by another process). Try again in a moment."
    if "no such table" in text or "does not exist" in text and "relation" in text or "undefinedtable" in text:
        return f"The database at {where} is not set up. Run `chemassist db upgrade` (or `make run`)."
    if "connection" in text or "could not" in text or "unable to open" in text or "timeout" in text:
        return (
            f"Cannot reach the database at {where}. Check that it is running and that "
            "CHEMASSIST_DATABASE_URL is right; run `chemassist doctor` for details."
        )
    return f"The database at {where} reported an error: {getattr(exc, 'orig', exc)}"


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A transaction: commit on success, roll back on error; database errors become DatabaseUnavailable."""
    engine = engine or get_engine()
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        raise DatabaseUnavailable(describe_db_error(exc, str(engine.url))) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
