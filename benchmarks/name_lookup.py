"""Benchmark: name -> structure lookups in the chemassist name table vs the synonym table it replaced.

Baseline, re-created in the same run: the lookup as it was before issue 16 part 5 (FreeSolv/ESOL names, the
curated common names and the safety list in one dict, a name normalised then looked up). New: the same
``tools.chem.names.resolve_name`` chemists call (abbreviations, names, CAS numbers, salts), OPSIN off so both
sides measure the offline tables only. Each side resolves 1,000 names it knows (drawn evenly from its own
tables, so the new side mixes drugs, reagents, abbreviations and CAS numbers), best of --repeat runs; loading
(building the dicts once per process) is timed separately. Also reports the table's size and coverage.
Run: .venv/bin/python benchmarks/name_lookup.py [--n 1000] [--repeat 5]
Writes benchmarks/results/name_lookup.json and benchmarks/results/name_lookup.md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import platform
import random
import time
from collections import Counter
from pathlib import Path

from tools.chem import names

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = names.DATA_DIR
MACHINE = "2-core x86_64 CPU, 24 GiB"


def old_table() -> dict[str, tuple[str, str, str]]:
    """The synonym table before the name table: FreeSolv/ESOL, then curated common names, then the safety list."""
    table: dict[str, tuple[str, str, str]] = {}

    def add(name: str, smiles: str, source: str) -> None:
        table.setdefault(names.normalize_name(name), (name, smiles, source))

    with open(DATA / "name_to_smiles.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            add(row["name"], row["smiles"], row["source"])
    with open(DATA / "common_names.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            add(row["name"], row["smiles"], "common")
    with open(DATA / "safety_list.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
                add(alias, row["smiles"], "safety")
    return table


def old_resolve(table: dict[str, tuple[str, str, str]], name: str) -> tuple[str, str, str]:
    """The table part of resolve_name before the name table: normalise, check, one dict access."""
    key = names.normalize_name(name)
    if not key or len(key) > names.MAX_NAME_LENGTH:
        raise names.UnknownName(name)
    return table[key]


def best_rate(fn, queries: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for q in queries:
            fn(q)
        best = min(best, time.perf_counter() - start)
    return len(queries) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(16)

    start = time.perf_counter()
    old = old_table()
    old_load = time.perf_counter() - start
    start = time.perf_counter()
    table, exact, _, cas = names._name_table()
    names._lookup_table()
    new_load = time.perf_counter() - start

    old_queries = rng.sample([hit[0] for hit in old.values()], min(args.n, len(old)))
    pool = [hit.name for hit in table.values()] + list(exact) + list(cas)
    new_queries = rng.sample(pool, args.n)
    old_rate = best_rate(lambda q: old_resolve(old, q), old_queries, args.repeat)
    new_rate = best_rate(lambda q: names.resolve_name(q, use_opsin=False), new_queries, args.repeat)
    unknown_rate = best_rate(
        lambda q: _unknown(q), [q + "x" for q in rng.sample(pool, 50)], 1
    )  # the error path: suggestions by difflib over the names of about the same length

    with open(DATA / "name_table.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    kinds = Counter(row["kind"] for row in rows)
    results = {
        "date": dt.date.today().isoformat(),
        "machine": MACHINE,
        "python": platform.python_version(),
        "queries": args.n,
        "old": {"names": len(old), "load_s": round(old_load, 4), "lookups_per_s": round(old_rate)},
        "new": {
            "names": len(names._lookup_table()),
            "abbreviations": len(exact),
            "cas_numbers": len(cas),
            "rows": dict(kinds),
            "load_s": round(new_load, 4),
            "lookups_per_s": round(new_rate),
            "unknown_name_with_suggestions_per_s": round(unknown_rate, 1),
        },
        "lookup_speed_ratio_new_over_old": round(new_rate / old_rate, 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "name_lookup.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Name lookup: chemassist name table vs the synonym table it replaced",
        "",
        f"{results['date']}, {MACHINE}, Python {results['python']}; {args.n} known names per side, best of "
        f"{args.repeat}; OPSIN off on both sides.",
        "",
        "| | names | load (s) | lookups/s |",
        "|---|---:|---:|---:|",
        f"| before (FreeSolv/ESOL + common + safety) | {len(old)} | {old_load:.3f} | {old_rate:,.0f} |",
        f"| name table (+ the tables before) | {results['new']['names']} | {new_load:.3f} | {new_rate:,.0f} |",
        "",
        f"Ratio of lookups/s, new over old: {results['lookup_speed_ratio_new_over_old']}. An unknown name "
        f"(with up to three suggestions) takes {1 / unknown_rate * 1000:.0f} ms. Table rows: {dict(kinds)}; "
        f"{len(exact)} abbreviations, {len(cas)} CAS numbers.",
        "",
    ]
    (RESULTS / "name_lookup.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def _unknown(name: str) -> None:
    with contextlib.suppress(names.UnknownName):
        names.resolve_name(name, use_opsin=False)


if __name__ == "__main__":
    main()
