"""The `chemassist` command line: one Typer app with a sub-command group per area."""

from __future__ import annotations

import typer

from app.cli import db, doctor, users, webapp

app = typer.Typer(
    name="chemassist",
    help="chemassist: a self-hosted chemistry research assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.cli, name="db")
app.add_typer(users.cli, name="users")
app.command("doctor")(doctor.doctor)
app.command("web")(webapp.web)
app.command("init")(webapp.init)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
