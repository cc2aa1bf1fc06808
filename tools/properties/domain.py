"""Applicability domain: Tanimoto similarity to training molecules, nearest neighbours, threshold."""

from __future__ import annotations

import numpy as np

K_DIFFICULTY = 5
_CHUNK = 2048


def _unpack(bits: np.ndarray) -> np.ndarray:
    return np.unpackbits(bits, axis=1).astype(np.float32)


def similarity_matrix(query_bits: np.ndarray, train_bits: np.ndarray) -> np.ndarray:
    """Tanimoto similarities (n_query, n_train) from packed bit vectors, by a matrix product in chunks."""
    train = _unpack(train_bits)
    train_counts = train.sum(axis=1)
    out = np.empty((len(query_bits), len(train_bits)), dtype=np.float32)
    for start in range(0, len(query_bits), _CHUNK):
        q = _unpack(query_bits[start : start + _CHUNK])
        inter = q @ train.T
        union = q.sum(axis=1)[:, None] + train_counts[None, :] - inter
        out[start : start + _CHUNK] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return out


def nearest(query_bits: np.ndarray, train_bits: np.ndarray, k: int = K_DIFFICULTY) -> tuple[np.ndarray, np.ndarray]:
    """Indices and similarities of the k most similar training molecules, most similar first."""
    sims = similarity_matrix(query_bits, train_bits)
    k = min(k, sims.shape[1])
    idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(sims, idx, axis=1)
    order = np.argsort(-top, axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(top, order, axis=1)


def choose_threshold(
    max_similarity: np.ndarray,
    abs_error: np.ndarray,
    candidates: np.ndarray | None = None,
    factor: float = 1.5,
) -> float:
    """The highest similarity cut below which held-out error rises.

    For each candidate cut t, compare the RMSE of molecules with max similarity < t to the RMSE of all of
    them; return the largest t where it is at least `factor` times higher (with at least 5 molecules below
    t). Falls back to the 5th percentile of max similarity when the error never rises that much.
    """
    max_similarity = np.asarray(max_similarity)
    abs_error = np.asarray(abs_error)
    overall = float(np.sqrt(np.mean(abs_error**2)))
    if candidates is None:
        candidates = np.round(np.arange(0.20, 0.71, 0.05), 2)
    best = None
    for t in candidates:
        below = max_similarity < t
        if below.sum() >= 5 and np.sqrt(np.mean(abs_error[below] ** 2)) >= factor * overall:
            best = round(float(t), 2)
    if best is None:
        best = float(np.round(np.percentile(max_similarity, 5), 2))
    return best


def error_by_similarity(
    max_similarity: np.ndarray,
    abs_error: np.ndarray,
    edges: tuple[float, ...] = (0.0, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01),
) -> list[dict]:
    """RMSE per similarity bin, for the error-vs-similarity plot in the model card."""
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (max_similarity >= lo) & (max_similarity < hi)
        n = int(sel.sum())
        rows.append(
            {
                "similarity_from": lo,
                "similarity_to": min(hi, 1.0),
                "n": n,
                "rmse": float(np.sqrt(np.mean(abs_error[sel] ** 2))) if n else None,
            }
        )
    return rows
