"""The `chemassist` command line: one Typer app with a sub-command group per area.

Each area's module, and what it brings in (services, RDKit, torch, Milvus, LangChain), is imported only when one of
its commands runs: `chemassist --help` lists the commands from the one-line summaries below, and
`chemassist mol info` loads the molecule tools and nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer
from typer.core import TyperCommand, TyperGroup

from app.file_modes import private_files

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives: `app.cli.<module>.<attribute>`, a Typer sub-app or a command function."""

    module: str
    attribute: str
    summary: str  # the line `chemassist --help` shows; tests check it against the command's own help
    help: str | None = None  # replaces a command function's docstring


# In the order `chemassist --help` lists them: single commands first, then the groups.
COMMANDS: dict[str, LazyCommand] = {
    "gateway": LazyCommand(
        "serve",
        "gateway",
        "Run the OpenAI-compatible gateway (as `chemassist serve gateway`).",
        help="Run the OpenAI-compatible gateway (as `chemassist serve gateway`).",
    ),
    "predict": LazyCommand(
        "predict",
        "predict",
        "Predict properties with 90% intervals, applicability-domain flags and nearest training molecules.",
    ),
    "doctor": LazyCommand(
        "doctor", "doctor", "Check the database, vector store, embedding model, LLM endpoint and GPU."
    ),
    "web": LazyCommand("webapp", "web", "Start the web app (Streamlit) and print its URL."),
    "init": LazyCommand(
        "webapp",
        "init",
        "Apply database migrations, create the first admin if there is none, load the demo library if empty.",
    ),
    "chat": LazyCommand(
        "agent",
        "chat_command",
        "Run one chat turn through the same agent graph as the web app (stored in a research session).",
    ),
    "ask": LazyCommand("library", "ask", "Answer from the library with numbered citations (offline: quoted passages)."),
    "db": LazyCommand("db", "cli", "Database migrations (SQLite by default, PostgreSQL via CHEMASSIST_DATABASE_URL)."),
    "users": LazyCommand("users", "cli", "Manage user accounts (roles: admin, instructor, chemist)."),
    "mol": LazyCommand(
        "mol", "cli", "Molecules: identifiers, descriptors, filters, alerts, safety screen, search and depiction."
    ),
    "serve": LazyCommand(
        "serve", "cli", "Model serving: size models on GPUs, place and launch vLLM / llama-server, run the gateway."
    ),
    "workshops": LazyCommand("workshops", "cli", "Workshop packs and running workshops."),
    "models": LazyCommand("predict", "models_cli", "Trained property models: train them, list their model cards."),
    "retro": LazyCommand(
        "retro",
        "cli",
        "Retrosynthesis: `retro SMILES` searches routes to stock; `retro single-step SMILES` lists one-step options.",
    ),
    "eval": LazyCommand("agent", "eval_cli", "Evaluate the research agent on question suites with computable answers."),
    "export": LazyCommand(
        "export", "cli", "Export sessions, fine-tuning data (reviewed feedback) and register trained LoRA adapters."
    ),
    "library": LazyCommand(
        "library", "cli", "The literature library: ingest papers (PDF, text, BibTeX, RIS, JSONL), search, ask."
    ),
    "sessions": LazyCommand("sessions", "cli", "Research sessions: export (Markdown, PDF, JSON) and import (JSON)."),
}


def load_command(name: str) -> Command:
    """Import the module behind a top-level command and build its Click command (a group for a sub-app)."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(f"app.cli.{entry.module}"), entry.attribute)
    if isinstance(target, typer.Typer):
        command: Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name, help=entry.help)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A Typer group whose commands are imported on first use; the top-level help reads only `COMMANDS`."""

    _summaries_only = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        if self._summaries_only:
            return _summary_of(cmd_name)
        self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    @contextmanager
    def _listing_summaries(self) -> Iterator[None]:
        self._summaries_only = True
        try:
            yield
        finally:
            self._summaries_only = False

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        with self._listing_summaries():
            super().format_help(ctx, formatter)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        if args and args[0] not in COMMANDS and not args[0].startswith("-"):
            # An unknown name: Typer's error suggests close matches among the commands it holds, so let it hold
            # every command's summary (nothing is imported on this path).
            self.commands = {name: _summary_of(name) for name in COMMANDS} | dict(self.commands)
        return super().resolve_command(ctx, args)


def _summary_of(name: str) -> Command:
    """A stand-in that carries only the name and the one-line help (for listings and suggestions)."""
    summary = COMMANDS[name].summary
    return TyperCommand(name, help=summary, short_help=summary)


app = typer.Typer(
    name="chemassist",
    cls=LazyGroup,
    help="chemassist: a self-hosted chemistry research assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """chemassist: a self-hosted chemistry research assistant."""


def main() -> None:
    # Everything the CLI writes under the data folder (database, Milvus Lite file, logs, server state) is the
    # lab's own: files 0600, folders 0700, also in the web app and servers it starts.
    private_files()
    app()


if __name__ == "__main__":
    main()
