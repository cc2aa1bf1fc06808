"""How fast the `chemassist` CLI starts (issue 21 targets: `--help` <= 0.5 s, `mol info aspirin --json` <= 2 s).

Each command runs as a fresh process, as a user types it; the figure is the median over N runs of wall time, with
the CPU time (user + system) and peak memory of the same runs. The baseline, measured in the same run, is a bare
`python -c "import rdkit.Chem"`; the second reference is what the CLI cost before issue 21: importing every
command module at start.

Run: .venv/bin/python benchmarks/cli_startup.py [--n 7]  (writes benchmarks/results/cli_startup.json)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
CHEMASSIST = Path(sys.executable).with_name("chemassist")  # the console script pip installed beside python

EVERY_COMMAND_MODULE = ", ".join(
    f"app.cli.{name}"
    for name in (
        "agent",
        "db",
        "doctor",
        "export",
        "library",
        "mol",
        "predict",
        "retro",
        "serve",
        "sessions",
        "users",
        "webapp",
        "workshops",
    )
)

COMMANDS = {
    "baseline: python -c 'import rdkit.Chem'": [sys.executable, "-c", "import rdkit.Chem"],
    "chemassist --help": [str(CHEMASSIST), "--help"],
    "chemassist mol info aspirin --json": [str(CHEMASSIST), "mol", "info", "aspirin", "--json"],
    "before issue 21: import every command module": [sys.executable, "-c", f"import {EVERY_COMMAND_MODULE}"],
}
TARGETS_S = {"chemassist --help": 0.5, "chemassist mol info aspirin --json": 2.0}


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    peak_mib: float


def run_once(argv: list[str], env: dict[str, str]) -> Run:
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 gives this child's own CPU time and peak memory (getrusage(RUSAGE_CHILDREN) would mix all children).
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}): {error}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def measure(n: int, env: dict[str, str]) -> dict[str, dict[str, float]]:
    """Median figures per command; the commands take turns round by round, so that a burst of load on the shared
    machine hits all of them alike."""
    for argv in COMMANDS.values():
        run_once(argv, env)  # warm the file cache and the bytecode
    runs: dict[str, list[Run]] = {name: [] for name in COMMANDS}
    for _ in range(n):
        for name, argv in COMMANDS.items():
            runs[name].append(run_once(argv, env))
    return {
        name: {
            "wall_s": round(statistics.median(r.wall_s for r in measured), 3),
            "cpu_s": round(statistics.median(r.cpu_s for r in measured), 3),
            "peak_mib": round(statistics.median(r.peak_mib for r in measured), 1),
        }
        for name, measured in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=7, help="runs per command (median)")
    n = parser.parse_args().n
    if not CHEMASSIST.exists():
        raise SystemExit(f"{CHEMASSIST} not found: install the project first (pip install -e .)")
    env = {**os.environ, "CHEMASSIST_DATA_DIR": tempfile.mkdtemp(prefix="cli-startup-")}
    env.pop("CHEMASSIST_LLM_BASE_URL", None)
    load_before = os.getloadavg()  # other jobs on a shared machine stretch wall time; CPU time hardly moves
    figures = measure(n, env)
    baseline = figures["baseline: python -c 'import rdkit.Chem'"]
    rows = []
    for name, figure in figures.items():
        rows.append(
            {
                "command": name,
                **figure,
                "wall_ratio_to_rdkit_import": round(figure["wall_s"] / baseline["wall_s"], 2),
                "cpu_ratio_to_rdkit_import": round(figure["cpu_s"] / baseline["cpu_s"], 2),
                "target_wall_s": TARGETS_S.get(name),
                "met": figure["wall_s"] <= TARGETS_S[name] if name in TARGETS_S else None,
            }
        )
    load_after = os.getloadavg()
    result = {
        "date": str(date.today()),
        "machine": f"{os.cpu_count()}-core {platform.machine()} CPU",
        "load_average_1_5_15": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
        },
        "runs_per_command": n,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cli_startup.json").write_text(json.dumps(result, indent=2) + "\n")
    for row in rows:
        verdict = (
            "" if row["met"] is None else f"  target <= {row['target_wall_s']} s: {'met' if row['met'] else 'NOT met'}"
        )
        print(
            f"{row['command']:<48} wall {row['wall_s']:6.3f} s ({row['wall_ratio_to_rdkit_import']:5.2f}x)  "
            f"cpu {row['cpu_s']:6.3f} s ({row['cpu_ratio_to_rdkit_import']:5.2f}x)  peak {row['peak_mib']:6.1f} MiB"
            f"{verdict}"
        )


if __name__ == "__main__":
    main()
