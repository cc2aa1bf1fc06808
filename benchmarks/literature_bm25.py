"""The in-process keyword leg: ours (tools/literature/bm25.py) and bm25s, each against Milvus Lite's own BM25
function on the demo library's chunks (the baseline, same run): top-10 overlap and score agreement on the demo
queries (record titles and the hand-written questions), query time; then index build, one change (ingest or
delete) and query time on the demo chunks repeated to about 10,000 rows.

    nice -n 10 .venv/bin/python benchmarks/literature_bm25.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from functools import partial
from pathlib import Path

import bm25s
import numpy as np
from literature_report import MACHINE, RESULTS
from literature_search import QUESTIONS

from tools.literature.bm25 import K1, B, BM25Index, tokenize
from tools.literature.chunking import chunk_document
from tools.literature.demo import DEMO_FILES
from tools.literature.readers import read_path
from tools.literature.store import bm25_reference

TOP = 10


def demo_chunks() -> list[str]:
    texts = []
    for path in DEMO_FILES:
        for doc in read_path(path):
            texts.extend(c.text for c in chunk_document(doc))
    return texts


def top(scores: np.ndarray, k: int = TOP) -> list[int]:
    order = np.lexsort((np.arange(len(scores)), -scores))  # best first, ties by row as Milvus
    return [int(i) for i in order[:k] if scores[i] > 0]


def timed(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


class Bm25s:
    """bm25s over the same tokens, as the in-process index would use it: a change re-indexes every row (from the
    kept tokens, not the texts)."""

    def __init__(self, texts: list[str], tokens: list[list[str]] | None = None):
        self.tokens = tokens if tokens is not None else [tokenize(t) for t in texts]
        self.retriever = bm25s.BM25(method="lucene", k1=K1, b=B)
        self.retriever.index(self.tokens, show_progress=False)

    def with_changes(self, added: list[str]) -> Bm25s:
        return Bm25s([], self.tokens + [tokenize(t) for t in added])

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self.retriever.vocab_dict]
        if not tokens:
            return np.zeros(len(self.tokens), np.float32)
        return self.retriever.get_scores(tokens) * (K1 + 1)  # Okapi's constant, left out by the Lucene variant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = demo_chunks()
    titles = [d.meta.title for d in read_path(DEMO_FILES[0])]
    queries = titles + [q for q, _ in QUESTIONS]
    big = texts * max(1, round(10_000 / len(texts)))
    builders = {"ours": lambda rows: BM25Index.empty().with_changes(slice(None), [rows]), "bm25s": Bm25s}
    result: dict = {
        "date": str(date(2026, 12, 5)),
        "machine": MACHINE + " (shared with other jobs)",
        "chunks": len(texts),
        "queries": len(queries),
        "baseline": "Milvus Lite BM25 function (standard analyzer, sealed segment), same run",
        "rows_10k": len(big),
    }
    indexes = {name: build(texts) for name, build in builders.items()}
    with tempfile.TemporaryDirectory() as tmp:
        client = bm25_reference(Path(tmp) / "bm25.db", texts)
        overlap: dict[str, list[float]] = {name: [] for name in builders}
        worst = dict.fromkeys(builders, 0.0)
        times: dict[str, list[float]] = {name: [] for name in [*builders, "milvus"]}
        for query in queries:
            t0 = time.perf_counter()
            [hits] = client.search(
                "chunks", data=[query], anns_field="content_sparse", limit=TOP, search_params={"metric_type": "BM25"}
            )
            times["milvus"].append(time.perf_counter() - t0)
            milvus_top = [int(h["id"]) for h in hits]
            for name, index in indexes.items():
                took, scores = timed(partial(index.scores, query), args.repeat)
                times[name].append(took)
                overlap[name].append(len(set(top(scores)) & set(milvus_top)) / max(1, len(milvus_top)))
                for h in hits:
                    want = -float(h["distance"])
                    worst[name] = max(worst[name], abs(float(scores[int(h["id"])]) - want) / max(abs(want), 1e-9))
        client.close()
    result["top10_overlap_with_milvus_mean"] = {k: statistics.fmean(v) for k, v in overlap.items()}
    result["top10_identical_to_milvus_share"] = {k: sum(x == 1.0 for x in v) / len(v) for k, v in overlap.items()}
    result["max_relative_score_difference_to_milvus"] = worst
    result["query_ms_median_demo"] = {k: 1000 * statistics.median(v) for k, v in times.items()}
    result["query_speed_vs_milvus"] = {
        k: result["query_ms_median_demo"]["milvus"] / result["query_ms_median_demo"][k] for k in builders
    }
    for name, build in builders.items():
        build_s, index = timed(partial(build, big), 1)
        if name == "ours":
            change_s, _ = timed(partial(index.with_changes, slice(None), [[texts[0]]]), args.repeat)
        else:
            change_s, _ = timed(partial(index.with_changes, [texts[0]]), args.repeat)
        query_s = statistics.median(timed(partial(index.scores, q), args.repeat)[0] for q in queries[:50])
        result.setdefault("build_s_10k", {})[name] = build_s
        result.setdefault("one_change_s_10k", {})[name] = change_s
        result.setdefault("query_ms_median_10k", {})[name] = 1000 * query_s
    result["one_change_ratio_bm25s_over_ours"] = (
        result["one_change_s_10k"]["bm25s"] / result["one_change_s_10k"]["ours"]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "literature_bm25.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
