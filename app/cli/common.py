"""Shared pieces of the `chemassist` CLI: error handling and output helpers."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from app.errors import ChemassistError

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn chemassist errors into one clear line on stderr and exit code 1 (no stack trace)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ChemassistError as exc:
            # escaped: a message quoting a SMILES ([nH], [C@@H]) must not be read as Rich markup
            err_console.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """Plain JSON on stdout (no colours), for scripts."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
