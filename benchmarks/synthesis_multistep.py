"""Multi-step route search: fraction of held-out USPTO-50k test products solved to the shipped stock within a
time limit, and time to the first route, for best-first search vs a plain breadth-first search (same model,
same stock, same limits). Targets are split over two worker processes (one per core).

    .venv/bin/python benchmarks/synthesis_multistep.py [--n 20] [--time-limit 5] [--model similarity]

The issue's full figure is --n 100 --time-limit 60 (about an hour on two cores).
"""

from __future__ import annotations

import argparse
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
from synthesis_common import TEST_CSV, write

_planner = None


def _init(model: str, cache_dir: str) -> None:
    global _planner
    from tools.synthesis import Planner

    _planner = Planner.default(cache_dir=Path(cache_dir), model=model)


def _run(job: tuple[str, str, float]) -> dict:
    from tools.synthesis import SearchLimits

    smiles, algorithm, limit = job
    r = _planner.search(smiles, SearchLimits(time_limit_s=limit, max_routes=1), algorithm=algorithm)
    return {"target": smiles, "algorithm": algorithm, "solved": r.solved, "first_route_s": r.first_route_s,
            "elapsed_s": r.elapsed_s, "steps": r.routes[0].n_steps if r.solved and r.routes else None}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--model", default="similarity")
    ap.add_argument("--cache-dir", default="var/synthesis")
    args = ap.parse_args()
    from tools.synthesis import Stock

    stock = Stock.default()
    test = pd.read_csv(TEST_CSV).sample(frac=1, random_state=0)
    targets = [p for p in test["product"] if not stock.in_stock(p)][: args.n]
    jobs = [(t, a, args.time_limit) for a in ("best-first", "breadth-first") for t in targets]
    with ProcessPoolExecutor(2, initializer=_init, initargs=(args.model, args.cache_dir)) as pool:
        results = list(pool.map(_run, jobs))
    summary = {}
    for algorithm in ("best-first", "breadth-first"):
        rs = [r for r in results if r["algorithm"] == algorithm]
        firsts = [r["first_route_s"] for r in rs if r["solved"]]
        summary[algorithm] = {
            "solved_pct": round(100 * sum(r["solved"] for r in rs) / len(rs), 1),
            "median_first_route_s": round(statistics.median(firsts), 2) if firsts else None,
            "mean_elapsed_s": round(statistics.mean(r["elapsed_s"] for r in rs), 2),
            "max_elapsed_s": round(max(r["elapsed_s"] for r in rs), 2),
        }
        print(algorithm, summary[algorithm])
    bf, bfs = summary["best-first"], summary["breadth-first"]

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}" if a and b else "n/a"

    write(
        "multistep",
        {"n": len(targets), "time_limit_s": args.time_limit, "model": args.model, "summary": summary,
         "results": results},
        [
            (f"solved within {args.time_limit:g} s (%), {len(targets)} test products", str(bf["solved_pct"]),
             f"{bfs['solved_pct']} (breadth-first)", ratio(bf["solved_pct"], bfs["solved_pct"])),
            ("median time to first route (s)", str(bf["median_first_route_s"]),
             f"{bfs['median_first_route_s']} (breadth-first)",
             ratio(bf["median_first_route_s"], bfs["median_first_route_s"])),
            ("longest search (s), limit honoured", str(bf["max_elapsed_s"]), str(bfs["max_elapsed_s"]), ""),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
