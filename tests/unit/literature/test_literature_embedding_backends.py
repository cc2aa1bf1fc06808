"""The library's embedders share one interface and one vector space: torch (the reference), ONNX Runtime fp32
(the same vectors) and int8 (cosine ~0.99), each with a fingerprint callers key caches on."""

from __future__ import annotations

import numpy as np
import pytest

from tools.literature.embedding import (
    EMBEDDING_DIM,
    Embedder,
    default_embedder,
    local_embedder,
    set_default_embedder,
)
from tools.literature.onnx_embedding import OnnxEmbedder

TEXTS = [
    "Furfural yields from sugarcane bagasse ranged from 7.5% to 10%.",
    "benzene",
    "The glass transition temperature of polystyrene is about 100 °C. " * 40,  # past the 256 word-piece limit
    "",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return local_embedder("torch").encode(TEXTS)


@pytest.mark.parametrize(("backend", "least"), [("onnx", 0.9999), ("onnx-int8", 0.97)])
def test_onnx_backends_give_the_torch_models_vectors(backend, least, reference):
    vectors = local_embedder(backend).encode(TEXTS, batch_size=2)  # batches of unequal lengths, re-ordered
    assert vectors.shape == (len(TEXTS), EMBEDDING_DIM) and vectors.dtype == np.float32
    assert np.sum(vectors * reference, axis=1).min() >= least


def test_fingerprints_name_model_and_backend(tmp_path):
    assert local_embedder("torch").fingerprint == "all-MiniLM-L6-v2/torch"
    assert OnnxEmbedder(cache_dir=tmp_path).fingerprint == "all-MiniLM-L6-v2/onnx"
    assert OnnxEmbedder(quantized=True, cache_dir=tmp_path).fingerprint == "all-MiniLM-L6-v2/onnx-int8"


def test_an_unknown_backend_is_named_in_the_error():
    with pytest.raises(ValueError, match="choose one of torch, onnx, onnx-int8"):
        local_embedder("tensorflow")


def test_the_default_embedder_is_the_installed_one_and_local_stays_local():
    class Marked(Embedder):
        fingerprint = "marked/test"

    marked = Marked()
    set_default_embedder(marked)
    try:
        assert default_embedder() is marked
        assert local_embedder() is not marked and local_embedder().fingerprint == "all-MiniLM-L6-v2/torch"
    finally:
        set_default_embedder(None)
    assert default_embedder() is local_embedder()


def test_an_empty_list_embeds_to_an_empty_matrix():
    assert local_embedder("onnx").encode([]).shape == (0, EMBEDDING_DIM)
