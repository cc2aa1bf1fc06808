"""Issue 19: drugs that are themselves in the stock. Share of 20 in-stock drug targets that now get a route from
other building blocks, and the time that costs per target, against the old answer (stop at stock: no route) run
on the same targets with the same planner in the same process.

    .venv/bin/python benchmarks/synthesis_in_stock.py [--n 20] [--time-limit 20]

Targets: the issue's paracetamol, aspirin and benzocaine, then in-stock drugs of tools/chem/data/name_table.csv
with at least 8 heavy atoms, shuffled with seed 0, until there are ``n``. Each search stops at 5 routes or the
time limit (the Synthesis page's defaults are 5 routes and 30 s).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd
from rdkit import Chem
from synthesis_common import wilson, write

from tools.synthesis import Planner, SearchLimits
from tools.synthesis.molecules import inchikey

NAME_TABLE = Path(__file__).resolve().parents[1] / "tools" / "chem" / "data" / "name_table.csv"
ISSUE_TARGETS = ["paracetamol", "acetylsalicylic acid", "benzocaine"]


def targets(planner: Planner, n: int) -> list[tuple[str, str]]:
    table = pd.read_csv(NAME_TABLE, keep_default_na=False)
    drugs = table[table.kind == "drug"]
    smiles = dict(zip(drugs.name, drugs.smiles, strict=True))
    chosen = [(name, smiles[name]) for name in ISSUE_TARGETS]
    pool = drugs.sample(frac=1, random_state=0)
    for name, smi in zip(pool.name, pool.smiles, strict=True):
        mol = Chem.MolFromSmiles(smi)
        if len(chosen) >= n or mol is None or mol.GetNumHeavyAtoms() < 8 or name in ISSUE_TARGETS:
            continue
        if planner.stock.in_stock(smi):
            chosen.append((name, smi))
    return chosen[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=20.0)
    args = ap.parse_args()
    planner = Planner.default()
    limits = SearchLimits(time_limit_s=args.time_limit, max_routes=5)
    rows = []
    for name, smi in targets(planner, args.n):
        t = time.perf_counter()
        old = planner.search(smi, limits, stop_at_stock=True)
        old_s = time.perf_counter() - t
        t = time.perf_counter()
        new = planner.search(smi, limits)
        new_s = time.perf_counter() - t
        key = inchikey(new.target)
        best = new.routes[0] if new.solved else None
        rows.append(
            {
                "name": name, "smiles": new.target, "old_routes": len(old.routes), "old_s": round(old_s, 4),
                "solved": new.solved, "routes": sum(r.solved for r in new.routes), "new_s": round(new_s, 3),
                "first_route_s": round(new.first_route_s, 3) if new.first_route_s is not None else None,
                "target_as_leaf": any(key in {inchikey(x) for x in r.leaves} for r in new.routes),
                "best_steps": best.n_steps if best else None,
                "best_leaves": sorted(best.leaves) if best else None,
                "best_classes": [s.reaction_class_name for s in best.steps] if best else None,
                "best_class_sources": [s.reaction_class_source for s in best.steps] if best else None,
            }
        )  # fmt: skip
        print(f"{name:28s} solved={new.solved} routes={rows[-1]['routes']} {new_s:.2f} s (old {old_s * 1000:.1f} ms)")
    report({"n": len(rows), "time_limit_s": args.time_limit, "model": planner.model.name, "results": rows})


def report(data: dict) -> None:
    rs, n = data["results"], data["n"]
    solved = sum(r["solved"] for r in rs)
    pct, lo, hi = wilson(solved, n)
    new_med = statistics.median(r["new_s"] for r in rs)
    old_med = statistics.median(r["old_s"] for r in rs)
    firsts = [r["first_route_s"] for r in rs if r["first_route_s"] is not None]
    sources = [c for r in rs if r["best_class_sources"] for c in r["best_class_sources"]]
    named = sum(c is not None for c in sources)
    recorded = sum(c == "recorded" for c in sources)
    write(
        "in_stock",
        data,
        [
            (f"in-stock drug targets with a route from other building blocks (%), {n} targets",
             f"{pct} (95% CI {lo}-{hi}; {solved} of {n})", "0 (stop at stock: no route)", ""),
            ("median time per target (s)", f"{new_med:.2f}", f"{old_med * 1000:.1f} ms (stop at stock)",
             f"{new_med / old_med:.0f}x slower"),
            ("median time to the first route (s)", f"{statistics.median(firsts):.2f}" if firsts else "n/a", "", ""),
            ("routes with the target as its own starting material", str(sum(r["target_as_leaf"] for r in rs)), "", ""),
            (f"steps of the best routes with a named reaction class (%), {len(sources)} steps",
             f"{100 * named / max(len(sources), 1):.0f} (recorded or predicted)",
             f"{100 * recorded / max(len(sources), 1):.0f} (recorded by USPTO-50k only)", ""),
        ],
        f"Targets: paracetamol, aspirin and benzocaine, then in-stock drugs (>= 8 heavy atoms) of the name table, "
        f"seed 0. Each search: best-first, {data['model']} model, {data['time_limit_s']:g} s limit, 5 routes; "
        "one process on a machine shared with other jobs. The baseline is the old answer on the same targets "
        "(the planner's stop_at_stock option), so the ratio is the price of getting a route at all.",
    )  # fmt: skip


if __name__ == "__main__":
    main()
