"""Compare candidate property models on the same random splits (seeds 0-2); baseline: predict the train mean.

Writes benchmarks/results/properties_model_selection.json and tools/properties/models/model_selection.json
(read by `chemassist models train-properties` into each model card). Takes a few minutes on 2 cores.

    .venv/bin/python benchmarks/properties_model_selection.py [property ...]
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import numpy as np

from tools.properties import cards, datasets, splits
from tools.properties.selection import compare

ROOT = Path(__file__).resolve().parent


def train_mean_baseline(name: str) -> dict:
    y = datasets.load(name)["value"].to_numpy(float)
    rmses = []
    for seed in (0, 1, 2):
        train, _, test = splits.random_split(len(y), seed)
        rmses.append(float(np.sqrt(np.mean((y[test] - y[train].mean()) ** 2))))
    return {
        "kind": "train_mean",
        "polymer_mode": None,
        "rmse_mean": float(np.mean(rmses)),
        "rmse_sd": float(np.std(rmses)),
        "rmse_per_seed": rmses,
        "fit_seconds": 0.0,
        "artifact_kb": 0.0,
    }


def main(names: list[str]) -> None:
    existing = json.loads(cards.SELECTION_FILE.read_text()) if cards.SELECTION_FILE.exists() else {"results": {}}
    for name in names or list(datasets.SPECS):
        existing["results"][name] = [train_mean_baseline(name), *compare(name)]
    existing["date"] = datetime.date.today().isoformat()
    existing["machine"] = "2-core x86_64 CPU, 24 GiB"
    existing["protocol"] = "80/10/10 random splits, seeds 0,1,2; test RMSE mean ± sd; fit on the 80% part"
    text = json.dumps(existing, indent=1) + "\n"
    cards.SELECTION_FILE.write_text(text)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "properties_model_selection.json").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1:])
