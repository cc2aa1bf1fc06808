"""Side-by-side route search (issue 19): chemassist's best-first search, AiZynthFinder MCTS, syntheseus Retro* and
syntheseus MCTS on the same single-step model (the shipped classifier), the same stock (the shipped USPTO-50k
stand-in, target excluded), the same expansion top-k, depth and time limit, on held-out test products not in stock.

    .venv/bin/python benchmarks/synthesis_peers.py [--n 30] [--time-limit 30] [--workers 2]
    .venv/bin/python benchmarks/synthesis_peers.py --report-only   # re-render results/synthesis_peers.json

Each search runs for the whole time limit (or until it has ``--routes`` distinct solved routes, or nothing is left
to expand) and records when its first route came: solved within 10 s is "first route within 10 s" of the same
run, which is what a 10 s run would have found (none of the four changes its course with the limit). Jobs are
interleaved per target, the searchers' order rotated from target to target, over two worker processes, so that all
four meet the same machine load. The peers need ``make peers`` (see the Makefile).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from synthesis_common import RESULTS, TEST_CSV, wilson, write

if TYPE_CHECKING:
    from tools.synthesis import Planner

SEARCHERS = ("chemassist best-first", "AiZynthFinder MCTS", "syntheseus Retro*", "syntheseus MCTS")
BASELINE = "chemassist best-first"
_planner: Planner | None = None


def _init(cache_dir: str) -> None:
    global _planner
    from tools.synthesis import Planner

    _planner = Planner.default(cache_dir=Path(cache_dir))
    _planner.model.propose("CC(=O)Nc1ccc(O)cc1", 10)  # load the network and warm the caches before any clock runs


def _loaded() -> Planner:
    assert _planner is not None, "the worker's initializer loads the planner"
    return _planner


def _run(job: tuple[str, str, float, int]) -> dict:
    from tools.synthesis import SearchLimits
    from tools.synthesis.peers import chemassist_search

    planner = _loaded()

    target, searcher, limit, routes = job
    limits = SearchLimits(time_limit_s=limit, max_routes=routes, max_iterations=1_000_000)
    if searcher == "AiZynthFinder MCTS":
        from tools.synthesis.peers.aizynth import aizynth_search

        result = aizynth_search(target, planner.model, planner.stock, limits)
    elif searcher.startswith("syntheseus"):
        from tools.synthesis.peers.syntheseus_search import syntheseus_search

        algorithm = "retro*" if searcher.endswith("Retro*") else "mcts"
        result = syntheseus_search(target, planner.model, planner.stock, limits, algorithm)
    else:
        result = chemassist_search(target, planner.model, planner.stock, limits)
    return result.to_dict()


def _model_name() -> str:
    return _loaded().model.name


def bootstrap(values: list[float], stat: str = "median", n: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """``stat`` ("median" or "mean") of ``values`` with a 95% percentile bootstrap interval, rounded to 0.01."""
    a = np.asarray(values, dtype=float)
    f = np.median if stat == "median" else np.mean
    rng = np.random.default_rng(seed)
    boots = f(rng.choice(a, size=(n, len(a)), replace=True), axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return round(float(f(a)), 2), round(float(lo), 2), round(float(hi), 2)


def summarise(results: list[dict], n: int, limit: float) -> dict:
    out = {}
    for s in SEARCHERS:
        rs = [r for r in results if r["searcher"] == s]
        if not rs:
            continue
        firsts = [r["first_route_s"] for r in rs if r["solved"]]
        steps = [r["steps"] for r in rs if r["steps"]]
        out[s] = {
            "solved_10s": wilson(sum(f <= 10 for f in firsts), n),
            **({"solved_30s": wilson(sum(f <= 30 for f in firsts), n)} if limit > 30 else {}),
            f"solved_{limit:g}s": wilson(sum(f <= limit for f in firsts), n),
            "median_first_route_s": bootstrap(firsts) if firsts else None,
            "routes_per_target": bootstrap([r["n_routes"] for r in rs], "mean"),
            "steps_top_route": bootstrap(steps, "mean") if steps else None,
            "max_elapsed_s": round(max(r["elapsed_s"] for r in rs), 1),
        }
    return out


def paired(results: list[dict]) -> dict:
    """Per peer, on the targets both it and chemassist solved: how often chemassist's first route came first, and
    the median of the per-target ratio chemassist / peer of time to first route (bootstrap 95% interval). Medians
    over each searcher's own solved targets compare different target sets; this compares like with like."""
    first: dict[str, dict[str, float]] = {}
    for r in results:
        if r["solved"]:
            first.setdefault(r["searcher"], {})[r["target"]] = r["first_route_s"]
    ours = first.get(BASELINE, {})
    out = {}
    for peer in SEARCHERS[1:]:
        both = [t for t in ours if t in first.get(peer, {})]
        if both:
            ratios = [max(ours[t], 1e-3) / max(first[peer][t], 1e-3) for t in both]
            out[peer] = {
                "targets": len(both),
                "ours_first": sum(ours[t] < first[peer][t] for t in both),
                "median_ratio": bootstrap(ratios),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--routes", type=int, default=10, help="distinct routes counted per target, at most")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache-dir", default="var/synthesis")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument(
        "--tag",
        default="peers",
        help="results name: results/synthesis_<tag>.json and its section of results/synthesis.md (keeps earlier runs)",
    )
    ap.add_argument(
        "--machine-note",
        default="under nice 10 on a machine shared with other jobs",
        help="how loaded the machine was, for the report",
    )
    ap.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="JSON-lines file of finished searches: appended as they finish, skipped when the run is started again "
        "(a long run can span several sittings)",
    )
    args = ap.parse_args()
    if args.report_only:
        report(json.loads((RESULTS / f"synthesis_{args.tag}.json").read_text()), args.tag)
        return
    from tools.synthesis import Stock

    stock = Stock.default()
    test = pd.read_csv(TEST_CSV).sample(frac=1, random_state=0)
    targets = [p for p in test["product"] if not stock.in_stock(p)][: args.n]
    jobs = []
    for i, t in enumerate(targets):
        order = SEARCHERS[i % 4 :] + SEARCHERS[: i % 4]
        jobs += [(t, s, args.time_limit, args.routes) for s in order]
    results: list[dict] = []
    earlier_wall = 0.0
    if args.checkpoint and args.checkpoint.exists():
        lines = [json.loads(line) for line in args.checkpoint.read_text().splitlines() if line.strip()]
        earlier_wall = sum(line.get("wall_s", 0.0) for line in lines if "wall_s" in line and "target" not in line)
        results = [r for r in lines if r.get("target") in targets and r.get("time_limit_s") == args.time_limit]
        done = {(r["target"], r["searcher"]) for r in results}
        jobs = [j for j in jobs if (j[0], j[1]) not in done]
        print(f"resuming: {len(results)} searches already done, {len(jobs)} to go", flush=True)
    start = last = time.monotonic()
    with ProcessPoolExecutor(args.workers, initializer=_init, initargs=(args.cache_dir,)) as pool:
        model = pool.submit(_model_name).result()
        for r in pool.map(_run, jobs):
            r["time_limit_s"] = args.time_limit
            results.append(r)
            print(json.dumps(r), flush=True)
            if args.checkpoint:
                with args.checkpoint.open("a") as f:
                    f.write(json.dumps(r) + "\n")
                    f.write(json.dumps({"wall_s": round(time.monotonic() - last, 1)}) + "\n")  # this sitting's share
                last = time.monotonic()
    data = {
        "n": len(targets),
        "time_limit_s": args.time_limit,
        "routes_cap": args.routes,
        "model": model,
        "workers": args.workers,
        "wall_s": round(earlier_wall + time.monotonic() - start),
        "conditions": f"{args.workers} worker processes, one search each at a time, jobs interleaved per target "
        f"with the searchers' order rotated, {args.machine_note}; expansion top-k 10, "
        "max depth 6, the same stock (target excluded) for all four",
        "load_avg_1min_at_end": round(os.getloadavg()[0], 2),
        "results": results,
    }
    report(data, args.tag)


def report(data: dict, tag: str = "peers") -> None:
    """Write the JSON and the Markdown section from a run's data (the summary is recomputed from its results)."""
    n, limit = data["n"], data["time_limit_s"]
    summary = data["summary"] = summarise(data["results"], n, limit)
    pairs = data["paired"] = paired(data["results"])
    base = summary[BASELINE]

    def ci(v: list | None, unit: str = "") -> str:
        return f"{v[0]}{unit} ({v[1]}-{v[2]})" if v else "n/a"

    def ratio(a: list | None, b: list | None) -> str:
        return f"{a[0] / b[0]:.2f}" if a and b and b[0] else "n/a"

    figures = [
        ("solved_10s", "solved within 10 s (%)", "%"),
        *([("solved_30s", "solved within 30 s (%)", "%")] if limit > 30 else []),
        (f"solved_{limit:g}s", f"solved within {limit:g} s (%)", "%"),
        ("median_first_route_s", "median time to first route, solved targets (s)", " s"),
        ("routes_per_target", f"distinct solved routes per target (mean, cap {data['routes_cap']})", ""),
        ("steps_top_route", "steps in the top route, solved targets (mean)", ""),
    ]
    rows = []
    for key, label, unit in figures:
        for peer in SEARCHERS[1:]:
            if peer in summary:
                other = summary[peer][key]
                rows.append((f"{label}: {peer}", ci(base[key], unit), ci(other, unit), ratio(base[key], other)))
    for peer, p in pairs.items():
        rows.append(
            (
                f"time to first route, targets both solved: {peer}",
                f"first on {p['ours_first']} of {p['targets']}",
                f"first on {p['targets'] - p['ours_first']} of {p['targets']}",
                f"{ci(p['median_ratio'])} (median per-target ratio)",
            )
        )
    write(
        tag,
        data,
        rows,
        f"'ours' is chemassist best-first, 'baseline' the peer named in the row, both with 95% intervals (Wilson for "
        f"shares, percentile bootstrap of 2,000 resamples otherwise); ratio = ours / peer. N = {n} test products "
        f"(USPTO-50k test split shuffled with seed 0, the first {n} not in stock), {data['model']} model, one "
        f"{limit:g} s run per search. Conditions: {data['conditions']}; {data['wall_s']} s wall in all.",
    )
    for s, v in summary.items():
        print(s, v)


if __name__ == "__main__":
    main()
