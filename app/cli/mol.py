"""`chemassist mol`: look up, describe, screen, search and depict molecules (tools.chem on RDKit)."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

import tools.chem as chem
from app.cli.common import console, err_console, friendly_errors, print_json
from app.errors import ValidationFailed
from tools.chem import quantities

cli = typer.Typer(
    help="Molecules: identifiers, descriptors, filters, alerts, safety screen, search and depiction.",
    no_args_is_help=True,
)


def _report(text: str, standardize: bool = False, tautomer: bool = False) -> chem.MoleculeReport:
    try:
        return chem.analyse(text, standardize_input=standardize, canonical_tautomer=tautomer)
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None


@cli.command()
@friendly_errors
def info(
    molecule: str = typer.Argument(..., help="SMILES, InChI, or a chemical name (common or IUPAC)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
    standardize: bool = typer.Option(
        False, "--standardize", help="Standardise first (cleanup, largest fragment, neutralise)."
    ),
    tautomer: bool = typer.Option(False, "--tautomer", help="Also use RDKit's canonical tautomer."),
) -> None:
    """Identifiers, descriptors, rule filters, structural alerts and the safety screen of one molecule."""
    record = _report(molecule, standardize, tautomer).to_record()
    if as_json:
        print_json(record)
        return
    table = Table(title=f"{record['canonical_smiles']}  ({record['input_source']})", show_header=True)
    table.add_column("property")
    table.add_column("value", overflow="fold")
    table.add_column("unit")
    units = record["units"]
    for key in (
        "inchikey", "formula", "mol_weight", "exact_mass", "logp", "molar_refractivity", "tpsa", "hbd", "hba",
        "rotatable_bonds", "ring_count", "aromatic_rings", "heavy_atoms", "fsp3", "formal_charge", "qed",
        "sa_score", "attachment_points", "lipinski_violations",
    ):  # fmt: skip
        if key == "attachment_points" and not record[key]:
            continue
        table.add_row(quantities.label(key), str(record[key]), units.get(key, ""))  # the labels every renderer uses
    for name, result in record["filters"].items():
        verdict = "pass" if result["passed"] else "fail"
        table.add_row(f"filter: {name}", f"{verdict} {'; '.join(result['failed'])}".strip(), "")
    for alert in record["alerts"]:
        table.add_row("alert", f"{alert['catalog']}: {alert['name']} (atoms {alert['atoms']})", "")
    safety = record["safety"]
    table.add_row(
        "safety screen",
        "FLAGGED: " + "; ".join(f"{h['name']} [{h['category']}] {h['source']}" for h in safety["hits"])
        if safety["flagged"]
        else "not flagged",
        "",
    )
    console.print(table)
    console.print(f"[dim]{record['provenance']}[/]", highlight=False)


@cli.command()
@friendly_errors
def batch(
    file: Path = typer.Argument(..., help="Input .csv/.tsv (with a SMILES column), .sdf or .smi file."),
    out: Path = typer.Option(..., "--output", "-o", help="Output CSV file, one row per input row."),
    smiles_column: str | None = typer.Option(None, "--smiles-column", help="CSV column holding SMILES."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: all CPUs)."),
    fast: bool = typer.Option(False, "--fast", help="Descriptors only: skip InChIKey, filters, alerts, safety."),
    standardize: bool = typer.Option(False, "--standardize", help="Standardise each molecule first."),
) -> None:
    """Descriptors (and filters, alerts, safety screen) for every molecule in FILE; bad rows are reported."""
    try:
        records = list(chem.read_records(file, smiles_column=smiles_column, parse=False))
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    if not records:
        raise ValidationFailed(f"{file.name} contains no molecules.")
    options = chem.BatchOptions(
        identifiers=not fast, filters=not fast, alerts=not fast, safety=not fast, standardize=standardize
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(f"Analysing {file.name}", total=len(records))
        rows = chem.analyse_batch(
            records,
            options=options,
            n_jobs=jobs,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    fields: list[str] = []
    for row in rows:
        fields.extend(k for k in row if k not in fields)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    bad = [r for r in rows if r.get("error")]
    flagged = [r for r in rows if r.get("safety_flagged")]
    console.print(f"{len(rows)} rows read, {len(rows) - len(bad)} analysed, {len(bad)} failed -> {out}")
    for row in bad[:20]:
        err_console.print(f"  row {row['row']}: {row['error']}", highlight=False, markup=False)
    if len(bad) > 20:
        err_console.print(f"  ... and {len(bad) - 20} more (see the 'error' column)")
    if flagged:
        console.print(f"[bold yellow]{len(flagged)} molecule(s) flagged by the safety screen[/] (safety_hits column)")
    console.print(f"[dim]{chem.PROVENANCE}[/]", highlight=False)


@cli.command()
@friendly_errors
def screen(
    molecule: str = typer.Argument(..., help="SMILES, InChI or chemical name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Safety screen only: controlled or highly hazardous substances (CWC schedules, explosives)."""
    try:
        result = chem.screen(chem.parse(molecule))
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    if as_json:
        print_json(result.to_dict())
        return
    if not result.flagged:
        console.print("Not flagged by the safety screen.")
    for hit in result.hits:
        console.print(f"[bold yellow]{hit.name}[/] [{hit.category}] {hit.source} (matched by {hit.matched_by})")


@cli.command()
@friendly_errors
def similar(
    query: str = typer.Argument(..., help="Query SMILES or name."),
    file: Path = typer.Argument(..., help="File of molecules to search (.csv/.sdf/.smi)."),
    k: int = typer.Option(10, "--top", "-k", min=1, max=10_000, help="Number of hits."),
    kind: str = typer.Option("morgan", "--fp", help="morgan, morgan_count, feature_morgan, feature_morgan_count."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Top-k most similar molecules in FILE (Tanimoto on Morgan radius-2 fingerprints)."""
    if kind not in ("morgan", "morgan_count", "feature_morgan", "feature_morgan_count"):
        raise ValidationFailed(f"Unknown fingerprint {kind!r}: use morgan, morgan_count or feature_morgan.")
    try:
        target = chem.parse(query)
        records = list(chem.read_records(file))
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    hits = chem.similarity_search(target, [r.mol for r in records], k=k, kind=kind)  # type: ignore[arg-type]
    rows = [
        {
            "row": records[h.index].row,
            "name": records[h.index].name,
            "smiles": h.smiles,
            "tanimoto": round(h.similarity, 4),
        }
        for h in hits
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("row", "name", "SMILES", "Tanimoto", title=f"Most similar to {chem.to_smiles(target)} ({kind})")
    for r in rows:
        table.add_row(str(r["row"]), str(r["name"] or ""), str(r["smiles"]), f"{r['tanimoto']:.3f}")
    console.print(table)


@cli.command()
@friendly_errors
def depict(
    molecule: str = typer.Argument(..., help="SMILES, InChI or chemical name."),
    out: Path = typer.Option(..., "--output", "-o", help="Output .svg or .png file."),
    highlight: str | None = typer.Option(None, "--highlight", help="SMARTS whose matches are highlighted."),
    size: int = typer.Option(400, "--size", min=100, max=2000, help="Image width and height in pixels."),
) -> None:
    """Draw MOLECULE to an SVG or PNG file, optionally highlighting a SMARTS pattern."""
    if out.suffix.lower() not in (".svg", ".png"):
        raise ValidationFailed("The output file must end in .svg or .png.")
    try:
        mol = chem.parse(molecule)
        atoms = sorted({i for m in chem.substructure_matches(mol, highlight) for i in m}) if highlight else []
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    if out.suffix.lower() == ".svg":
        out.write_text(chem.to_svg(mol, size=(size, size), highlight=atoms, legend=molecule[:60]), encoding="utf-8")
    else:
        out.write_bytes(chem.to_png(mol, size=(size, size), highlight=atoms, legend=molecule[:60]))
    console.print(f"Wrote {out}" + (f" ({len(atoms)} atoms highlighted)" if highlight else ""))
