"""`chemassist doctor`: what works, what does not, and how to fix it."""

from __future__ import annotations

import typer
from rich.table import Table

from app.cli.common import console, print_json
from app.services.doctor import run_checks

_STYLE = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]"}


def doctor(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check the database, vector store, embedding model, LLM endpoint and GPU."""
    checks = run_checks()
    if as_json:
        print_json([c.as_dict() for c in checks])
    else:
        table = Table("check", "status", "detail", "fix")
        for c in checks:
            table.add_row(c.name, _STYLE[c.status], c.detail, c.fix)
        console.print(table)
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)
