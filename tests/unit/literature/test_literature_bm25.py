"""The in-process BM25 index: the tokenizer, Okapi scores worked out by hand and equal to Milvus Lite's own BM25 on
the same corpus, and changes."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import bm25s
import numpy as np
import pytest
from pymilvus import MilvusClient

from tools.literature.bm25 import BM25Index, tokenize
from tools.literature.store import bm25_reference

DOCS = ["gold gold citrate nanoparticles", "gold film", "zeolite membrane for ethanol water"]

# Okapi BM25 with the parameters Milvus Lite 3.2 computes with (its documentation says k1 = 1.2; the comparison with
# Milvus below is what pins them), written out here rather than read from the module under test.
MILVUS_K1 = 1.5
MILVUS_B = 0.75


def bm25(tf: int, df: int, dl: int, n: int = 3, avgdl: float = (4 + 2 + 5) / 3) -> float:
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (MILVUS_K1 + 1) / (tf + MILVUS_K1 * (1 - MILVUS_B + MILVUS_B * dl / avgdl))


def test_tokens_are_lowercased_word_runs_like_milvus_standard_analyzer() -> None:
    assert tokenize("Cs2AgF4 orders below T_C=13.95(3) K; can't ZSM-5 " + "x" * 40) == [
        "cs2agf4",
        "orders",
        "below",
        "t_c",
        "13",
        "95",
        "3",
        "k",
        "can",
        "t",
        "zsm",
        "5",
    ]


def test_scores_are_okapi_bm25_worked_out_by_hand() -> None:
    index = BM25Index.empty().with_changes(slice(None), [DOCS])

    scores = index.scores("Gold citrate")

    # "gold": df 2, twice in doc 0 (4 tokens) and once in doc 1 (2 tokens); "citrate": df 1, doc 0 only.
    expected = [bm25(2, 2, 4) + bm25(1, 1, 4), bm25(1, 2, 2), 0.0]
    assert scores == pytest.approx(expected, rel=1e-6)


def test_a_repeated_query_term_counts_twice() -> None:
    index = BM25Index.empty().with_changes(slice(None), [DOCS])

    assert index.scores("film film")[1] == pytest.approx(2 * index.scores("film")[1])


def test_changes_drop_rows_and_add_new_terms() -> None:
    index = BM25Index.empty().with_changes(slice(None), [DOCS])

    changed = index.with_changes(np.array([False, True, True]), [["perovskite gold"]])

    assert len(changed) == 3
    assert changed.scores("perovskite").nonzero()[0].tolist() == [2]
    assert changed.scores("citrate").tolist() == [0.0, 0.0, 0.0]
    assert changed.scores("gold")[0] == pytest.approx(bm25(1, 2, 2, n=3, avgdl=(2 + 5 + 2) / 3))


def test_a_filter_masks_rows_but_keeps_the_statistics_of_all_rows() -> None:
    index = BM25Index.empty().with_changes(slice(None), [DOCS])

    scores = index.scores("gold", mask=np.array([True, False, True]))

    assert scores.tolist() == pytest.approx([bm25(2, 2, 4), 0.0, 0.0], rel=1e-6)


# Lengths, repeats, punctuation and case vary, so that k1, b, the idf and the tokenizer all move the scores.
CORPUS = [
    *DOCS,
    "Citrate-capped gold nanoparticles were grown from HAuCl4 with sodium citrate at 100 C; the gold sols were red.",
    "A polyimide membrane separates ethanol from water by pervaporation.",
    "Silver nanoparticles, not gold: citrate reduction of AgNO3.",
    "ZSM-5 zeolite (Si/Al = 40) converts ethanol to ethylene at 300 C.",
]
QUERIES = ["gold citrate", "ethanol water membrane", "nanoparticles", "gold gold film", "ZSM-5 zeolite", "HAuCl4"]


@pytest.fixture(scope="module")
def milvus_bm25(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusClient]:
    """CORPUS in a Milvus Lite collection with Milvus' BM25 function, declared as the library store declares it."""
    client = bm25_reference(Path(tmp_path_factory.mktemp("milvus")) / "bm25.db", CORPUS)
    yield client
    client.close()


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_milvus_lite_bm25_on_the_same_corpus(milvus_bm25: MilvusClient, query: str) -> None:
    [hits] = milvus_bm25.search(
        "chunks", data=[query], anns_field="content_sparse", limit=len(CORPUS), search_params={"metric_type": "BM25"}
    )
    milvus_scores = np.zeros(len(CORPUS))
    for hit in hits:
        milvus_scores[hit["id"]] = -hit["distance"]  # Milvus returns the negated score as the distance
    assert milvus_scores.any()  # the query matches something, so the comparison says something

    scores = BM25Index.empty().with_changes(slice(None), [CORPUS]).scores(query)

    assert scores == pytest.approx(milvus_scores, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_bm25s_lucene_scores_times_k1_plus_1(query: str) -> None:
    """bm25s (an independent implementation) with Milvus' k1 and b gives the same ranking and, times Okapi's
    constant (k1 + 1) that its Lucene variant leaves out, the same scores."""
    retriever = bm25s.BM25(method="lucene", k1=MILVUS_K1, b=MILVUS_B)
    retriever.index([tokenize(text) for text in CORPUS], show_progress=False)
    expected = retriever.get_scores(tokenize(query)) * (MILVUS_K1 + 1)

    scores = BM25Index.empty().with_changes(slice(None), [CORPUS]).scores(query)

    assert scores == pytest.approx(expected, rel=1e-5, abs=1e-6)
