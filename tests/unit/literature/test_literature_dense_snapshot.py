"""The in-process dense snapshot without Milvus: exact ranking, filter masks, and changes from writes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tools.literature import SearchFilters
from tools.literature.dense import DenseRows, DenseSnapshot, like_pattern


def rows(doc: str, vectors: list[list[float]], **fields) -> DenseRows:
    n = len(vectors)
    return DenseRows(
        ids=[f"{doc}#{i}" for i in range(n)],
        vectors=np.asarray(vectors, dtype=np.float32),
        document_ids=[doc] * n,
        years=[fields.get("year", 2020)] * n,
        sources=[fields.get("source", "arXiv")] * n,
        tags=[tuple(fields.get("tags", ()))] * n,
        visibility=[fields.get("visibility", "lab")] * n,
        owners=[fields.get("owner", "")] * n,
    )


def library() -> DenseSnapshot:
    return DenseSnapshot.build(
        [
            rows("a", [[1, 0, 0], [0.9, 0.1, 0]], year=2001, source="Journal of Catalysis", tags=["cat"]),
            rows("b", [[0, 1, 0]], year=0, source="arXiv"),
            rows("c", [[0.8, 0, 0.2]], visibility="private", owner="alice"),
        ],
        dim=3,
    )


def test_search_ranks_every_allowed_chunk_by_cosine() -> None:
    hits = library().search(np.array([2.0, 0, 0]), k=10, filters=SearchFilters(include_private=True))

    assert [chunk for chunk, _ in hits] == ["a#0", "a#1", "c#0", "b#0"]


def test_private_chunks_only_for_their_owner_and_year_to_skips_unknown_years() -> None:
    snap = library()
    query = np.array([1.0, 0, 0])

    def docs(**filters) -> set[str]:
        return {chunk.split("#")[0] for chunk, _ in snap.search(query, 10, SearchFilters(**filters))}

    assert (docs(), docs(viewer="alice"), docs(year_to=2030), docs(sources=["Catalysis"]), docs(tags=["cat"])) == (
        {"a", "b"},
        {"a", "b", "c"},
        {"a"},
        {"a"},
        {"a"},
    )


def test_changes_replace_a_document_and_drop_a_deleted_one() -> None:
    snap = library().with_changes({"a", "b"}, [rows("a", [[0, 0, 1]])], generation=1)

    hits = snap.search(np.array([0, 0, 1.0]), k=10, filters=SearchFilters(include_private=True))

    assert ([c for c, _ in hits], snap.generation) == (["a#0", "c#0"], 1)


def test_like_pattern_follows_sql_wildcards() -> None:
    pattern = like_pattern("%Chem_Rxiv%")

    assert [bool(pattern.fullmatch(s)) for s in ("ChemRxiv", "Chem-Rxiv 2025", "chemrxiv")] == [False, True, False]


def test_hybrid_fuses_dense_and_keyword_ranks_like_milvus_rrf() -> None:
    snap = DenseSnapshot.build(
        [
            rows("a", [[1, 0, 0]]),
            dataclasses.replace(rows("b", [[0, 1, 0]]), texts=["Cs2AgF4 magnetic order"]),
            dataclasses.replace(rows("c", [[0.7, 0.7, 0]]), texts=["magnetic order"]),
        ],
        dim=3,
    )

    fused = snap.search_hybrid("Cs2AgF4", np.array([1.0, 0, 0]), k=3, filters=None, candidates=50, rrf_k=60)

    # dense ranks a, c, b; BM25 finds only b: b = 1/63 + 1/61 beats a = 1/61, then c = 1/62.
    assert fused == [("b#0", pytest.approx(1 / 63 + 1 / 61)), ("a#0", 1 / 61), ("c#0", 1 / 62)]
