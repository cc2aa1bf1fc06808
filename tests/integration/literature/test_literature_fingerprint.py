"""The library records the embedding model it was built with (name, dimension, probe-sentence vectors) and
refuses, with an explanation, an embedder whose vectors differ: on ingest before anything is written, and on
search. The same model through another backend (ONNX int8) is the same space and passes. Real Milvus Lite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tools.literature import EmbedderMismatch, LiteratureStore, Retriever, ingest_paths
from tools.literature.embedding import Embedder, local_embedder
from tools.literature.store import FINGERPRINT_PROPERTY


class ReversedTextEmbedder(Embedder):
    """Another embedding model: the real MiniLM on the text read backwards (unrelated vectors, same 384-d)."""

    fingerprint = "reversed-minilm/torch"

    def __init__(self, base: Embedder) -> None:
        super().__init__()
        self._model = base.model

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        return super().encode([t[::-1] for t in texts], batch_size)


class TruncatedEmbedder(Embedder):
    """A 256-d model: MiniLM's first 256 dimensions, renormalised."""

    fingerprint = "minilm-256/torch"
    dim = 256

    def __init__(self, base: Embedder) -> None:
        super().__init__()
        self._model = base.model

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        v = super().encode(texts, batch_size)[:, :256]
        return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def built(tmp_path: Path, corpus: Path, embedder: Embedder) -> Path:
    uri = tmp_path / "milvus.db"
    with LiteratureStore(uri) as store:
        ingest_paths(store, [corpus / "gold.md", corpus / "perovskite.txt"], embedder=embedder)
    return uri


def test_the_first_ingest_records_the_model_its_dimension_and_probe_digest(built: Path, embedder: Embedder) -> None:
    with LiteratureStore(built) as store:
        fingerprint = store.embedding_fingerprint()

    assert fingerprint is not None
    assert (fingerprint.model, fingerprint.dim, fingerprint.backend) == ("all-MiniLM-L6-v2", 384, embedder.fingerprint)
    assert len(fingerprint.digest) == 16 and fingerprint.probe.shape == (3, 384)


def test_another_model_is_refused_on_ingest_and_nothing_is_written(
    built: Path, corpus: Path, embedder: Embedder
) -> None:
    with LiteratureStore(built) as store:
        before = store.count_chunks()
        with pytest.raises(EmbedderMismatch, match=r"built with all-MiniLM-L6-v2, 384-d.*probe cosine") as err:
            ingest_paths(store, [corpus / "mof.bib"], embedder=ReversedTextEmbedder(embedder))
        after = store.count_chunks()

    assert after == before
    assert "reversed-minilm/torch" in str(err.value) and "CHEMASSIST_EMBEDDING" in str(err.value)


def test_another_dimension_is_refused_on_search(built: Path, embedder: Embedder) -> None:
    with LiteratureStore(built) as store, pytest.raises(EmbedderMismatch, match="gives 256-d vectors"):
        Retriever(store, TruncatedEmbedder(embedder)).search("gold nanoparticles", k=3)


def test_the_same_model_on_onnx_int8_is_the_same_space(built: Path) -> None:
    with LiteratureStore(built) as store:
        hits = Retriever(store, local_embedder("onnx-int8")).search("citrate gold nanoparticles", k=3)

    assert hits and "gold" in hits[0].title.lower()


def test_a_library_without_a_fingerprint_is_checked_against_its_own_passages(
    built: Path, corpus: Path, embedder: Embedder
) -> None:
    with LiteratureStore(built) as store:  # as a library written before fingerprints were stored
        store.client.drop_collection_properties(store.chunks_name, property_keys=[FINGERPRINT_PROPERTY])
        assert store.embedding_fingerprint() is None
        with pytest.raises(EmbedderMismatch, match="predates fingerprints"):
            Retriever(store, ReversedTextEmbedder(embedder)).search("gold", k=3)
        Retriever(store, embedder).search("gold", k=3)  # its own model: adopted
        fingerprint = store.embedding_fingerprint()

    assert fingerprint is not None and fingerprint.backend == embedder.fingerprint


def test_searching_an_empty_library_records_nothing(tmp_path: Path, embedder: Embedder) -> None:
    with LiteratureStore(tmp_path / "empty.db") as store:
        assert Retriever(store, ReversedTextEmbedder(embedder)).search("gold", k=3) == []
        fingerprint = store.embedding_fingerprint()

    assert fingerprint is None


def test_library_info_shows_the_recorded_model_and_that_the_configured_one_matches(built: Path) -> None:
    from typer.testing import CliRunner

    from app.cli.library import cli

    result = CliRunner().invoke(cli, ["info", "--uri", str(built), "--json"])
    info = json.loads(result.stdout)

    assert result.exit_code == 0, result.output
    assert info["matches"] and info["library"]["model"] == "all-MiniLM-L6-v2" and info["library"]["dim"] == 384
