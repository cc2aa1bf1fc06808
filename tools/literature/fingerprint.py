"""The embedding model a library was built with: its name, dimension and the vectors of a few probe sentences,
stored in the library at its first write, and checked against the configured embedder before it adds or
searches vectors (a different model would put passages and queries into another space, silently).

The check compares vectors, not names: the same model through another backend (ONNX fp32 or int8, a GPU
embedding server) passes, with a cosine of 0.994 or more on the probe sentences (int8 is the farthest); another
model, or another dimension, is refused with what the library holds and what to do.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from tools.literature.errors import LiteratureError
from tools.literature.sentence_encoder import Embedder

# Also the sentences `remote_embedding.probe` sends to an endpoint.
PROBE_SENTENCES = (
    "Furfural was extracted from sugarcane bagasse by acid hydrolysis at 170 °C.",
    "The polymer's glass transition temperature rose with the crosslink density.",
    "Lithium-ion battery cathodes degrade through transition-metal dissolution.",
)
# The int8 ONNX weights of the same model give 0.994 on the probe sentences and 0.973 at worst on the demo
# library's passages (benchmarks/RESULTS.md; the legacy check below re-embeds stored passages): that is the same
# space. Another model's vectors are unrelated to these (cosine far below 0.9), so 0.95 leaves room for both.
MIN_LIBRARY_COSINE = 0.95


class EmbedderMismatch(LiteratureError):
    """The configured embedder gives vectors unlike those the library was built with."""


@dataclass(frozen=True)
class EmbeddingFingerprint:
    """What a library's vectors were made with. `probe`: the probe sentences' unit vectors (float16)."""

    model: str
    dim: int
    backend: str
    probe: np.ndarray
    created: str = ""

    @property
    def digest(self) -> str:
        """sha256 of the probe vectors (float16), 16 hex digits: equal digests, equal vectors."""
        return hashlib.sha256(np.ascontiguousarray(self.probe, dtype=np.float16).tobytes()).hexdigest()[:16]

    def describe(self) -> str:
        return f"{self.model}, {self.dim}-d vectors (made with {self.backend}, probe digest {self.digest})"

    def to_json(self) -> str:
        return json.dumps(
            {
                "model": self.model,
                "dim": self.dim,
                "backend": self.backend,
                "digest": self.digest,
                "created": self.created,
                "probe_sentences": list(PROBE_SENTENCES),
                "probe_float16_base64": base64.b64encode(self.probe.astype(np.float16).tobytes()).decode("ascii"),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> EmbeddingFingerprint:
        try:
            d = json.loads(text)
            probe = np.frombuffer(base64.b64decode(d["probe_float16_base64"]), dtype=np.float16)
            dim = int(d["dim"])
            return cls(
                model=str(d["model"]),
                dim=dim,
                backend=str(d["backend"]),
                probe=probe.reshape(-1, dim).astype(np.float32),
                created=str(d.get("created", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise LiteratureError(f"The library's embedding fingerprint is unreadable ({exc}).") from exc


def model_name(embedder: Embedder) -> str:
    """The model's name: an endpoint's configured name, else the first part of the embedder's fingerprint."""
    return str(getattr(embedder, "model_name", "") or embedder.fingerprint.split("/")[0])


def fingerprint_of(embedder: Embedder) -> EmbeddingFingerprint:
    """The embedder's fingerprint (encodes the three probe sentences)."""
    return fingerprint_from(embedder, embedder.encode(list(PROBE_SENTENCES)))


def fingerprint_from(embedder: Embedder, probe_vectors: np.ndarray) -> EmbeddingFingerprint:
    """The fingerprint from the embedder's vectors of PROBE_SENTENCES (encoded by the caller, e.g. together with
    the first passages of an ingest)."""
    vectors = np.asarray(probe_vectors, dtype=np.float32)
    return EmbeddingFingerprint(
        model=model_name(embedder),
        dim=int(vectors.shape[1]),
        backend=embedder.fingerprint,
        probe=vectors.astype(np.float16).astype(np.float32),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def check_fingerprint(stored: EmbeddingFingerprint, current: EmbeddingFingerprint) -> float:
    """The lowest probe cosine between the two; raises EmbedderMismatch (saying what differs and what to do)
    when the dimension differs or the cosine is under MIN_LIBRARY_COSINE."""
    if stored.dim != current.dim or stored.probe.shape != current.probe.shape:
        raise EmbedderMismatch(
            f"The library was built with {stored.describe()}; the configured embedder {current.backend} gives "
            f"{current.dim}-d vectors. {_advice(stored)}"
        )
    a = stored.probe / np.linalg.norm(stored.probe, axis=1, keepdims=True)
    b = current.probe / np.linalg.norm(current.probe, axis=1, keepdims=True)
    agreement = float(np.min(np.sum(a * b, axis=1)))
    if agreement < MIN_LIBRARY_COSINE:
        raise EmbedderMismatch(
            f"The library was built with {stored.describe()}; the configured embedder {current.backend} "
            f"({current.model}, probe digest {current.digest}) gives different vectors: probe cosine "
            f"{agreement:.3f}, needs >= {MIN_LIBRARY_COSINE}. {_advice(stored)}"
        )
    return agreement


def _advice(stored: EmbeddingFingerprint) -> str:
    return (
        f"Configure {stored.model} again (CHEMASSIST_EMBEDDING_LOCAL_BACKEND, or an endpoint serving it in "
        "CHEMASSIST_EMBEDDING_BASE_URL), or build a new library with the new model (another --uri) and ingest "
        "the papers there."
    )
