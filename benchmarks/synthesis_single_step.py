"""Single-step top-k exact-match accuracy on a fixed USPTO-50k test sample (reaction class unknown), for the
RetroSim-style similarity model, the template classifier and their combination, beside the published figures.

    .venv/bin/python benchmarks/synthesis_single_step.py [--n 200] [--cache-dir var/synthesis]

The classifier rows need `chemassist retro train` first (cache dir); without it only the similarity model runs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from synthesis_common import TEST_CSV, write

from tools.synthesis.classifier import MODEL_FILE, ClassifierModel
from tools.synthesis.library import TemplateLibrary
from tools.synthesis.molecules import canonical
from tools.synthesis.single_step import SimilarityModel

KS = (1, 3, 5, 10)
PUBLISHED = {
    "RetroSim": (37.3, 54.7, 63.3, 74.1),
    "NeuralSym": (44.4, 65.3, 72.4, 78.9),
    "GLN": (52.5, 69.0, 75.6, 83.7),
}


def ranked(scores: dict[str, float]) -> list[str]:
    return [s for s, _ in sorted(scores.items(), key=lambda kv: -kv[1])[:10]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--cache-dir", type=Path, default=Path("var/synthesis"))
    args = ap.parse_args()
    library = TemplateLibrary.load()
    sim = SimilarityModel(library)
    clf = ClassifierModel.load(library, args.cache_dir) if (args.cache_dir / MODEL_FILE).exists() else None
    test = pd.read_csv(TEST_CSV).sample(args.n, random_state=0)
    names = ["similarity"] + (["classifier", "combined"] if clf else [])
    hits = {n: dict.fromkeys(KS, 0) for n in names}
    seconds = dict.fromkeys(names, 0.0)
    for product, reactants in zip(test["product"], test.reactants, strict=True):
        truth = canonical(reactants)
        t = time.monotonic()
        s = {k: v[0] for k, v in sim.scored_outcomes(product).items()}
        seconds["similarity"] += time.monotonic() - t
        lists = {"similarity": ranked(s)}
        if clf:
            t = time.monotonic()
            c = {k: v[0] for k, v in clf.scored_outcomes(product).items()}
            seconds["classifier"] += time.monotonic() - t
            lists["classifier"] = ranked(c)
            lists["combined"] = ranked({k: 0.5 * s.get(k, 0) + 0.5 * c.get(k, 0) for k in s.keys() | c.keys()})
            seconds["combined"] = seconds["similarity"] + seconds["classifier"]
        for name, top in lists.items():
            rank = top.index(truth) if truth in top else 99
            for k in KS:
                hits[name][k] += rank < k
    acc = {n: {f"top{k}": round(100 * hits[n][k] / args.n, 1) for k in KS} for n in names}
    per_target = {n: round(seconds[n] / args.n, 3) for n in names}
    for n in names:
        print(n, acc[n], f"{per_target[n]} s/target")
    rows = []
    for n in names:
        base = "RetroSim" if n == "similarity" else "NeuralSym"
        for i, k in enumerate(KS):
            ours, pub = acc[n][f"top{k}"], PUBLISHED[base][i]
            rows.append((f"{n} top-{k} (%)", f"{ours}", f"{pub} ({base}, published)", f"{ours / pub:.2f}"))
    rows.append(("test reactions sampled", str(args.n), "5,005 in the full test set", ""))
    write(
        "single_step",
        {"n": args.n, "seed": 0, "accuracy": acc, "seconds_per_target": per_target, "published": PUBLISHED},
        rows,
    )


if __name__ == "__main__":
    main()
