"""Train, calibrate and evaluate one model per property; write the artifacts and model cards (fixed seeds).

Protocol (the one MoleculeNet's random-split figures use): 80/10/10 random splits with seeds 0, 1, 2,
metrics averaged; the 10% "validation" part calibrates the conformal intervals and the domain threshold.
A DeepChem-style scaffold split is evaluated the same way. The shipped model is the seed-0 random-split
model, so its own test predictions are the ones stored in the card.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from pathlib import Path

import lightgbm
import numpy as np
import rdkit
import sklearn
from rdkit import Chem

from tools.properties import cards, conformal, datasets, domain, regressors, splits
from tools.properties.featurize import FP_RADIUS, FP_SIZE, featurize_mols, prepare

MODELS_DIR = Path(__file__).parent / "models"
SEEDS = (0, 1, 2)
ARTIFACT_VERSION = 1

# Chosen by measurement: see models/model_selection.json (benchmarks/properties_model_selection.py).
CHOSEN: dict[str, dict[str, str]] = {
    "esol": {"kind": "lgbm", "polymer_mode": "cap_h"},
    "freesolv": {"kind": "lgbm", "polymer_mode": "cap_h"},
    "lipophilicity": {"kind": "lgbm", "polymer_mode": "cap_h"},
    "tg": {"kind": "lgbm+svr", "polymer_mode": "dummy"},
}


@dataclass
class Prepared:
    """A property's data set, featurized once."""

    name: str
    smiles: list[str]
    mols: list[Chem.Mol]
    X: np.ndarray
    bits: np.ndarray
    y: np.ndarray
    polymer_mode: str


def prepare_data(name: str, polymer_mode: str = "cap_h", limit: int | None = None) -> Prepared:
    spec = datasets.resolve(name)
    df = datasets.load(spec.name)
    if limit:
        df = df.iloc[:limit]
    mols = [prepare(s, polymer_mode) for s in df["smiles"]]
    features = featurize_mols(mols)
    return Prepared(
        spec.name,
        list(df["smiles"]),
        mols,
        features.X,
        features.bits,
        df["value"].to_numpy(float),
        polymer_mode,
    )


def regression_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    err = p - y
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "r2": float(1 - np.sum(err**2) / ss_tot) if ss_tot > 0 else float("nan"),
    }


@dataclass
class SplitResult:
    model: regressors.Regressor
    calibration: conformal.Calibration
    idx: dict[str, np.ndarray]
    cal_max_sim: np.ndarray
    cal_abs_err: np.ndarray
    test_pred: np.ndarray
    test_low: np.ndarray
    test_high: np.ndarray
    test_max_sim: np.ndarray
    metrics: dict[str, float]


def fit_split(
    prep: Prepared, kind: str, train: np.ndarray, cal: np.ndarray, test: np.ndarray, seed: int
) -> SplitResult:
    """Fit on train, calibrate intervals on cal, score on test."""
    model = regressors.make(kind, seed=seed).fit(prep.X[train], prep.bits[train], prep.y[train])

    def knn(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, sims = domain.nearest(prep.bits[idx], prep.bits[train], k=domain.K_DIFFICULTY)
        return sims.mean(axis=1), sims[:, 0]

    cal_mean_sim, cal_max_sim = knn(cal)
    cal_pred = model.predict(prep.X[cal], prep.bits[cal])
    calibration = conformal.calibrate(prep.y[cal], cal_pred, conformal.difficulty(cal_mean_sim))

    test_mean_sim, test_max_sim = knn(test)
    test_pred = model.predict(prep.X[test], prep.bits[test])
    low, high = calibration.interval(test_pred, conformal.difficulty(test_mean_sim))
    y_test = prep.y[test]
    metrics = regression_metrics(y_test, test_pred)
    metrics["coverage_90"] = conformal.coverage(y_test, low, high)
    metrics["mean_interval_width"] = float(np.mean(high - low))
    metrics["coverage_90_constant_width"] = conformal.coverage(
        y_test, test_pred - calibration.q_abs, test_pred + calibration.q_abs
    )
    metrics["constant_interval_width"] = float(2 * calibration.q_abs)
    metrics["train_mean_rmse"] = float(np.sqrt(np.mean((y_test - prep.y[train].mean()) ** 2)))
    metrics.update(n_train=len(train), n_calibration=len(cal), n_test=len(test))
    return SplitResult(
        model,
        calibration,
        {"train": train, "cal": cal, "test": test},
        cal_max_sim,
        np.abs(prep.y[cal] - cal_pred),
        test_pred,
        low,
        high,
        test_max_sim,
        metrics,
    )


def _summary(results: list[SplitResult], threshold: float, prep: Prepared) -> dict:
    keys = [
        "rmse",
        "mae",
        "r2",
        "coverage_90",
        "mean_interval_width",
        "coverage_90_constant_width",
        "constant_interval_width",
        "train_mean_rmse",
    ]
    out: dict = {k: float(np.mean([r.metrics[k] for r in results])) for k in keys}
    out["rmse_sd"] = float(np.std([r.metrics["rmse"] for r in results]))
    y = np.concatenate([prep.y[r.idx["test"]] for r in results])
    covered = np.concatenate(
        [(prep.y[r.idx["test"]] >= r.test_low) & (prep.y[r.idx["test"]] <= r.test_high) for r in results]
    )
    max_sim = np.concatenate([r.test_max_sim for r in results])
    abs_err = np.abs(np.concatenate([r.test_pred for r in results]) - y)
    inside = max_sim >= threshold
    out["coverage_90_pooled"] = float(covered.mean())
    out["n_test_pooled"] = int(len(y))
    out["in_domain_fraction"] = float(inside.mean())
    out["rmse_in_domain"] = float(np.sqrt(np.mean(abs_err[inside] ** 2))) if inside.any() else None
    out["rmse_out_of_domain"] = float(np.sqrt(np.mean(abs_err[~inside] ** 2))) if (~inside).any() else None
    out["coverage_in_domain"] = float(covered[inside].mean()) if inside.any() else None
    out["coverage_out_of_domain"] = float(covered[~inside].mean()) if (~inside).any() else None
    out["error_by_similarity"] = domain.error_by_similarity(max_sim, abs_err)
    out["per_seed"] = [r.metrics for r in results]
    return out


def _test_rows(prep: Prepared, r: SplitResult, threshold: float) -> list[dict]:
    return [
        {
            "smiles": prep.smiles[i],
            "measured": round(float(prep.y[i]), 4),
            "predicted": round(float(p), 4),
            "interval_low": round(float(lo), 4),
            "interval_high": round(float(hi), 4),
            "max_similarity": round(float(s), 4),
            "in_domain": bool(s >= threshold),
        }
        for i, p, lo, hi, s in zip(r.idx["test"], r.test_pred, r.test_low, r.test_high, r.test_max_sim, strict=True)
    ]


def element_set(mols: list[Chem.Mol]) -> list[str]:
    return sorted({a.GetSymbol() for m in mols for a in m.GetAtoms() if a.GetAtomicNum() > 0})


def train_property(name: str, out_dir: Path | None = None, limit: int | None = None) -> dict:
    """Train the chosen model for a property; evaluate it (3 random seeds + scaffold); write artifacts."""
    spec = datasets.resolve(name)
    choice = CHOSEN[spec.name]
    kind = choice["kind"]
    prep = prepare_data(spec.name, choice["polymer_mode"], limit=limit)
    n = len(prep.y)

    random_results = [fit_split(prep, kind, *splits.random_split(n, seed), seed=seed) for seed in SEEDS]
    scaffold_result = fit_split(prep, kind, *splits.scaffold_split(prep.mols), seed=0)

    # The domain threshold is picked on the pooled calibration sets (never on test data).
    threshold = domain.choose_threshold(
        np.concatenate([r.cal_max_sim for r in random_results]),
        np.concatenate([r.cal_abs_err for r in random_results]),
    )
    shipped = random_results[0]
    train_idx = shipped.idx["train"]
    heavy = [m.GetNumHeavyAtoms() for m in (prep.mols[i] for i in train_idx)]

    out = (out_dir or MODELS_DIR) / spec.name
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.suffix in {".gz", ".joblib", ".npz"}:
            old.unlink()
    model_files = shipped.model.save(out)
    np.savez_compressed(
        out / "domain.npz",
        bits=prep.bits[train_idx],
        smiles=np.array([prep.smiles[i] for i in train_idx]),
        values=prep.y[train_idx],
    )
    card = {
        "artifact_version": ARTIFACT_VERSION,
        "property": spec.name,
        "label": spec.label,
        "unit": spec.unit,
        "kind": spec.kind,
        "model": {
            "name": f"{spec.name}-{kind}-v{ARTIFACT_VERSION}",
            "regressor": kind,
            "features": f"Morgan count fingerprint (radius {FP_RADIUS}, {FP_SIZE} bits) + "
            f"{prep.X.shape[1] - FP_SIZE} RDKit 2D descriptors",
            "polymer_mode": prep.polymer_mode if spec.kind == "polymer" else None,
            "params": regressors.LGBM_PARAMS if "lgbm" in kind else {},
            "files": [p.name for p in model_files] + ["domain.npz"],
            "trained_on": "seed-0 random split training part (80%); calibrated on its 10% calibration part",
        },
        "data": {
            "file": f"tools/properties/data/{spec.file}",
            "n": n,
            "source": spec.source,
            "license": spec.license,
            "citation": spec.citation,
        },
        "uncertainty": {
            "method": "split-conformal, normalized: ŷ ± q·σ(x), σ = β + 1 - mean Tanimoto similarity to the "
            f"{domain.K_DIFFICULTY} nearest training molecules",
            "alpha": shipped.calibration.alpha,
            "q": shipped.calibration.q,
            "q_constant_width": shipped.calibration.q_abs,
            "beta": shipped.calibration.beta,
            "n_calibration": shipped.calibration.n_calibration,
        },
        "domain": {
            "k_difficulty": domain.K_DIFFICULTY,
            "similarity_threshold": threshold,
            "rule": "in domain when max Tanimoto similarity (Morgan bits) to a training molecule >= "
            "threshold, all elements were seen in training, and size is within 1.25x the training range",
            "threshold_choice": "largest cut where calibration RMSE below it is >= 1.5x overall (pooled over "
            "3 seeds' calibration sets), else the 5th percentile of calibration max similarity",
            "elements": element_set([prep.mols[i] for i in train_idx]),
            "heavy_atoms_min": int(min(heavy)),
            "heavy_atoms_max": int(max(heavy)),
        },
        "shipped_split": {"split": "random, seed 0", **shipped.metrics},
        "random_split": {
            "protocol": "80/10/10 random, seeds 0,1,2 (mean)",
            **_summary(random_results, threshold, prep),
        },
        "scaffold_split": {
            "protocol": "80/10/10 Bemis-Murcko scaffold (DeepChem order)",
            **_summary([scaffold_result], threshold, prep),
        },
        "published_baselines": [{"method": m, "random_split_test_rmse": v} for m, v in spec.published],
        "reference_points": [{"method": m, "rmse": v} for m, v in spec.reference_points],
        "model_selection": cards.model_selection_rows(spec.name),
        "test_predictions": {
            "random_seed0": _test_rows(prep, shipped, threshold),
            "scaffold": _test_rows(prep, scaffold_result, threshold),
        },
        "software": {
            "rdkit": rdkit.__version__,
            "lightgbm": lightgbm.__version__,
            "scikit-learn": sklearn.__version__,
            "python": platform.python_version(),
        },
    }
    (out / "card.json").write_text(json.dumps(card, indent=1, allow_nan=False) + "\n")
    (out / "card.md").write_text(cards.render_markdown(card))
    return card


def train_all(properties: list[str] | None = None, out_dir: Path | None = None) -> list[dict]:
    return [train_property(p, out_dir) for p in (properties or list(datasets.SPECS))]
