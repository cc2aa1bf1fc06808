"""The in-process BM25 index without Milvus: the tokenizer, Okapi scores worked out by hand, and changes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.literature.bm25 import K1, B, BM25Index, tokenize

DOCS = ["gold gold citrate nanoparticles", "gold film", "zeolite membrane for ethanol water"]


def bm25(tf: int, df: int, dl: int, n: int = 3, avgdl: float = (4 + 2 + 5) / 3) -> float:
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))


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
