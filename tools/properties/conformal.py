"""Split-conformal 90% prediction intervals, normalized by a difficulty estimate (written here: a few lines).

Scores on a held-out calibration set are |y - ŷ| / σ(x), with σ(x) = β + (1 - mean Tanimoto similarity
of x to its k nearest training molecules): molecules unlike the training set get wider intervals, and
marginal coverage stays ≥ 1 - α when calibration and test molecules are exchangeable (a random split).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_ALPHA = 0.1
DIFFICULTY_BETA = 0.1


def difficulty(mean_knn_similarity: np.ndarray, beta: float = DIFFICULTY_BETA) -> np.ndarray:
    """σ(x): larger for molecules far from the training set."""
    return beta + (1.0 - np.asarray(mean_knn_similarity, dtype=np.float64))


def conformal_quantile(scores: np.ndarray, alpha: float = DEFAULT_ALPHA) -> float:
    """The ⌈(n+1)(1-α)⌉-th smallest score; infinite when the calibration set is too small for α."""
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    n = len(scores)
    rank = math.ceil((n + 1) * (1 - alpha))
    if rank > n:
        return math.inf
    return float(scores[rank - 1])


@dataclass(frozen=True)
class Calibration:
    """The fitted interval rule: ŷ ± q·σ(x) (normalized), and q_abs for the plain constant-width rule."""

    alpha: float
    q: float
    q_abs: float
    beta: float
    n_calibration: int

    def interval(self, y_pred: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        half = self.q * np.asarray(sigma)
        return np.asarray(y_pred) - half, np.asarray(y_pred) + half


def calibrate(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sigma: np.ndarray,
    alpha: float = DEFAULT_ALPHA,
    beta: float = DIFFICULTY_BETA,
) -> Calibration:
    residuals = np.abs(np.asarray(y_true) - np.asarray(y_pred))
    return Calibration(
        alpha=alpha,
        q=conformal_quantile(residuals / np.asarray(sigma), alpha),
        q_abs=conformal_quantile(residuals, alpha),
        beta=beta,
        n_calibration=len(residuals),
    )


def coverage(y_true: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    y = np.asarray(y_true)
    return float(np.mean((y >= low) & (y <= high)))
