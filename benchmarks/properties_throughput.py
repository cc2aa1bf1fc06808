"""Prediction throughput for 10k molecules: `predict()` vs raw featurize + model predict vs featurize alone.

The baseline is what any script would do without our API (RDKit featurization + LightGBM predict);
the API adds 90% intervals, the nearest-neighbour domain check and per-item error handling on top.

    .venv/bin/python benchmarks/properties_throughput.py [n_molecules]
"""

from __future__ import annotations

import datetime
import json
import sys
import time

from properties_report import MACHINE, RESULTS, write_markdown

from tools.properties import datasets
from tools.properties.featurize import featurize
from tools.properties.predict import load_model, predict

PROPERTY = "esol"


def molecules(n: int) -> list[str]:
    pool = [s for name in ("lipophilicity", "esol", "freesolv") for s in datasets.load(name)["smiles"]]
    return [pool[i % len(pool)] for i in range(n)]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(n: int) -> None:
    smiles = molecules(n)
    model = load_model(PROPERTY)
    predict(smiles[:10], [PROPERTY])  # warm caches (model load)
    t_feat = timed(lambda: featurize(smiles))
    t_raw = timed(lambda: model.regressor.predict(*(lambda f: (f.X, f.bits))(featurize(smiles))))
    t_api = timed(lambda: predict(smiles, [PROPERTY]))
    rows = [
        {"pipeline": "featurize only (Morgan counts + RDKit descriptors)", "seconds": t_feat},
        {"pipeline": "baseline: featurize + LightGBM predict", "seconds": t_raw},
        {"pipeline": "tools.properties.predict (+ intervals, domain, neighbours)", "seconds": t_api},
    ]
    for row in rows:
        row["per_second"] = n / row["seconds"]
        row["ratio"] = row["seconds"] / t_raw
        print(f"{row['pipeline']:62s} {row['seconds']:7.1f} s {row['per_second']:8.0f} mol/s")
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": MACHINE,
        "n_molecules": n,
        "property": PROPERTY,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "properties_throughput.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {write_markdown()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
