"""Apply and inspect Alembic migrations (migrations/ at the project root) for any database URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError, OperationalError

from app.db.engine import describe_db_error, engine_for
from app.errors import DatabaseUnavailable
from app.settings import PROJECT_ROOT, get_settings


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().resolved_database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    url = url or get_settings().resolved_database_url
    try:
        command.upgrade(alembic_config(url), revision)
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(describe_db_error(exc, url)) from exc


def downgrade(url: str | None = None, revision: str = "base") -> None:
    url = url or get_settings().resolved_database_url
    try:
        command.downgrade(alembic_config(url), revision)
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(describe_db_error(exc, url)) from exc


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "migrations/ has no revisions"
    return head


def current_revision(url: str | None = None) -> str | None:
    url = url or get_settings().resolved_database_url
    try:
        with engine_for(url).connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(describe_db_error(exc, url)) from exc


def require_current_schema(url: str | None = None) -> None:
    """Raise DatabaseUnavailable with the fix when the database is behind (or ahead of) this code."""
    url = url or get_settings().resolved_database_url
    current, head = current_revision(url), head_revision()
    if current is None:
        raise DatabaseUnavailable("The database is empty. Run `chemassist db upgrade` (or `make run`) to set it up.")
    if current != head:
        raise DatabaseUnavailable(
            f"The database schema is at revision {current} but this version of chemassist needs {head}. "
            "Run `chemassist db upgrade`; your data is kept."
        )
