"""Template coverage of the USPTO-50k test set: the ceiling of any model that ranks the shipped library's templates.

Two figures: the share of test reactions whose own template (extracted from the mapped reaction) is one of the
training templates (all 5,005, exact), and the share whose recorded reactants come out of applying every library
template to the product with rdchiral (a random sample, with a 95% Wilson interval; about 2 s per product).

    .venv/bin/python benchmarks/synthesis_coverage.py [--n 500]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from rdchiral.main import rdchiralReactants
from synthesis_common import TEST_CSV, wilson, write

from tools.synthesis.library import TemplateLibrary
from tools.synthesis.molecules import canonical


def reachable(library: TemplateLibrary, product: str, reactants: str) -> bool:
    """Whether any template of the library turns ``product`` into exactly ``reactants``."""
    prepared = rdchiralReactants(product)
    truth = canonical(reactants)
    return any(truth in library.apply(int(t), prepared) for t in library.templates.template_id)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    library = TemplateLibrary.load()
    test = pd.read_csv(TEST_CSV)
    own = float((test.template_id >= 0).mean())
    sample = test.sample(args.n, random_state=0)
    start = time.monotonic()
    hits = sum(reachable(library, p, r) for p, r in zip(sample["product"], sample.reactants, strict=True))
    share, low, high = wilson(hits, args.n)
    print(f"own template in library: {100 * own:.1f}% of {len(test)}; reachable: {share:.1f}% [{low:.1f}, {high:.1f}]")
    write(
        "coverage",
        {"n_test": len(test), "own_template_in_library_pct": round(100 * own, 1), "sample_n": args.n, "seed": 0,
         "reachable_pct": share, "reachable_ci95": [low, high], "seconds": round(time.monotonic() - start)},
        [
            (f"test reactions whose own template is in the library (%), all {len(test)}", f"{100 * own:.1f}",
             "", ""),
            (f"test reactions whose recorded reactants some template reaches (%), {args.n} sampled",
             f"{share:.1f} (95% CI {low:.1f}-{high:.1f})", "", ""),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
