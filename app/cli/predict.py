"""`chemassist predict` (property predictions with intervals and domain flags) and `chemassist models ...`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from app.cli.common import console, friendly_errors, print_json
from app.errors import ValidationFailed
from app.services import properties as service

models_cli = typer.Typer(help="Trained property models: train them, list their model cards.", no_args_is_help=True)


def _looks_like_file(arg: str) -> bool:
    return Path(arg).is_file() or arg.endswith((".smi", ".txt", ".csv", ".smiles"))


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
    """Predict properties with 90% intervals, applicability-domain flags and nearest training molecules."""
    if _looks_like_file(smiles_or_file):
        path = Path(smiles_or_file)
        if not path.exists():
            raise ValidationFailed(f"File {path} does not exist.")
        smiles = service.smiles_from_file(path)
    else:
        smiles = [smiles_or_file]
    results = service.predict_many(smiles, prop or None)
    if json_out:
        print_json(results)
        return
    table = Table("SMILES", "property", "value", "90% interval", "unit", "in domain", "nearest neighbour", "model")
    for r in results:
        if r["error"]:
            table.add_row(r["smiles"], r["property"] or "-", "[red]error[/]", r["error"], "", "", "", "")
            continue
        nn = r["nearest_neighbours"][0] if r["nearest_neighbours"] else None
        table.add_row(
            r["smiles"],
            r["property"],
            f"{r['value']:.3g}",
            f"{r['interval_low']:.3g} to {r['interval_high']:.3g}",
            r["unit"],
            "yes" if r["in_domain"] else "[yellow]NO[/]: " + "; ".join(r["domain_notes"]),
            f"{nn['smiles']} ({nn['similarity']:.2f}, {nn['measured_value']:.3g})" if nn else "",
            f"{r['model']} (RMSE {r['test_rmse']:.3g})",
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
