"""Migrations go up and down on SQLite and PostgreSQL, and match the SQLAlchemy models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.db import migrate
from app.db.engine import engine_for
from app.db.models import Base
from app.errors import DatabaseUnavailable
from tests.conftest import postgres_or_skip, reset_postgres

TABLES = {"users", "research_sessions", "session_shares", "messages", "artifacts", "feedback", "auth_tokens"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request, data_dir):
    if request.param == "postgres":
        url = postgres_or_skip()
        reset_postgres(url)
    else:
        url = f"sqlite:///{data_dir / 'migrations.db'}"
    yield url
    engine_for(url).dispose()


def _tables(url):
    return set(inspect(engine_for(url)).get_table_names())


def test_upgrade_downgrade_upgrade(empty_db):
    migrate.upgrade(empty_db)
    assert _tables(empty_db) >= TABLES
    assert migrate.current_revision(empty_db) == migrate.head_revision()
    migrate.downgrade(empty_db, "base")
    assert _tables(empty_db) <= {"alembic_version"}
    migrate.upgrade(empty_db)
    assert migrate.current_revision(empty_db) == migrate.head_revision()


def test_models_and_migrations_agree(empty_db):
    migrate.upgrade(empty_db)
    with engine_for(empty_db).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_an_unmigrated_database_is_reported_with_the_fix(empty_db):
    with pytest.raises(DatabaseUnavailable, match="chemassist db upgrade"):
        migrate.require_current_schema(empty_db)
    migrate.upgrade(empty_db)
    migrate.require_current_schema(empty_db)
