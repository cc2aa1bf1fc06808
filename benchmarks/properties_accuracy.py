"""Test RMSE of the shipped property models vs published baselines and vs predicting the training mean.

Re-runs each shipped model on its own seed-0 test split (and the train-mean baseline on the same split),
quotes the 3-seed random and scaffold figures from the model cards, and puts the published random-split
numbers (data README: MoleculeNet, Chemprop) beside them.

    .venv/bin/python benchmarks/properties_accuracy.py
"""

from __future__ import annotations

import datetime
import json

import numpy as np
from properties_report import MACHINE, RESULTS, write_markdown

from tools.properties import cards, datasets, splits
from tools.properties.featurize import featurize
from tools.properties.predict import load_model


def evaluate(name: str) -> dict:
    spec = datasets.resolve(name)
    card = cards.load_card(spec.name)
    model = load_model(spec.name)
    df = datasets.load(spec.name)
    y = df["value"].to_numpy(float)
    train, _, test = splits.random_split(len(df), seed=0)
    mode = card["model"]["polymer_mode"] or "cap_h"
    feats = featurize(df["smiles"].iloc[test], mode)
    pred = model.regressor.predict(feats.X, feats.bits)
    rmse = float(np.sqrt(np.mean((pred - y[test]) ** 2)))
    mean_rmse = float(np.sqrt(np.mean((y[test] - y[train].mean()) ** 2)))
    ours = card["random_split"]["rmse"]
    baselines = [{"method": "predict the training mean (seed-0 split, this run)", "rmse": mean_rmse}]
    baselines += [{"method": b["method"], "rmse": b["random_split_test_rmse"]} for b in card["published_baselines"]]
    baselines += [{"method": r["method"], "rmse": r["rmse"]} for r in card["reference_points"]]
    for b in baselines:
        b["ratio"] = (rmse if b["method"].startswith("predict the training mean") else ours) / b["rmse"]
    row = {
        "property": spec.name,
        "unit": spec.unit,
        "model": card["model"]["name"],
        "rmse_random_3seed": ours,
        "rmse_random_sd": card["random_split"]["rmse_sd"],
        "rmse_scaffold": card["scaffold_split"]["rmse"],
        "rmse_shipped_rerun": rmse,
        "rmse_shipped_card": card["shipped_split"]["rmse"],
        "coverage_random": card["random_split"]["coverage_90_pooled"],
        "coverage_scaffold": card["scaffold_split"]["coverage_90_pooled"],
        "baselines": baselines,
    }
    print(
        f"{spec.name:14s} random {ours:.3f} scaffold {row['rmse_scaffold']:.3f} shipped re-run {rmse:.3f} "
        f"(card {row['rmse_shipped_card']:.3f}) train-mean {mean_rmse:.3f} "
        + " ".join(f"| {b['method']}: {b['rmse']} (x{b['ratio']:.2f})" for b in baselines[1:])
    )
    return row


def main() -> None:
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": MACHINE,
        "rows": [evaluate(name) for name in datasets.SPECS],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "properties_accuracy.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {write_markdown()}")


if __name__ == "__main__":
    main()
