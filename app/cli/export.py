"""`chemassist export`: sessions to files, reviewed feedback to fine-tuning data, LoRA adapters into the catalog."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from app.cli.common import console, friendly_errors
from app.cli.sessions import export_command
from app.errors import ValidationFailed
from app.services import review
from serve.catalog import load_catalog
from serve.errors import ServeError

cli = typer.Typer(
    help="Export sessions, fine-tuning data (reviewed feedback) and register trained LoRA adapters.",
    no_args_is_help=True,
)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ValidationFailed(f"'{value}' is not a date; write it as YYYY-MM-DD (e.g. 2026-01-01).") from None


# One command, two names: `chemassist export session` and `chemassist sessions export`.
cli.command("session", help="Export a research session (same as `chemassist sessions export`).")(export_command)


@cli.command("finetune")
@friendly_errors
def finetune(
    role: str = typer.Option(
        ..., "--role", "-r", help="Model role the answers came from: chemistry, materials, general."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="The JSONL file to write (FILE.axolotl.yaml goes beside it)."
    ),
    since: str | None = typer.Option(None, "--since", help="Only feedback given on or after this date (YYYY-MM-DD)."),
    base_model: str | None = typer.Option(
        None,
        "--base-model",
        help="Base model for the QLoRA config (default: from --catalog, else Qwen2.5-7B-Instruct).",
    ),
    catalog: Path | None = typer.Option(
        None, "--catalog", help="Model catalog YAML: the base model serving ROLE becomes the config's base_model."
    ),
) -> None:
    """Write reviewed feedback as chat-format JSONL for fine-tuning, with an Axolotl QLoRA config beside it."""
    if base_model is None and catalog is not None:
        try:
            loaded = load_catalog(catalog)
            base_model = loaded.get(loaded.resolve_role(role).base_model).source
        except ServeError as exc:
            raise ValidationFailed(str(exc)) from None
    files = review.write_finetune(output, role, since=_date(since), base_model=base_model)
    console.print(f"Wrote {files.examples} example(s) to {files.data} and the QLoRA config {files.config}.")
    for reason, count in sorted(files.skipped.items()):
        console.print(f"  left out: {count} × {reason}")
    console.print(f"Train on a GPU host: axolotl train {files.config.name}")


@cli.command("register-adapter")
@friendly_errors
def register_adapter(
    catalog: Path = typer.Option(..., "--catalog", help="The model catalog YAML to edit (kept as CATALOG.bak)."),
    base: str = typer.Option(..., "--base", help="Served name of the base model the adapter was trained on."),
    name: str = typer.Option(..., "--name", help="Served name of the new adapter (unique in the catalog)."),
    path: str = typer.Option(..., "--path", help="Directory (or hub id) of the adapter weights."),
    role: str = typer.Option(..., "--role", help="Role the adapter answers: chemistry, materials or general."),
    replace: bool = typer.Option(False, "--replace", help="Point an existing adapter of that name at new weights."),
) -> None:
    """Register a trained LoRA adapter on a base model in the serve/ catalog (validated before writing)."""
    from serve.finetune import register_adapter as register

    try:
        updated = register(catalog, base=base, name=name, path=path, role=role, replace=replace)
    except ServeError as exc:
        raise ValidationFailed(str(exc)) from None
    served = updated.resolve_role(role).served_name
    console.print(f"Registered adapter {name} on {base} in {catalog} (previous version kept as {catalog.name}.bak).")
    if served != name:
        console.print(
            f"Note: role {role} still resolves to {served}, listed first; remove or reorder it to use {name}."
        )
