"""`chemassist workshops`: validate and list packs, create a workshop, follow its progress from the shell."""

from __future__ import annotations

from collections import Counter

import typer
from rich.table import Table

from app.cli.common import console, friendly_errors, print_json
from app.services import accounts, workshops
from app.workshops import builtin_packs, find_pack

cli = typer.Typer(help="Workshop packs and running workshops.", no_args_is_help=True)
STATUS_MARK = {"passed": "✅", "failed": "❌", "started": "…", "not started": "·"}


@cli.command("validate")
@friendly_errors
def validate(pack: str = typer.Argument(..., help="A pack file (YAML) or the id of a built-in pack.")) -> None:
    """Check a workshop pack; every problem is listed with the section, exercise and field at fault."""
    loaded = find_pack(pack)
    kinds = Counter(e.check.kind for _, e in loaded.exercises)
    console.print(
        f"[green]✓[/] {loaded.label}: {len(loaded.sections)} sections, {len(loaded.exercises)} exercises "
        f"({', '.join(f'{k} ×{n}' for k, n in sorted(kinds.items()))}), {loaded.duration}.",
        highlight=False,
    )


@cli.command("list-packs")
@friendly_errors
def list_packs(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The packs shipped with chemassist."""
    packs = builtin_packs()
    if as_json:
        print_json(
            [
                {"id": p.id, "version": p.version, "title": p.title, "duration": p.duration,
                 "sections": len(p.sections), "exercises": len(p.exercises)}
                for p in packs
            ]
        )  # fmt: skip
        return
    table = Table("id", "version", "title", "duration", "sections", "exercises")
    for p in packs:
        table.add_row(p.id, p.version, p.title, p.duration, str(len(p.sections)), str(len(p.exercises)))
    console.print(table)


@cli.command("create")
@friendly_errors
def create(
    pack: str = typer.Argument(..., help="A built-in pack id or a pack file."),
    instructor: str = typer.Option(..., "--instructor", "-i", help="Username of the instructor (or admin)."),
    title: str = typer.Option("", "--title", "-t", help="Workshop title (default: the pack's)."),
    hours: float = typer.Option(workshops.DEFAULT_HOURS, "--hours", help="How long the join code is valid."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a workshop and print its join code."""
    info = workshops.create_workshop(accounts.find_account(instructor), find_pack(pack), title=title, hours=hours)
    if as_json:
        print_json({"id": info.id, "title": info.title, "join_code": info.display_code, "expires_at": info.expires_at})
        return
    console.print(f"Workshop {info.id} “{info.title}” ({info.pack.label}) run by {info.instructor_username}.")
    console.print(f"Join code: [bold]{info.display_code}[/]  (valid until {info.expires_at:%Y-%m-%d %H:%M} UTC)")


@cli.command("progress")
@friendly_errors
def progress(
    workshop: str = typer.Argument(..., help="Workshop id or join code."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Progress per participant and exercise."""
    instructor = workshops.instructor_account(workshop)
    info = workshops.get_workshop(instructor, int(workshop)) if workshop.isdigit() else None
    info = info or workshops.find_by_code(instructor, workshop)
    board = workshops.dashboard(instructor, info.id)
    exercise_ids = [e.id for _, e in info.pack.exercises]
    if as_json:
        print_json(
            {
                "workshop": {"id": info.id, "title": info.title, "pack": info.pack.id, "version": info.pack.version},
                "exercises": exercise_ids,
                "participants": [
                    {"username": p.username, "passed": p.passed,
                     "exercises": {e: p.exercises[e].status for e in exercise_ids}}
                    for p in board
                ],
            }
        )  # fmt: skip
        return
    numbers = [f"{i}.{j}" for i, s in enumerate(info.pack.sections, 1) for j, _ in enumerate(s.exercises, 1)]
    table = Table("participant", *numbers, "passed", title=f"{info.title} · code {info.display_code}")
    for p in board:
        marks = [STATUS_MARK[p.exercises[e].status] for e in exercise_ids]
        table.add_row(p.username, *marks, f"{p.passed}/{len(exercise_ids)}")
    console.print(table)
    console.print(" · ".join(f"{n} {e}" for n, e in zip(numbers, exercise_ids, strict=True)), highlight=False)
    if not board:
        console.print(f"No participants yet. Join code: {info.display_code}")
