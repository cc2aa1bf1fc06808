"""Embeddings from an OpenAI-compatible /v1/embeddings endpoint (chemassist's embedding server, vLLM,
llama-server --embeddings, or the chemassist gateway in front of them): batched, several batches in flight.

`connect_embedder` probes the endpoint before the library uses it: the vectors must have the library's
dimension and, for a few probe sentences, cosine >= 0.99 to the local model's, or the endpoint is refused (a
different model would put new passages into another space than the stored ones). When it is down or refused,
the local CPU model is used and the returned message says why. An endpoint that fails later, mid-ingest, hands
that call to the local model too (same vectors, checked by the probe) and logs it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import numpy as np

from tools.literature.errors import LiteratureError
from tools.literature.fingerprint import PROBE_SENTENCES
from tools.literature.sentence_encoder import EMBEDDING_DIM, MODEL_NAME, Embedder

MIN_PROBE_COSINE = 0.99
log = logging.getLogger(__name__)


class EmbeddingEndpointError(LiteratureError):
    """The endpoint could not be reached, answered with an error, or gave vectors unlike the library's."""


class RemoteEmbedder(Embedder):
    """`Embedder` over HTTP. `fallback` (the local model) takes over a call the endpoint cannot answer."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str = MODEL_NAME,
        api_key: str | None = None,
        batch_size: int = 64,
        concurrency: int = 4,
        timeout_s: float = 60.0,
        dim: int = EMBEDDING_DIM,
        fallback: Embedder | None = None,
    ) -> None:
        super().__init__(device="remote", batch_size=batch_size)
        base = base_url.rstrip("/")
        self.url = f"{base}/embeddings" if base.endswith("/v1") else f"{base}/v1/embeddings"
        self.model_name = model
        self.dim = dim
        self.concurrency = max(1, concurrency)
        self.fallback = fallback
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        self._client = httpx.Client(headers=headers, timeout=timeout_s, limits=limits)
        self._warned = threading.Event()

    @property
    def fingerprint(self) -> str:  # type: ignore[override]
        return f"{self.model_name}/endpoint"

    @property
    def model(self) -> str:
        return self.model_name  # nothing to load in this process

    def close(self) -> None:
        self._client.close()

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(len(texts), dim) float32, unit length, in input order; batches go out `concurrency` at a time."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        size = batch_size or self.batch_size
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        try:
            if len(batches) == 1:
                parts = [self.encode_remote(batches[0])]
            else:
                with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
                    parts = list(pool.map(self.encode_remote, batches))
        except EmbeddingEndpointError as exc:
            if self.fallback is None:
                raise
            if not self._warned.is_set():
                self._warned.set()
                log.warning("%s Embedding on this machine's CPU with the local model instead.", exc)
            return self.fallback.encode(texts, batch_size)
        return np.concatenate(parts)

    def encode_remote(self, texts: list[str]) -> np.ndarray:
        """One request, no fallback. Raises EmbeddingEndpointError with what went wrong."""
        # Empty strings are refused by some servers (ours, OpenAI); a space embeds as "nothing" everywhere.
        payload = {"model": self.model_name, "input": [t if t.strip() else " " for t in texts]}
        try:
            reply = self._client.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise EmbeddingEndpointError(f"The embedding endpoint {self.url} cannot be reached ({exc}).") from exc
        if reply.status_code != 200:
            raise EmbeddingEndpointError(
                f"The embedding endpoint {self.url} answered HTTP {reply.status_code}: {_error_text(reply)}"
            )
        try:
            data = sorted(reply.json()["data"], key=lambda d: d["index"])
            vectors = np.asarray([d["embedding"] for d in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbeddingEndpointError(
                f"The embedding endpoint {self.url} sent a reply that is not OpenAI's embeddings format."
            ) from exc
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise EmbeddingEndpointError(
                f"The embedding endpoint {self.url} returned {len(vectors)} vectors for {len(texts)} inputs."
            )
        if vectors.shape[1] != self.dim:
            raise EmbeddingEndpointError(
                f"The embedding endpoint's model {self.model_name!r} gives {vectors.shape[1]}-d vectors; "
                f"the library holds {self.dim}-d vectors."
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


def _error_text(reply: httpx.Response) -> str:
    try:
        return str(reply.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return reply.text[:200] or reply.reason_phrase


def probe(remote: RemoteEmbedder, reference: Embedder) -> float:
    """The lowest cosine between the endpoint's and the reference model's vectors of the probe sentences.
    Raises EmbeddingEndpointError when the endpoint is down, errs, or its vectors differ (dimension or
    cosine < 0.99)."""
    if remote.dim != reference.dim:
        raise EmbeddingEndpointError(
            f"The endpoint is configured for {remote.dim}-d vectors; the library holds {reference.dim}-d vectors."
        )
    theirs = remote.encode_remote(list(PROBE_SENTENCES))
    ours = reference.encode(list(PROBE_SENTENCES))
    agreement = float(np.min(np.sum(theirs * ours, axis=1)))
    if agreement < MIN_PROBE_COSINE:
        raise EmbeddingEndpointError(
            f"The embedding endpoint's model {remote.model_name!r} gives vectors unlike the library's "
            f"({reference.fingerprint}): probe cosine {agreement:.3f}, needs >= {MIN_PROBE_COSINE}. "
            "Serve the same model there, or re-embed the library with the new one."
        )
    return agreement


@dataclass(frozen=True)
class EmbedderChoice:
    """The embedder the library will use and, when it is not the endpoint asked for, why."""

    embedder: Embedder
    message: str | None = None

    @property
    def remote(self) -> bool:
        return isinstance(self.embedder, RemoteEmbedder)


def connect_embedder(
    base_url: str,
    *,
    local: Embedder,
    reference: Embedder | None = None,
    model: str = MODEL_NAME,
    api_key: str | None = None,
    batch_size: int = 64,
    concurrency: int = 4,
    timeout_s: float = 60.0,
) -> EmbedderChoice:
    """The endpoint's embedder if it passes the probe against `reference` (default `local`; give the exact
    model when `local` is the int8 one), else `local` with the reason. `local` also takes calls the endpoint
    fails later."""
    remote = RemoteEmbedder(
        base_url,
        model=model,
        api_key=api_key,
        batch_size=batch_size,
        concurrency=concurrency,
        timeout_s=timeout_s,
        dim=local.dim,
        fallback=local,
    )
    try:
        agreement = probe(remote, reference or local)
    except EmbeddingEndpointError as exc:
        remote.close()
        return EmbedderChoice(
            local, f"{exc} The library embeds on this machine's CPU with the local {local.fingerprint} model instead."
        )
    log.info("embedding through %s (%s), probe cosine %.4f", remote.url, model, agreement)
    return EmbedderChoice(remote)
