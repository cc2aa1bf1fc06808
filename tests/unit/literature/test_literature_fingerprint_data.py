"""The embedding fingerprint as data: it survives being stored as JSON, its digest names its vectors, and the
check accepts vectors of the same space (within int8's distance) and refuses others with what to do."""

from __future__ import annotations

import numpy as np
import pytest

from tools.literature.fingerprint import EmbedderMismatch, EmbeddingFingerprint, check_fingerprint


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def fingerprint(probe: np.ndarray, backend: str = "all-MiniLM-L6-v2/torch") -> EmbeddingFingerprint:
    return EmbeddingFingerprint(model="all-MiniLM-L6-v2", dim=probe.shape[1], backend=backend, probe=probe)


PROBE = unit(np.random.default_rng(0).normal(size=(3, 384)))


def test_a_fingerprint_round_trips_through_json_with_its_digest() -> None:
    original = fingerprint(PROBE)
    restored = EmbeddingFingerprint.from_json(original.to_json())

    assert (restored.model, restored.dim, restored.digest) == (original.model, 384, original.digest)


def test_vectors_within_int8_noise_pass() -> None:
    noisy = unit(PROBE + np.random.default_rng(1).normal(scale=0.004, size=PROBE.shape))

    assert check_fingerprint(fingerprint(PROBE), fingerprint(noisy, "all-MiniLM-L6-v2/onnx-int8")) > 0.98


def test_other_vectors_are_refused_with_both_models_named() -> None:
    other = unit(np.random.default_rng(2).normal(size=(3, 384)))

    with pytest.raises(EmbedderMismatch, match=r"made with all-MiniLM-L6-v2/torch.*other/torch.*probe cosine"):
        check_fingerprint(fingerprint(PROBE), fingerprint(other, "other/torch"))


def test_an_unreadable_fingerprint_says_so() -> None:
    with pytest.raises(Exception, match="fingerprint is unreadable"):
        EmbeddingFingerprint.from_json('{"model": "x"}')
