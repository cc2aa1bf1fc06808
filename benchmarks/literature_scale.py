"""Search at 10k-500k chunks on a real LiteratureStore (Milvus Lite file, synthetic vectors and text): the
in-process exact dense path (numpy snapshot + one Milvus query for the hits' text) against Milvus Lite with the
chosen index (IVF_FLAT) and against raw numpy exact search on the same matrix, all in one run; plus the
float16 snapshot, a filtered search, and keyword (BM25) and hybrid (dense + BM25, RRF) search in process
(the snapshot's BM25 index, the default path) and in Milvus, with the overlap of their top 10.

    .venv/bin/python benchmarks/literature_scale.py [--sizes 10000,100000] [--queries 100] [--out scale]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
from literature_report import MACHINE, RESULTS, write_markdown

from tools.literature import Chunk, DocumentMeta, LiteratureStore, SearchFilters
from tools.literature.bm25 import BM25Index

DIM = 384
PER_DOC = 10
VOCAB = 20_000
WORDS_PER_CHUNK = 60
BASELINE = "raw numpy exact (baseline: float32 matrix, top-10 ids only, no filters)"


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, q))


def load() -> float:
    return os.getloadavg()[0]


def clustered(n: int, centers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors around 200 topics plus noise, closer to text embeddings than uniform noise."""
    x = centers[rng.integers(0, len(centers), size=n)] + 0.6 * rng.normal(size=(n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def build_library(
    store: LiteratureStore, n: int, rng: np.random.Generator, centers: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """n chunks in n / 10 documents with Zipf-distributed words (so BM25 has realistic postings); rows go
    in through the store's own row builder, in batches, without the per-document delete of add_document."""
    vocab = [f"w{i}" for i in range(VOCAB)]
    p = 1 / np.arange(1, VOCAB + 1)
    p /= p.sum()
    vectors = clustered(n, centers, rng)
    rows, texts = [], []
    for d in range(n // PER_DOC):
        meta = DocumentMeta(
            document_id=f"doc{d}",
            title=f"Synthetic paper {d}",
            year=1990 + d % 35,
            source=("arXiv", "ChemRxiv", "Journal of Synthetic Results")[d % 3],
            tags=[f"topic{d % 7}"],
            visibility="private" if d % 10 == 0 else "lab",
            owner="alice" if d % 20 == 0 else "",
        )
        words = rng.choice(VOCAB, size=(PER_DOC, WORDS_PER_CHUNK), p=p)
        for i in range(PER_DOC):
            text = " ".join(vocab[j] for j in words[i])
            texts.append(text)
            chunk = Chunk(
                chunk_id=f"doc{d}#{i}", document_id=meta.document_id, page=1, char_start=0, char_end=0, text=text
            )
            rows.append(store._chunk_row(meta, chunk, vectors[d * PER_DOC + i]))
        if len(rows) >= 5000:
            store.client.insert(store.chunks_name, rows)
            rows = []
    if rows:
        store.client.insert(store.chunks_name, rows)
    store.client.flush(store.chunks_name)
    return vectors, texts


def vocab_queries(n: int, rng: np.random.Generator) -> list[str]:
    """Three mid-frequency words, as a keyword query would have."""
    return [" ".join(f"w{j}" for j in rng.integers(50, 2000, size=3)) for _ in range(n)]


def interleaved(
    runs: dict, pairs: list[tuple[str, np.ndarray]], warmup: int = 3
) -> tuple[dict[str, dict], dict[str, list]]:
    """Every method on every query, in an order that rotates per query, so that load spikes on the shared
    machine hit all methods alike. Vector methods get the vector, keyword methods the (text, vector) pair."""
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    got: dict[str, list] = {name: [] for name in names}
    for i, (text, vector) in enumerate(pairs[:warmup] + pairs):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            fn, truth = runs[name]
            arg = vector if truth is not None else (text, vector)
            t0 = time.perf_counter()
            out = fn(arg)
            if i >= warmup:
                times[name].append(time.perf_counter() - t0)
                got[name].append(out)
    methods = {}
    for name in names:
        methods[name] = _stats(times[name])
        truth = runs[name][1]
        if truth is not None and name != BASELINE:
            methods[name]["recall@10"] = recall(got[name], truth)
    return methods, got


def recall(results: list[list[str]], truth: list[list[str]]) -> float:
    return float(np.mean([len(set(r) & set(t)) / len(t) for r, t in zip(results, truth, strict=True)]))


def overlap(ours: list[list[str]], theirs: list[list[str]]) -> float:
    """Mean share of common ids in two top-k lists (1.0 where both are empty)."""
    shares = [len(set(a) & set(b)) / max(len(a), len(b)) if a or b else 1.0 for a, b in zip(ours, theirs, strict=True)]
    return float(np.mean(shares))


def _same_scores(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> bool:
    a, b = [s for _, s in ours], [s for _, s in theirs]
    return len(a) == len(b) and bool(np.allclose(a, b, rtol=1e-4, atol=1e-6))


def measure(n: int, n_queries: int, tmp: Path, keyword: bool) -> dict:
    rng = np.random.default_rng(n)
    centers = rng.normal(size=(200, DIM)).astype(np.float32)
    row = {"n": n, "load_avg_1min_start": load(), "time_start": datetime.now().isoformat(timespec="seconds")}
    store = LiteratureStore(tmp / f"scale_{n}.db", in_process_max_chunks=10**7)  # measure past the threshold
    t0 = time.perf_counter()
    vectors, texts = build_library(store, n, rng, centers)
    row["build_library_s"] = time.perf_counter() - t0
    ids = np.asarray([f"doc{i // PER_DOC}#{i % PER_DOC}" for i in range(n)], dtype=object)
    queries = clustered(n_queries, centers, rng)
    k = 10

    def numpy_exact(q: np.ndarray) -> list[str]:
        s = vectors @ q
        top = np.argpartition(-s, k)[:k]
        return list(ids[top[np.argsort(-s[top])]])

    truth = [numpy_exact(q) for q in queries]
    t0 = time.perf_counter()
    snapshot = store.dense_snapshot(wait=True)
    row["snapshot_load_s"] = time.perf_counter() - t0
    row["snapshot_mb"] = snapshot.nbytes / 2**20
    row["snapshot_bm25_mb"] = snapshot.keywords.nbytes / 2**20
    row["snapshot_bm25_terms"] = len(snapshot.keywords.vocabulary)
    t0 = time.perf_counter()
    BM25Index.empty().with_changes(slice(None), [texts])
    row["bm25_index_build_s"] = time.perf_counter() - t0  # part of snapshot_load_s (besides reading the texts)
    everything = SearchFilters(include_private=True)  # no filter at all, like the baseline

    def ours(q):
        return [h.chunk_id for h in store.search_dense(q, k, everything)]

    def milvus(q):
        return [h.chunk_id for h in store._search_dense_milvus(q, k, everything)]

    def snapshot_only(q):
        return [i for i, _ in snapshot.search(q, k, everything)]

    half = dataclasses.replace(snapshot, matrix=snapshot.matrix.astype(np.float16))

    def snapshot_half(q):
        return [i for i, _ in half.search(q, k, everything)]

    # Lab-wide documents only (the default) and visibility are in every search; this adds year and viewer.
    filters = SearchFilters(year_from=2005, viewer="alice")
    doc = np.arange(n) // PER_DOC  # the rule build_library wrote: private every 10th, alice's every 20th
    allowed = (1990 + doc % 35 >= 2005) & ((doc % 10 != 0) | (doc % 20 == 0))

    def numpy_filtered(q):
        s = np.where(allowed, vectors @ q, -np.inf)
        top = np.argpartition(-s, k)[:k]
        return list(ids[top[np.argsort(-s[top])]])

    def ours_filtered(q):
        return [h.chunk_id for h in store.search_dense(q, k, filters)]

    truth_filtered = [numpy_filtered(q) for q in queries]
    nprobe = store._dense_params(k)["params"]
    runs = {
        BASELINE: (numpy_exact, truth),
        "in-process exact, float32 (our path: snapshot + hit text from Milvus)": (ours, truth),
        "in-process exact, ranking only (snapshot.search, no hit text)": (snapshot_only, truth),
        "in-process exact, float16 snapshot, ranking only (torch matvec)": (snapshot_half, truth),
        f"Milvus Lite {store.index_type} {nprobe} (chosen index)": (milvus, truth),
        "in-process exact with filters (year >= 2005, viewer alice)": (ours_filtered, truth_filtered),
    }
    pairs = list(zip(vocab_queries(n_queries, rng), queries, strict=True))

    def ids_of(hits: list, sign: float = 1.0) -> list[tuple[str, float]]:
        return [(h.chunk_id, sign * h.score) for h in hits]  # Milvus' BM25 distance is the negated score

    runs["in-process BM25 keyword (3-word queries; our path)"] = (lambda p: ids_of(store.search_keyword(p[0], k)), None)
    runs["in-process hybrid (exact dense + BM25, RRF, 50 candidates each; our default path)"] = (
        lambda p: ids_of(store.search_hybrid(p[0], p[1], k)),
        None,
    )
    runs["in-process hybrid, ranking only (snapshot.search_hybrid, no hit text)"] = (
        lambda p: snapshot.search_hybrid(p[0], p[1], k, None, 50, 60),
        None,
    )
    if keyword:
        runs["Milvus BM25 keyword (3-word queries)"] = (
            lambda p: ids_of(store._search_keyword_milvus(p[0], k), -1.0),
            None,
        )
        runs["Milvus hybrid (dense IVF_FLAT + BM25, RRF, 50 candidates each)"] = (
            lambda p: ids_of(store._search_hybrid_milvus(p[0], p[1], k)),
            None,
        )
    methods, got = interleaved(runs, pairs)
    if keyword:
        for ours_name, theirs in (
            ("in-process BM25 keyword (3-word queries; our path)", "Milvus BM25 keyword (3-word queries)"),
            (
                "in-process hybrid (exact dense + BM25, RRF, 50 candidates each; our default path)",
                "Milvus hybrid (dense IVF_FLAT + BM25, RRF, 50 candidates each)",
            ),
        ):
            ours_got, theirs_got = got[ours_name], got[theirs]
            methods[ours_name]["top10_overlap_with_milvus"] = overlap(
                [[i for i, _ in r] for r in ours_got], [[i for i, _ in r] for r in theirs_got]
            )
            # Synthetic chunks all have 60 words, so many BM25 scores tie and either side may pick any of the
            # tied ids; the scores of the top 10 show whether the ranking agrees up to ties.
            methods[ours_name]["top10_scores_equal_to_milvus"] = float(
                np.mean([_same_scores(a, b) for a, b in zip(ours_got, theirs_got, strict=True)])
            )
    row["filtered_share_of_chunks"] = float(allowed.mean())
    store.close()
    row["methods"] = methods
    row["load_avg_1min_end"] = load()
    print(json.dumps(row, indent=2), flush=True)
    return row


def _stats(times: list[float]) -> dict:
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--keyword-max", type=int, default=100_000, help="measure BM25 / hybrid up to this size")
    ap.add_argument("--out", default="scale", help="results/literature_<out>.json")
    args = ap.parse_args()
    out = RESULTS / f"literature_{args.out}.json"
    result = json.loads(out.read_text()) if out.exists() else {}
    rows = {r["n"]: r for r in result.get("rows", [])}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            rows[n] = measure(n, args.queries, Path(tmp), keyword=n <= args.keyword_max)
            rows[n]["date"] = date.today().isoformat()
            result = {"machine": MACHINE, "k": 10, "rows": [rows[m] for m in sorted(rows)]}
            out.write_text(json.dumps(result, indent=2) + "\n")  # after each size: 500k takes long
    print(write_markdown())


if __name__ == "__main__":
    main()
