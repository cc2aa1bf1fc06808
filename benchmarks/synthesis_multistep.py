"""Multi-step route search: fraction of held-out USPTO-50k test products solved to the shipped stock within a
time limit, and time to the first route, for best-first search vs a plain breadth-first search (same model,
same stock, same limits). Targets are split over two worker processes (one per core); each search stops at its
first solved route, which is all the two figures need. Both algorithms get the same treatment: the jobs are
interleaved (target 1 best-first, target 1 breadth-first, target 2 ...) so that both meet the same machine load.

    .venv/bin/python benchmarks/synthesis_multistep.py [--n 100] [--time-limit 60] [--model auto]

The issue's figure is the default: 100 test products whose product is not itself in stock, 60 s each (up to
about 100 minutes on two cores when nothing is solved; far less in practice).
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
from synthesis_common import TEST_CSV, wilson, write

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


def _model_name() -> str:
    return _planner.model.name


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--model", default="auto")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache-dir", default="var/synthesis")
    args = ap.parse_args()
    from tools.synthesis import Stock

    stock = Stock.default()
    test = pd.read_csv(TEST_CSV).sample(frac=1, random_state=0)
    targets = [p for p in test["product"] if not stock.in_stock(p)][: args.n]
    jobs = [(t, a, args.time_limit) for t in targets for a in ("best-first", "breadth-first")]
    start = time.monotonic()
    with ProcessPoolExecutor(args.workers, initializer=_init, initargs=(args.model, args.cache_dir)) as pool:
        model = pool.submit(_model_name).result()
        results = list(pool.map(_run, jobs))
    wall = time.monotonic() - start
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
    report(
        {"n": len(targets), "time_limit_s": args.time_limit, "model": model, "workers": args.workers,
         "conditions": f"{args.workers} worker processes, one search each at a time, each search stopped at its "
                       "first solved route (max_routes=1), jobs interleaved best-first/breadth-first, both under "
                       "nice 10 on a machine shared with other jobs", "wall_s": round(wall), "summary": summary,
         "results": results}
    )  # fmt: skip


def report(data: dict) -> None:
    """Write the JSON and the Markdown section from a run's data (also usable on a saved synthesis_multistep.json)."""
    bf, bfs = data["summary"]["best-first"], data["summary"]["breadth-first"]
    n, limit = data["n"], data["time_limit_s"]
    solved = {a: sum(r["solved"] for r in data["results"] if r["algorithm"] == a) for a in data["summary"]}
    ci = {a: wilson(k, n) for a, k in solved.items()}

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}" if a and b else "n/a"

    def cell(a: str) -> str:
        return f"{ci[a][0]} (95% CI {ci[a][1]}-{ci[a][2]})"

    keep = {k: v for k, v in data.items() if k not in ("date", "machine", "python")}
    write(
        "multistep",
        keep,
        [
            (f"solved within {limit:g} s (%), {n} test products, {data['model']} model", cell("best-first"),
             f"{cell('breadth-first')} (breadth-first)", ratio(bf["solved_pct"], bfs["solved_pct"])),
            ("median time to first route (s)", str(bf["median_first_route_s"]),
             f"{bfs['median_first_route_s']} (breadth-first)",
             ratio(bf["median_first_route_s"], bfs["median_first_route_s"])),
            ("longest search (s), limit honoured", str(bf["max_elapsed_s"]), str(bfs["max_elapsed_s"]), ""),
        ],
        f"Conditions: {data['conditions']}; {data.get('wall_s', '?')} s wall in all. Targets: the first {n} test "
        "products (shuffled with seed 0) that are not themselves in the stock; the stock is the shipped USPTO-50k "
        "stand-in (every reactant of the training and validation reactions).",
    )  # fmt: skip


if __name__ == "__main__":
    main()
