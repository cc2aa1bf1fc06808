"""The `chemassist` command line: one Typer app with a sub-command group per area."""

from __future__ import annotations

import typer

from app.cli import agent, db, doctor, export, library, mol, predict, retro, serve, sessions, users, webapp, workshops
from app.services import bootstrap

app = typer.Typer(
    name="chemassist",
    help="chemassist: a self-hosted chemistry research assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.cli, name="db")
app.add_typer(users.cli, name="users")
app.add_typer(mol.cli, name="mol")
app.add_typer(serve.cli, name="serve")
app.command("gateway", help="Run the OpenAI-compatible gateway (as `chemassist serve gateway`).")(serve.gateway)
app.add_typer(workshops.cli, name="workshops")
app.add_typer(predict.models_cli, name="models")
app.command("predict")(predict.predict)
app.add_typer(retro.cli, name="retro")
app.command("doctor")(doctor.doctor)
app.command("web")(webapp.web)
app.command("init")(webapp.init)
app.command("chat")(agent.chat_command)
app.add_typer(agent.eval_cli, name="eval")
app.add_typer(export.cli, name="export")
app.add_typer(library.cli, name="library")
app.command("ask")(library.ask)
app.add_typer(sessions.cli, name="sessions")


def main() -> None:
    # Everything the CLI writes under the data folder (database, Milvus Lite file, logs, server state) is the
    # lab's own: files 0600, folders 0700, also in the web app and servers it starts.
    bootstrap.private_files()
    app()


if __name__ == "__main__":
    main()
