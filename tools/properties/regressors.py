"""The candidate regressors compared for each property, behind one interface (fit / predict / save / load).

- `lgbm`: LightGBM on Morgan counts + RDKit descriptors; saved as gzipped LightGBM text (small, portable).
- `rf`: scikit-learn random forest on the same features; saved with joblib (large: compared, not shipped).
- `svr_tanimoto`: support-vector regression with a Tanimoto kernel on Morgan bits; saved as support-vector
  indices + dual coefficients (the training bits are shipped anyway for the applicability domain).
- `lgbm+svr`: the mean of the two.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import joblib
import lightgbm as lgb
import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.svm import SVR

from tools.properties.domain import similarity_matrix

KINDS = ("lgbm", "rf", "svr_tanimoto", "lgbm+svr")


class Regressor(Protocol):
    kind: str

    def fit(self, X: np.ndarray, bits: np.ndarray, y: np.ndarray) -> Regressor: ...
    def predict(self, X: np.ndarray, bits: np.ndarray) -> np.ndarray: ...
    def save(self, directory: Path) -> list[Path]: ...


LGBM_PARAMS = {
    "objective": "regression",
    "n_estimators": 600,
    "learning_rate": 0.04,
    "num_leaves": 24,
    "min_child_samples": 5,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.3,
    "reg_lambda": 1.0,
    "verbose": -1,
    "n_jobs": 1,
    "deterministic": True,
    "force_row_wise": True,
}


class LGBM:
    kind = "lgbm"

    def __init__(self, seed: int = 0, booster: lgb.Booster | None = None, **params: object):
        self.seed = seed
        self.params = {**LGBM_PARAMS, **params}
        self.booster = booster

    def fit(self, X: np.ndarray, bits: np.ndarray, y: np.ndarray) -> LGBM:
        model = lgb.LGBMRegressor(random_state=self.seed, **self.params)  # type: ignore[arg-type]
        model.fit(X, y)
        self.booster = model.booster_
        return self

    def predict(self, X: np.ndarray, bits: np.ndarray) -> np.ndarray:
        assert self.booster is not None
        return np.asarray(self.booster.predict(X, num_threads=1))

    def save(self, directory: Path) -> list[Path]:
        assert self.booster is not None
        path = directory / "lgbm.txt.gz"
        # mtime=0 keeps the gzip bytes identical across retrains (reproducible artifacts in git)
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
            fh.write(self.booster.model_to_string().encode())
        return [path]

    @classmethod
    def load(cls, directory: Path) -> LGBM:
        text = gzip.decompress((directory / "lgbm.txt.gz").read_bytes()).decode()
        return cls(booster=lgb.Booster(model_str=text))


class RF:
    kind = "rf"

    def __init__(self, seed: int = 0, model: RandomForestRegressor | None = None):
        self.model = model or RandomForestRegressor(
            n_estimators=200, max_features=0.3, min_samples_leaf=1, n_jobs=2, random_state=seed
        )

    def fit(self, X: np.ndarray, bits: np.ndarray, y: np.ndarray) -> RF:
        self.model.fit(np.nan_to_num(X), y)
        return self

    def predict(self, X: np.ndarray, bits: np.ndarray) -> np.ndarray:
        return self.model.predict(np.nan_to_num(X))

    def save(self, directory: Path) -> list[Path]:
        path = directory / "rf.joblib"
        joblib.dump(self.model, path, compress=3)
        return [path]

    @classmethod
    def load(cls, directory: Path) -> RF:
        return cls(model=joblib.load(directory / "rf.joblib"))


class TanimotoSVR:
    """SVR on a precomputed Tanimoto kernel; keeps only the support vectors' bits for prediction."""

    kind = "svr_tanimoto"

    def __init__(self, C: float = 5.0, epsilon: float = 0.05, **_: object):
        self.C, self.epsilon = C, epsilon
        self.support_bits: np.ndarray | None = None
        self.dual_coef: np.ndarray | None = None
        self.intercept = 0.0
        self.y_mean, self.y_scale = 0.0, 1.0

    def fit(self, X: np.ndarray, bits: np.ndarray, y: np.ndarray) -> TanimotoSVR:
        # Standardizing y lets one C / epsilon serve log units, kcal/mol and kelvin alike.
        self.y_mean, self.y_scale = float(np.mean(y)), float(np.std(y) or 1.0)
        svr = SVR(kernel="precomputed", C=self.C, epsilon=self.epsilon)
        svr.fit(similarity_matrix(bits, bits).astype(np.float64), (y - self.y_mean) / self.y_scale)
        self.support_bits = bits[svr.support_]
        self.dual_coef = svr.dual_coef_.ravel()
        self.intercept = float(svr.intercept_[0])
        return self

    def predict(self, X: np.ndarray, bits: np.ndarray) -> np.ndarray:
        assert self.support_bits is not None and self.dual_coef is not None
        k = similarity_matrix(bits, self.support_bits).astype(np.float64)
        return (k @ self.dual_coef + self.intercept) * self.y_scale + self.y_mean

    def save(self, directory: Path) -> list[Path]:
        assert self.support_bits is not None and self.dual_coef is not None
        path = directory / "svr_tanimoto.npz"
        np.savez_compressed(
            path,
            support_bits=self.support_bits,
            dual_coef=self.dual_coef,
            meta=np.array(json.dumps(self.__meta())),
        )
        return [path]

    def __meta(self) -> dict:
        return {
            "C": self.C,
            "epsilon": self.epsilon,
            "intercept": self.intercept,
            "y_mean": self.y_mean,
            "y_scale": self.y_scale,
        }

    @classmethod
    def load(cls, directory: Path) -> TanimotoSVR:
        data = np.load(directory / "svr_tanimoto.npz")
        meta = json.loads(str(data["meta"]))
        out = cls(C=meta["C"], epsilon=meta["epsilon"])
        out.support_bits, out.dual_coef = data["support_bits"], data["dual_coef"]
        out.intercept, out.y_mean, out.y_scale = meta["intercept"], meta["y_mean"], meta["y_scale"]
        return out


class Average:
    """Mean of LightGBM and Tanimoto-SVR predictions."""

    kind = "lgbm+svr"

    def __init__(self, seed: int = 0, parts: tuple[LGBM, TanimotoSVR] | None = None):
        self.parts = parts or (LGBM(seed=seed), TanimotoSVR())

    def fit(self, X: np.ndarray, bits: np.ndarray, y: np.ndarray) -> Average:
        for part in self.parts:
            part.fit(X, bits, y)
        return self

    def predict(self, X: np.ndarray, bits: np.ndarray) -> np.ndarray:
        return np.mean([part.predict(X, bits) for part in self.parts], axis=0)

    def save(self, directory: Path) -> list[Path]:
        return [p for part in self.parts for p in part.save(directory)]

    @classmethod
    def load(cls, directory: Path) -> Average:
        return cls(parts=(LGBM.load(directory), TanimotoSVR.load(directory)))


def make(kind: str, seed: int = 0) -> Regressor:
    if kind == "lgbm":
        return LGBM(seed=seed)
    if kind == "rf":
        return RF(seed=seed)
    if kind == "svr_tanimoto":
        return TanimotoSVR()
    if kind == "lgbm+svr":
        return Average(seed=seed)
    raise ValueError(f"Unknown regressor kind {kind!r}; choose from {KINDS}")


def load(kind: str, directory: Path) -> Regressor:
    loaders: dict[str, Callable[[Path], Regressor]] = {
        "lgbm": LGBM.load,
        "rf": RF.load,
        "svr_tanimoto": TanimotoSVR.load,
        "lgbm+svr": Average.load,
    }
    return loaders[kind](directory)
