"""`chemassist predict` (property predictions with intervals and domain flags) and `chemassist models ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.common import console, err_console, friendly_errors, print_json
from app.errors import ValidationFailed
from app.services import properties as service
from tools.results import Prediction

models_cli = typer.Typer(help="Trained property models: train them, list their model cards.", no_args_is_help=True)


def _failures(results: list[Prediction]) -> tuple[dict[str, list[str]], int, int]:
    """What went wrong per input SMILES (one line per failed property), how many inputs there were, and how many
    got no prediction at all."""
    rows: dict[str, list[Prediction]] = {}
    for r in results:
        rows.setdefault(r.smiles, []).append(r)
    problems: dict[str, list[str]] = {}
    for smi, items in rows.items():
        for r in items:
            if r.error:
                if smi in r.error:  # the message quotes the input: shorten a long one there
                    line = r.error.replace(smi, _short(smi))
                else:
                    line = f"{_short(smi)}{', ' + r.property if r.property else ''}: {r.error}"
                problems.setdefault(smi, []).append(line)
    failed = sum(1 for items in rows.values() if all(r.error for r in items))
    return problems, len(rows), failed


def _json(results: list[Prediction]) -> list[dict[str, Any]]:
    """The predictions as JSON objects, one per SMILES and property (no `input`: the CLI names no structures)."""
    return [r.model_dump(mode="json") for r in results]


def _short(smiles: str, width: int = 60) -> str:
    return smiles if len(smiles) <= width else f"{smiles[: width - 3]}... ({len(smiles)} characters)"


@friendly_errors
def predict(
    smiles_or_file: str = typer.Argument(
        ...,
        help="A SMILES (polymer repeat units with two [*]) or a file: one SMILES a line, or CSV with smiles.",
    ),
    prop: list[str] = typer.Option(
        None,
        "--property",
        "-p",
        help="Property to predict (esol/logS, freesolv, lipophilicity/logD, tg). Repeatable.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (one object per SMILES and property)."),
) -> None:
    """Predict properties with 90% intervals, applicability-domain flags and nearest training molecules.

    Each input that cannot be predicted gets a line on stderr saying why; the exit code is 1 when no input could
    be predicted at all, 0 when at least one was (the failures still listed)."""
    smiles = service.smiles_from_argument(smiles_or_file)
    results = service.predict_many(smiles, prop or None)
    problems, n_inputs, n_failed = _failures(results)
    if json_out:
        print_json(_json(results))
    elif n_failed < n_inputs:
        _print_table([r for r in results if not r.error])
    for lines in problems.values():
        for line in lines:
            err_console.print(f"[bold red]Error:[/] {escape(line)}", highlight=False)
    if n_failed == n_inputs:
        what = "the input" if n_inputs == 1 else f"any of the {n_inputs} inputs"
        err_console.print(f"No prediction could be made for {what}.", highlight=False)
        raise typer.Exit(1)
    if problems:
        err_console.print(
            f"{len(problems)} of {n_inputs} inputs had errors (listed above); the predictions that worked are shown.",
            highlight=False,
        )


def _print_table(results: list[Prediction]) -> None:
    table = Table("SMILES", "property", "value", "90% interval", "unit", "in domain", "nearest neighbour", "model")
    for r in results:
        nn = r.nearest_neighbours[0] if r.nearest_neighbours else None
        table.add_row(
            escape(r.smiles),  # SMILES brackets ([nH], [C@@H]) would otherwise be read as Rich markup
            r.property,
            f"{r.value:.3g}",
            f"{r.interval_low:.3g} to {r.interval_high:.3g}",
            r.unit,
            "yes" if r.in_domain else "[yellow]NO[/]: " + escape("; ".join(r.domain_notes)),
            f"{escape(nn.smiles)} ({nn.similarity:.2f}, {nn.measured_value:.3g})" if nn else "",
            f"{r.model} (RMSE {r.test_rmse:.3g})",
        )
    console.print(table)


@models_cli.command("train-properties")
@friendly_errors
def train_properties(
    prop: list[str] = typer.Option(None, "--property", "-p", help="Train only this property (repeatable)."),
    out: Path = typer.Option(None, "--out", help="Write artifacts here instead of tools/properties/models/."),
) -> None:
    """Retrain the property models with fixed seeds, evaluate them (random + scaffold), write model cards."""
    from tools.properties import datasets, train
    from tools.properties.errors import PropertyError

    try:
        names = [datasets.resolve(p).name for p in prop] if prop else list(datasets.SPECS)
    except PropertyError as exc:
        raise ValidationFailed(str(exc)) from None
    for name in names:
        with console.status(f"Training {name}..."):
            card = train.train_property(name, out)
        r = card["random_split"]
        console.print(
            f"{name}: random-split RMSE {r['rmse']:.3f} {card['unit']} (3 seeds), scaffold "
            f"{card['scaffold_split']['rmse']:.3f}, 90% coverage {r['coverage_90_pooled']:.2f}"
        )


@models_cli.command("cards")
@friendly_errors
def list_cards(json_out: bool = typer.Option(False, "--json", help="Print the cards as JSON.")) -> None:
    """Show each trained model's test metrics next to the published baselines."""
    found = service.model_cards()
    if json_out:
        print_json(found)
        return
    table = Table("property", "model", "RMSE random", "RMSE scaffold", "coverage 90%", "published (random)")
    for c in found:
        table.add_row(
            c["property"],
            c["model"]["name"],
            f"{c['random_split']['rmse']:.3f} {c['unit']}",
            f"{c['scaffold_split']['rmse']:.3f}",
            f"{c['random_split']['coverage_90_pooled']:.2f}",
            ", ".join(f"{b['method']}: {b['random_split_test_rmse']}" for b in c["published_baselines"]) or "none",
        )
    console.print(table)
