"""Compare candidate regressors (and polymer `*` treatments) on the same splits; see train.CHOSEN."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from tools.properties import datasets, regressors, splits
from tools.properties.train import SEEDS, prepare_data


def compare(
    name: str, kinds: tuple[str, ...] = regressors.KINDS, polymer_modes: tuple[str, ...] | None = None
) -> list[dict]:
    """Test RMSE (mean ± sd, seeds 0-2, 80/10/10 random splits), fit time and artifact size per candidate."""
    spec = datasets.resolve(name)
    modes = polymer_modes or (("cap_h", "dummy", "trimer") if spec.kind == "polymer" else ("cap_h",))
    rows = []
    for mode in modes:
        prep = prepare_data(spec.name, mode)
        for kind in kinds:
            rmses, fit_s, size_kb = [], [], 0.0
            for seed in SEEDS:
                train, _, test = splits.random_split(len(prep.y), seed)
                start = time.perf_counter()
                model = regressors.make(kind, seed=seed).fit(prep.X[train], prep.bits[train], prep.y[train])
                fit_s.append(time.perf_counter() - start)
                pred = model.predict(prep.X[test], prep.bits[test])
                rmses.append(float(np.sqrt(np.mean((pred - prep.y[test]) ** 2))))
                if seed == SEEDS[0]:
                    with tempfile.TemporaryDirectory() as tmp:
                        size_kb = sum(p.stat().st_size for p in model.save(Path(tmp))) / 1024
            rows.append(
                {
                    "kind": kind,
                    "polymer_mode": mode if spec.kind == "polymer" else None,
                    "rmse_mean": float(np.mean(rmses)),
                    "rmse_sd": float(np.std(rmses)),
                    "rmse_per_seed": rmses,
                    "fit_seconds": float(np.mean(fit_s)),
                    "artifact_kb": size_kb,
                }
            )
            print(
                f"{spec.name:14s} {mode:7s} {kind:13s} RMSE {np.mean(rmses):.3f} ± {np.std(rmses):.3f} "
                f"fit {np.mean(fit_s):.1f}s size {size_kb:.0f} kB",
                flush=True,
            )
    return rows
