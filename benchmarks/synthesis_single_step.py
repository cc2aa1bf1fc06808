"""Single-step top-k exact-match accuracy on USPTO-50k (reaction class unknown) for the RetroSim-style similarity
model, the template classifier and their combination, beside the published figures, with 95% Wilson intervals.

    .venv/bin/python benchmarks/synthesis_single_step.py --split valid --n 2000 --weights 0.2,0.3,0.4,0.5
    .venv/bin/python benchmarks/synthesis_single_step.py --split test --n 0 --workers 2

Every choice (classifier configuration, how outcomes are scored, the combination weight) is made on the validation
split; the test split is run once with the chosen defaults. ``--n 0`` takes the whole split. The classifier is the
one trained into --cache-dir by `chemassist retro train`, else the shipped one. Each target is scored once by each
model; the combination rows reuse those scores with the weights given (the first is the one reported as
"combined"). Only ``--split test`` writes results/synthesis_single_step.json and the table in synthesis.md.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from synthesis_common import RESULTS, TEST_CSV, wilson, write

KS = (1, 3, 5, 10)
PUBLISHED = {
    "RetroSim": (37.3, 54.7, 63.3, 74.1),
    "NeuralSym": (44.4, 65.3, 72.4, 78.9),
    "GLN": (52.5, 69.0, 75.6, 83.7),
}
_models: tuple = ()


def _init(cache_dir: str) -> None:
    global _models
    from tools.synthesis.classifier import ClassifierModel
    from tools.synthesis.library import TemplateLibrary
    from tools.synthesis.single_step import SimilarityModel

    library = TemplateLibrary.load()
    similarity = SimilarityModel(library)
    similarity.warm_up()
    _models = (similarity, ClassifierModel.load(library, Path(cache_dir)))


def _score(job: tuple[str, str, tuple[float, ...]]) -> dict[str, int]:
    """Rank (0-based, 99 when absent from the top 10) of the recorded reactants for each model."""
    from tools.synthesis.molecules import canonical
    from tools.synthesis.single_step import combine

    product, reactants, weights = job
    similarity, classifier = _models
    truth = canonical(reactants)
    start = time.monotonic()
    sim = similarity.scored_outcomes(product)
    sim_s = time.monotonic() - start
    clf = classifier.scored_outcomes(product)
    clf_s = time.monotonic() - start - sim_s
    lists = {"similarity": sim, "classifier": clf} | {f"combined w={w:g}": combine(sim, clf, w) for w in weights}
    ranks = {}
    for name, scored in lists.items():
        top = [s for s, _ in sorted(scored.items(), key=lambda kv: -kv[1][0])[:10]]
        ranks[name] = top.index(truth) if truth in top else 99
    return ranks | {"similarity_s": sim_s, "classifier_s": clf_s}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=("valid", "test"), default="valid")
    ap.add_argument("--n", type=int, default=2000, help="reactions sampled (seed 0); 0 = the whole split")
    ap.add_argument("--cache-dir", default="var/synthesis")
    ap.add_argument("--weights", default="", help="combination weights to compare; default: the shipped one")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from tools.synthesis.classifier import classifier_path
    from tools.synthesis.single_step import COMBINED_WEIGHT

    weights = tuple(float(w) for w in args.weights.split(",")) if args.weights else (COMBINED_WEIGHT,)
    data = pd.read_csv(TEST_CSV.with_name(f"{args.split}.csv"))
    sample = data.sample(args.n, random_state=0) if args.n else data
    jobs = [(p, r, weights) for p, r in zip(sample["product"], sample.reactants, strict=True)]
    start = time.monotonic()
    with ProcessPoolExecutor(args.workers, initializer=_init, initargs=(args.cache_dir,)) as pool:
        results = list(pool.map(_score, jobs, chunksize=8))
    wall = time.monotonic() - start
    n = len(results)
    names = [k for k in results[0] if not k.endswith("_s")]
    accuracy, ci = {}, {}
    for name in names:
        ranks = np.array([r[name] for r in results])
        cells = {f"top{k}": wilson(int((ranks < k).sum()), n) for k in KS}
        accuracy[name] = {key: c[0] for key, c in cells.items()}
        ci[name] = {key: [c[1], c[2]] for key, c in cells.items()}
        print(
            f"{name:>20}", "  ".join(f"top-{key[3:]} {c[0]:5.1f} [{c[1]:.1f}, {c[2]:.1f}]" for key, c in cells.items())
        )
    seconds = {m: round(float(np.mean([r[f"{m}_s"] for r in results])), 3) for m in ("similarity", "classifier")}
    print(f"{n} {args.split} reactions, {wall:.0f} s wall on {args.workers} workers, {seconds} s/target")
    if args.split != "test":
        return
    model = classifier_path(Path(args.cache_dir))
    meta = json.loads(model.with_suffix(".json").read_text()) if model and model.with_suffix(".json").exists() else {}
    coverage_file = RESULTS / "synthesis_coverage.json"
    coverage = json.loads(coverage_file.read_text()) if coverage_file.exists() else {}
    chosen = f"combined w={weights[0]:g}"
    rows = []
    for name, label, base in (("similarity", "similarity", "RetroSim"),
                              ("classifier", "classifier (the planner's model)", "NeuralSym"),
                              (chosen, chosen, "NeuralSym")):  # fmt: skip
        for i, k in enumerate(KS):
            ours, (low, high), pub = accuracy[name][f"top{k}"], ci[name][f"top{k}"], PUBLISHED[base][i]
            cell = f"{ours} (95% CI {low}-{high})"
            rows.append((f"{label} top-{k} (%)", cell, f"{pub} ({base}, published)", f"{ours / pub:.2f}"))
    rows.append(("test reactions", f"{n} of {len(data)}", "5,005 (published figures: the full test set)", ""))
    if meta:
        train_s = meta.get("seconds", 0)
        rows.append(("classifier training time (s, CPU)", str(train_s), "1800 (budget)", f"{train_s / 1800:.2f}"))
    if coverage:
        rows.append(("template coverage ceiling (%): own template in library / reachable by some template",
                     f"{coverage['own_template_in_library_pct']} / {coverage['reachable_pct']}", "", ""))  # fmt: skip
    write(
        "single_step",
        {"split": args.split, "n": n, "seed": 0, "weight": weights[0], "accuracy": accuracy, "ci95": ci,
         "seconds_per_target": seconds, "wall_s": round(wall), "workers": args.workers, "classifier": meta,
         "coverage": coverage, "published": PUBLISHED},
        rows,
        _validation_notes(),
    )  # fmt: skip


def _validation_notes() -> str:
    """The choices measured on the validation split (results/synthesis_single_step_validation.json) as Markdown."""
    path = RESULTS / "synthesis_single_step_validation.json"
    if not path.exists():
        return ""
    data = json.loads(path.read_text())
    lines = [f"Choices made on the validation split ({data['n']} reactions, seed {data['seed']}), top-1/3/5/10 %. "
             f"{data['how']}", ""]  # fmt: skip
    for group in ("scoring", "architecture", "combination"):
        lines += [f"*{group}* ({data[group]['note']}):", ""]
        lines += [f"- {k}: {' / '.join(map(str, v))}" for k, v in data[group].items() if k != "note"]
        lines.append("")
    times = data["training_seconds"]
    lines.append("Training time (s): " + ", ".join(f"{k} {v}" for k, v in times.items() if k != "conditions"))
    lines.append(f"({times['conditions']}).")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
