"""Shared bits of the synthesis benchmarks: the machine line and the Markdown results table."""

from __future__ import annotations

import json
import math
import platform
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
MACHINE = "2-core x86_64 CPU, 24 GiB (shared with other jobs)"
TEST_CSV = Path("/work/shared/data/uspto50k/test.csv")


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float, float]:
    """Share of hits in percent with its Wilson score interval (95% by default), each rounded to 0.1."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(100 * p, 1), round(100 * (centre - half), 1), round(100 * (centre + half), 1)


def write(name: str, data: dict, rows: list[tuple[str, str, str, str]], notes: str = "") -> None:
    """Write results/synthesis_<name>.json and refresh this benchmark's section of results/synthesis.md (the table,
    then ``notes`` as Markdown)."""
    RESULTS.mkdir(exist_ok=True)
    data = {"date": date.today().isoformat(), "machine": MACHINE, "python": platform.python_version()} | data
    (RESULTS / f"synthesis_{name}.json").write_text(json.dumps(data, indent=2))
    md = RESULTS / "synthesis.md"
    sections = _sections(md.read_text() if md.exists() else "")
    lines = [f"## {name} ({data['date']}, {MACHINE})", "", "| figure | ours | baseline | ratio |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    if notes:
        lines += ["", notes.strip()]
    sections[name] = "\n".join(lines) + "\n"
    head = "# Synthesis benchmarks\n\nWritten by benchmarks/synthesis_*.py; JSON beside this file.\n\n"
    md.write_text(head + "\n".join(sections[k] for k in sorted(sections)))


def _sections(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in text.split("\n## ")[1:]:
        name = chunk.split(" ", 1)[0]
        out[name] = "## " + chunk.rstrip("\n") + "\n"
    return out
