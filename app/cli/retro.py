"""`chemassist retro`: single-step suggestions, route search, the template library, the classifier and the stock.

``chemassist retro SMILES ...`` is short for ``chemassist retro search SMILES ...``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from typer.core import TyperGroup

from app.cli.common import console, friendly_errors, print_json
from app.errors import ValidationFailed
from app.services import synthesis as service

if TYPE_CHECKING:
    from typer._click import Context


class _DefaultToSearch(TyperGroup):
    """Treat a first argument that is not a sub-command as the target of `search`."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["search", *args]
        return super().parse_args(ctx, args)


cli = typer.Typer(
    cls=_DefaultToSearch,
    help="Retrosynthesis: `retro SMILES` searches routes to stock; `retro single-step SMILES` lists one-step options.",
    no_args_is_help=True,
)
stock_cli = typer.Typer(help="The building-block stock: the lab's inventory on top of the shipped USPTO-50k set.")
cli.add_typer(stock_cli, name="stock")

MODEL_HELP = "Single-step model: auto (classifier when available, else similarity), similarity, classifier, combined."


@cli.command("single-step")
@friendly_errors
def single_step(
    smiles: str = typer.Argument(..., help="Target molecule as SMILES."),
    top_k: int = typer.Option(10, "--top-k", "-k", help="How many precursor sets to return (1-500)."),
    model: str = typer.Option("auto", "--model", help=MODEL_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Rank one-step disconnections of SMILES: precursors, score, template, reaction class, precedents."""
    result = service.single_step(smiles, top_k=top_k, model=model)
    if as_json:
        print_json(result.to_dict())
        return
    # SMILES are escaped: Rich would read [nH] or [C@@H] as markup and drop it.
    if result.message:
        console.print(escape(result.message))
    console.print(f"[bold]{escape(result.target)}[/] ({result.model} model)")
    for i, s in enumerate(result.suggestions, 1):
        cls = f"{s.reaction_class_name}" if s.reaction_class else "class not recorded"
        cls += " (predicted)" if s.reaction_class_source == "predicted" else ""
        console.print(f"{i:>2}. {s.score:.3f}  {escape(s.reactants_smiles)}  [dim]template {s.template_id}, {cls}[/]")


@cli.command("search")
@friendly_errors
def search(
    smiles: str = typer.Argument(..., help="Target molecule: SMILES, chemical or drug name, or InChI."),
    time_limit: float = typer.Option(60.0, "--time-limit", "-t", help="Seconds to search (0-3600]."),
    iterations: int = typer.Option(2000, "--iterations", help="Maximum search iterations."),
    routes: int = typer.Option(5, "--routes", help="Stop after this many solved routes."),
    max_depth: int = typer.Option(6, "--max-depth", help="Longest linear sequence, in steps."),
    algorithm: str = typer.Option("best-first", "--algorithm", help="best-first or breadth-first."),
    model: str = typer.Option("auto", "--model", help=MODEL_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the result as JSON to this file."),
    svg_dir: Path | None = typer.Option(None, "--svg-dir", help="Write an SVG reaction diagram per step here."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a summary."),
    stop_at_stock: bool = typer.Option(
        False, "--stop-at-stock", help="Stop when the target itself is in stock instead of planning routes to it."
    ),
) -> None:
    """Search routes from a target down to purchasable building blocks (a target in stock still gets routes from
    other building blocks, unless --stop-at-stock)."""
    result = service.search(
        smiles,
        time_limit_s=time_limit,
        max_iterations=iterations,
        max_routes=routes,
        max_depth=max_depth,
        algorithm=algorithm,
        model=model,
        stop_at_stock=stop_at_stock,
    )
    data = result.to_dict()
    if output:
        output.write_text(json.dumps(data, indent=2))
    if svg_dir:
        svg_dir.mkdir(parents=True, exist_ok=True)
        for r in range(len(result.routes)):
            for s, svg in enumerate(service.svgs(result, r), 1):
                (svg_dir / f"route{r + 1}_step{s}.svg").write_text(svg)
    if as_json:
        print_json(data)
        return
    status = "solved" if result.solved else "not solved"
    console.print(f"[bold]{escape(result.target)}[/]: {status} ({result.stop_reason}, {result.elapsed_s:.1f} s)")
    if result.message:
        console.print(escape(result.message))
    from tools.results import stock_label

    for i, route in enumerate(result.routes, 1):
        shape = "convergent" if route.convergent else "linear"
        console.print(
            f"[bold]Route {i}[/]: {route.n_steps} step(s), longest linear sequence {route.longest_linear_sequence}, "
            f"{shape}, {'solved' if route.solved else 'not solved'}; score {route.score_text()}"
        )
        for n, step in enumerate(reversed(route.steps), 1):  # the order a chemist runs them
            console.print(f"  {n}. {escape(step.reactants_smiles)} >> {escape(step.product)}")
            console.print(f"     [dim]{escape(_step_details(step))}[/]")
            for flag in step.protection or ():
                console.print(f"     [yellow]PROTECTING GROUP?[/] {escape(flag.text)}: {escape(flag.reason)}")
        for leaf, hit in route.leaves.items():
            where = stock_label(hit.source, hit.name) if hit else "not in stock"
            console.print(f"     starting material {escape(leaf)}: {escape(where)}")


def _step_details(step: service.Suggestion) -> str:
    """'acylation and related processes; template 127 from 40 training reactions; precedents US..., US...'."""
    name = step.reaction_class_name or "reaction class not recorded"
    if step.reaction_class_source == "predicted":
        name += f" (predicted, confidence {step.class_confidence:.2f})"
    parts = [name, f"template {step.template_id} from {step.template_count} training reaction(s)"]
    if step.rare_template:
        parts.append("RARE TEMPLATE: seen once")
    if patents := [p.patent for p in step.patents if p.patent]:
        parts.append("precedents " + ", ".join(patents))
    return "; ".join(parts)


@cli.command("build-templates")
@friendly_errors
def build_templates(
    reactions: Path = typer.Argument(..., help="CSV with atom-mapped reactions (column mapped_reaction)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the template CSV."),
    id_column: str = typer.Option("id", help="Column with reaction ids (row numbers if absent)."),
    class_column: str = typer.Option("reaction_class", help="Column with reaction classes (optional)."),
) -> None:
    """Extract rdchiral retro templates with counts, reaction class and precedent ids (templates.csv layout)."""
    import pandas as pd

    from tools.synthesis.extraction import MappedReaction, build_template_library

    try:
        frame = pd.read_csv(reactions)
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"Could not read {reactions}: {exc}") from exc
    if "mapped_reaction" not in frame.columns:
        raise ValidationFailed(f"{reactions} has no 'mapped_reaction' column.")
    ids = frame[id_column].astype(str) if id_column in frame.columns else frame.index.astype(str)
    classes = frame[class_column] if class_column in frame.columns else [None] * len(frame)
    rows = [
        MappedReaction(f"{i}#{n}", m, int(c) if c == c and c is not None else None)
        for n, (i, m, c) in enumerate(zip(ids, frame.mapped_reaction, classes, strict=True))
    ]
    table = build_template_library(rows)
    table.to_csv(output, index=False)
    console.print(f"{len(table)} templates from {len(rows)} reactions written to {output}.")


@cli.command("train")
@friendly_errors
def train(
    epochs: int | None = typer.Option(None, help="Training epochs (default: the shipped model's 8)."),
) -> None:
    """Train the template classifier into <data_dir>/synthesis (about 10 minutes on two CPU cores); the planner
    prefers it to the shipped one."""
    path = service.train(epochs=epochs, progress=console.print)
    console.print(f"Classifier written to {path}.")


@stock_cli.command("add")
@friendly_errors
def stock_add(file: Path = typer.Argument(..., help="CSV with a 'smiles' column and optionally 'name'.")) -> None:
    """Add the lab's inventory to the stock (kept in <data_dir>/synthesis/inventory.csv)."""
    report = service.add_inventory(file)
    console.print(f"Added {report.added} molecules to the inventory.")
    if report.skipped:
        console.print(f"Skipped {len(report.skipped)} unreadable SMILES: {escape(', '.join(report.skipped[:10]))}")


@stock_cli.command("check")
@friendly_errors
def stock_check(
    smiles: str = typer.Argument(..., help="Molecule as SMILES."),
    zinc: bool = typer.Option(False, "--zinc", help="Also ask molbloom's ZINC in-stock filter (probabilistic)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Say whether SMILES is in stock and from which source."""
    from tools.synthesis.molecules import canonical_or_raise, inchikey

    try:
        target = canonical_or_raise(smiles)
    except Exception as exc:
        raise ValidationFailed(str(exc)) from exc
    hit = service.get_planner(use_zinc=zinc).stock.lookup(target)
    data = {"smiles": target, "inchikey": inchikey(target), "in_stock": hit is not None}
    data |= {"source": hit.source, "name": hit.name} if hit else {}
    if as_json:
        print_json(data)
    else:
        console.print(
            f"{escape(target)} ({data['inchikey']}): " + (f"in stock ({escape(hit.source)})" if hit else "not in stock")
        )
