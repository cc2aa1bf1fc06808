"""`chemassist serve plan` says which served embedding model the literature library can use: only its own."""

from __future__ import annotations

from app.cli.serve import _library_embeddings
from app.services.serving import EXAMPLES
from serve.catalog import load_catalog


def test_the_example_catalogs_bge_m3_is_not_the_librarys_model():
    rows = _library_embeddings(load_catalog(EXAMPLES / "catalog.yaml").models)
    assert [(r["model"], r["library_model"]) for r in rows] == [("bge-m3", False)]
    assert "serve all-MiniLM-L6-v2 too" in rows[0]["note"]


def test_a_served_minilm_is_named_with_the_settings_that_use_it():
    catalog = load_catalog(EXAMPLES / "catalog.yaml")
    embedding = next(m for m in catalog.models if m.role == "embeddings")
    minilm = embedding.model_copy(update={"name": "minilm", "source": "sentence-transformers/all-MiniLM-L6-v2"})
    [row] = _library_embeddings([minilm])
    assert row["library_model"] and "CHEMASSIST_EMBEDDING_MODEL=minilm" in row["note"]


def test_a_catalog_without_embeddings_leaves_the_library_on_the_cpu():
    chat_only = [m for m in load_catalog(EXAMPLES / "catalog.yaml").models if m.role != "embeddings"]
    assert "embeds with all-MiniLM-L6-v2 on the app's CPU" in _library_embeddings(chat_only)[0]["note"]
