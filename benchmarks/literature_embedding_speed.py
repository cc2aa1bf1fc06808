"""Embedding speed on the CPU: today's path (sentence-transformers on torch) vs ONNX Runtime (fp32 and int8)
on the same demo-library passages, interleaved round by round in one run (the machine is shared; medians
and the load average are reported), plus the vectors' cosine agreement with torch's and dense recall@5 of
the search benchmark's query sets with each embedder (exact numpy search over the same passages).

    .venv/bin/python benchmarks/literature_embedding_speed.py [--rounds 5] [--passages 0 (all)] [--queries 80]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date

import numpy as np
import torch
from literature_report import MACHINE, RESULTS
from literature_search import query_sets

from tools.literature import chunk_document, read_path
from tools.literature.demo import DEMO_FILES
from tools.literature.embedding import Embedder
from tools.literature.onnx_embedding import OnnxEmbedder


def passages(limit: int) -> tuple[list[str], list[str]]:
    docs = [d for f in DEMO_FILES for d in read_path(f)]
    chunks = [c for d in docs for c in chunk_document(d)]
    chunks = chunks[:limit] if limit else chunks
    return [c.text for c in chunks], [c.document_id for c in chunks]


def recall_at_5(embedder: Embedder, matrix: np.ndarray, owners: list[str], sets: dict) -> dict[str, float]:
    out = {}
    for name, queries in sets.items():
        vecs = embedder.encode([q for q, _ in queries])
        hits = 0
        for v, (_, doc_id) in zip(vecs, queries, strict=True):
            scores = matrix @ v
            top = np.argpartition(-scores, 5)[:5]
            hits += doc_id in {owners[i] for i in top}
        out[name] = hits / len(queries)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5, help="slices of the passages, each run by every path")
    ap.add_argument("--passages", type=int, default=0, help="first N demo passages (0: all)")
    ap.add_argument("--queries", type=int, default=80)
    args = ap.parse_args()
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)

    texts, owners = passages(args.passages)
    paths: dict[str, Embedder] = {
        "sentence-transformers torch (today)": Embedder(),
        "ONNX Runtime fp32": OnnxEmbedder(threads=threads),
        "ONNX Runtime int8 (dynamic, per-channel)": OnnxEmbedder(quantized=True, threads=threads),
    }
    first_use_s = {}
    for name, embedder in paths.items():  # load (and export to ONNX once per cache) before timing
        t0 = time.perf_counter()
        embedder.encode(texts[:8])
        first_use_s[name] = time.perf_counter() - t0

    slices = np.array_split(np.arange(len(texts)), args.rounds)
    rates: dict[str, list[float]] = {name: [] for name in paths}
    vectors = {name: np.zeros((len(texts), 384), dtype=np.float32) for name in paths}
    loads = []
    for rows in slices:
        batch = [texts[i] for i in rows]
        for name, embedder in paths.items():
            t0 = time.perf_counter()
            vectors[name][rows] = embedder.encode(batch)
            rates[name].append(len(batch) / (time.perf_counter() - t0))
        loads.append(os.getloadavg()[0])
        print(
            " | ".join(f"{n.split(' (')[0]} {r[-1]:.1f}/s" for n, r in rates.items()) + f" | load {loads[-1]:.1f}",
            flush=True,
        )

    baseline = "sentence-transformers torch (today)"
    sets = query_sets(args.queries, np.random.default_rng(0))
    known = set(owners)
    missing = [d for qs in sets.values() for _, d in qs if d not in known]
    assert not missing, f"query documents without passages: {missing[:3]}"
    results = {}
    for name, embedder in paths.items():
        cos = np.sum(vectors[name] * vectors[baseline], axis=1)
        median = statistics.median(rates[name])
        results[name] = {
            "fingerprint": embedder.fingerprint,
            "passages_per_s_median": median,
            "passages_per_s_rounds": rates[name],
            "ratio_to_today": median / statistics.median(rates[baseline]),
            "first_use_s": first_use_s[name],
            "cosine_to_torch_min": float(cos.min()),
            "cosine_to_torch_mean": float(cos.mean()),
            "cosine_to_torch_p1": float(np.percentile(cos, 1)),
            "dense_recall@5": recall_at_5(embedder, vectors[name], owners, sets),
        }
    result = {
        "date": date.today().isoformat(),
        "machine": MACHINE,
        "threads": threads,
        "passages": len(texts),
        "mean_passage_chars": round(sum(map(len, texts)) / len(texts)),
        "rounds": args.rounds,
        "load_avg_1min_per_round": loads,
        "load_avg_1min_median": statistics.median(loads),
        "recall_note": "Exact numpy dense search over these passages (no BM25 leg); hit = a top-5 passage is "
        "from the query's record. Query sets as in benchmarks/literature_search.py (seed 0).",
        "paths": results,
    }
    (RESULTS / "literature_embedding_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    for name, r in results.items():
        recall = ", ".join(f"{v:.3f}" for v in r["dense_recall@5"].values())
        print(
            f"{name}: {r['passages_per_s_median']:.1f} passages/s (x{r['ratio_to_today']:.2f} today), cosine to "
            f"torch min {r['cosine_to_torch_min']:.4f} mean {r['cosine_to_torch_mean']:.4f}, recall@5 {recall}"
        )
    print(f"load average (1 min) median {result['load_avg_1min_median']:.1f} over {args.rounds} rounds")


if __name__ == "__main__":
    main()
