"""`chemassist db`: apply, roll back and inspect database migrations."""

from __future__ import annotations

import typer

from app.cli.common import console, friendly_errors
from app.db import migrate
from app.settings import get_settings

cli = typer.Typer(help="Database migrations (SQLite by default, PostgreSQL via CHEMASSIST_DATABASE_URL).")


@cli.command()
@friendly_errors
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    get_settings().ensure_dirs()
    migrate.upgrade(revision=revision)
    console.print(f"Database at revision {migrate.current_revision()} (head {migrate.head_revision()}).")


@cli.command()
@friendly_errors
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Roll migrations back to REVISION (drops tables: data in them is lost)."""
    if not yes:
        typer.confirm(f"Roll the database back to {revision}? Tables dropped on the way lose their data", abort=True)
    migrate.downgrade(revision=revision)
    console.print(f"Database at revision {migrate.current_revision()}.")


@cli.command()
@friendly_errors
def current() -> None:
    """Show the database's revision and the newest one this code knows."""
    console.print(f"current: {migrate.current_revision()}  head: {migrate.head_revision()}")
