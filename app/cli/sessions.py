"""`chemassist sessions`: export a research session to a file and import a JSON export, as a named user."""

from __future__ import annotations

from pathlib import Path

import typer

from app.cli.common import console, friendly_errors
from app.errors import ValidationFailed
from app.services import accounts, export, sessions

cli = typer.Typer(help="Research sessions: export (Markdown, PDF, JSON) and import (JSON).", no_args_is_help=True)
FORMATS = ("md", "pdf", "json")
USER_OPT = typer.Option(..., "--user", "-u", help="Act as this user (their access rules apply).")


def export_session(session_id: int, username: str, fmt: str, output: Path | None) -> Path:
    """Write one session to OUTPUT (default: a file named after the title in the current folder)."""
    fmt = fmt.lower().removeprefix(".").replace("markdown", "md")
    if fmt not in FORMATS:
        raise ValidationFailed(f"Unknown format '{fmt}'. Choose one of: {', '.join(FORMATS)}.")
    actor = accounts.find_account(username)
    info = sessions.get_session(actor, session_id)
    data: bytes = {
        "md": lambda: export.to_markdown(actor, session_id).encode("utf-8"),
        "pdf": lambda: export.to_pdf(actor, session_id),
        "json": lambda: export.to_json(actor, session_id),
    }[fmt]()
    path = output or Path(export.filename(info, fmt))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationFailed(
            f"Cannot write {path}: {exc.strerror or exc}. Nothing was written; choose a folder you may write to "
            "with --output."
        ) from None
    return path


@cli.command("export")
@friendly_errors
def export_command(
    session_id: int = typer.Argument(..., help="The session's id (shown by the Sessions page and in exports)."),
    username: str = USER_OPT,
    fmt: str | None = typer.Option(
        None, "--format", "-f", help="md, pdf or json (default: from the output file's suffix, else json)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Where to write (default: from the title)."),
) -> None:
    """Export a research session the user may read."""
    suffix = output.suffix.lstrip(".").lower() if output else ""
    fmt = fmt or (suffix if suffix in ("md", "pdf", "json") else "json")
    path = export_session(session_id, username, fmt, output)
    console.print(f"Wrote {path} ({path.stat().st_size:,} bytes).")


@cli.command("import")
@friendly_errors
def import_command(
    file: Path = typer.Argument(..., help="A JSON file written by a chemassist export."),
    username: str = USER_OPT,
    title: str | None = typer.Option(None, "--title", help="Title of the new session (default: the file's)."),
) -> None:
    """Import a JSON export as a NEW session owned by the user (nothing is overwritten)."""
    if not file.is_file():
        raise ValidationFailed(f"{file} does not exist.")
    if file.stat().st_size > export.MAX_IMPORT_BYTES:
        raise ValidationFailed(f"{file} is larger than {export.MAX_IMPORT_BYTES // 2**20} MB; nothing was imported.")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"Cannot read {file}: {exc.strerror or exc}. Nothing was imported.") from None
    result = export.import_session(accounts.find_account(username), data, title=title)
    console.print(f"{result.summary} Session id {result.session.id}.")
