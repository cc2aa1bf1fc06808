"""Search on the demo library: Milvus hybrid (dense + BM25, RRF) vs dense-only vs keyword-only vs exact numpy
dense search, latency and recall@5; then the dense index choice (FLAT / IVF_FLAT / HNSW on Milvus Lite) on
synthetic vectors, latency and recall@10 against exact numpy search. All baselines in the same run.

    .venv/bin/python benchmarks/literature_search.py [--queries 80] [--sizes 10000,50000] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch
from literature_report import MACHINE, RESULTS, write_markdown
from pymilvus import DataType, MilvusClient

from tools.literature import DEMO_DIR, LiteratureStore, default_embedder, ingest_demo

# Hand-written questions, paraphrased (not copied) from the named record's title/abstract in
# tools/literature/demo/records.jsonl; the answer is in that record (2026-11-25).
QUESTIONS = [
    (
        "How long should cocoyam flour be fermented to change its nutrients and antinutrients?",
        "doi:10.26434/chemrxiv-2025-hzxjv",
    ),
    (
        "Why do the ionomers in alkaline membrane water electrolysers degrade, seen with operando X-ray imaging?",
        "doi:10.26434/chemrxiv-2025-m29wv",
    ),
    (
        "Which impurities make it hard to recycle black mass from spent lithium-ion batteries?",
        "doi:10.26434/chemrxiv-2025-bqzl2",
    ),
    (
        "Can doped tin oxide nanoparticles replace carbon additives in fluoride-ion battery cathodes?",
        "doi:10.26434/chemrxiv-2025-0mhwm",
    ),
    (
        "What mechanism governs the hydrogenation of carbon dioxide to methanol and ethanol type products?",
        "doi:10.26434/chemrxiv-2025-pxps4-v2",
    ),
    ("How does mixing two anions change a surface-active ionic liquid?", "doi:10.26434/chemrxiv-2024-rq2ls-v2"),
    ("Can layered perovskites with mixed halides emit ultraviolet light in LEDs?", "doi:10.26434/chemrxiv-2024-lhpg8"),
    ("Do crops grown with compost from waste dumps take up heavy metals?", "doi:10.26434/chemrxiv-2024-3n8wx-v4"),
    (
        "How can polyester and nylon scraps from clothing manufacture become biodegradable composites?",
        "doi:10.26434/chemrxiv-2025-2mc0h",
    ),
    (
        "How can a graph neural network handle molecules with several resonance structures?",
        "doi:10.26434/chemrxiv-2025-qgfxp",
    ),
    ("Below what temperature does the silver fluoride high-Tc analogue order magnetically?", "arxiv:0704.0604"),
    (
        "Can reinforcement learning design linkers for targeted protein degraders in 3D?",
        "doi:10.26434/chemrxiv-2023-j740w",
    ),
    ("Is the first carbon layer on silicon carbide bonded covalently to the substrate?", "arxiv:0704.0216"),
    ("Can a COF made from hexaazatriphenylene serve as a battery cathode?", "doi:10.26434/chemrxiv-2025-xf4bl"),
    ("Has China overtaken the United States in discovering new chemicals?", "doi:10.26434/chemrxiv-2025-d2zc8"),
    ("How do thermal fluctuations affect the buckling force of a stiff worm-like chain?", "arxiv:0704.2138"),
    ("What furfural yield can be extracted from sugarcane bagasse?", "doi:10.26434/chemrxiv-2025-7bwqn"),
    (
        "How can accurate mass data in chemistry papers be checked automatically?",
        "doi:10.26434/chemrxiv-2025-gwdd6#doc10",
    ),
    ("At what temperature does the cerium silver germanide crystal order antiferromagnetically?", "arxiv:0704.0119"),
    ("How does the fractal dimension of domain walls behave in two-dimensional spin glasses?", "arxiv:0704.2004"),
]

STOP = {"a", "an", "and", "of", "the", "in", "on", "for", "to", "with", "by", "from", "via", "at", "as", "is"}


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, q))


def query_sets(n: int, rng: np.random.Generator) -> dict[str, list[tuple[str, str]]]:
    """(query, relevant document id). Titles as typed; abstract sentences with 40% of words dropped."""
    recs = [json.loads(line) for line in (DEMO_DIR / "records.jsonl").read_text().splitlines()]
    titles = [(r["title"], r["id"]) for r in recs]
    partial = []
    for r in recs:
        sents = re.split(r"(?<=[.!?])\s+", r.get("abstract") or "")
        if len(sents) >= 2 and len(sents[1].split()) >= 8:
            words = sents[1].split()
            keep = sorted(rng.choice(len(words), size=int(len(words) * 0.6), replace=False))
            partial.append((" ".join(words[i] for i in keep), r["id"]))
    pick = lambda xs: [xs[i] for i in rng.choice(len(xs), size=min(n, len(xs)), replace=False)]  # noqa: E731
    return {
        "title": pick(titles),
        "abstract sentence, 40% words dropped": pick(partial),
        "hand-written questions": list(QUESTIONS),
    }


def demo_library(args: argparse.Namespace, tmp: Path) -> dict:
    embedder = default_embedder()
    store = LiteratureStore(tmp / "demo.db")
    t0 = time.perf_counter()
    report = ingest_demo(store, embedder=embedder)
    ingest_s = time.perf_counter() - t0
    store.dense_snapshot(wait=True)  # load the in-process snapshot before timing
    rows = store.client.query(store.chunks_name, filter="", output_fields=["document_id", "embedding"], limit=16_384)
    matrix = np.asarray([r["embedding"] for r in rows], dtype=np.float32)
    owners = [r["document_id"] for r in rows]
    sets = query_sets(args.queries, np.random.default_rng(0))
    methods: dict[str, dict] = {}
    encode_times = []
    for set_name, queries in sets.items():
        vecs = []
        for q, _ in queries:
            t0 = time.perf_counter()
            vecs.append(embedder.encode_one(q))
            encode_times.append(time.perf_counter() - t0)

        def numpy_exact(q: str, v: np.ndarray) -> list[str]:
            scores = matrix @ v
            top = np.argpartition(-scores, 5)[:5]
            return [owners[i] for i in top[np.argsort(-scores[top])]]

        runners = {
            "Milvus hybrid (dense + BM25, RRF)": lambda q, v: [h.document_id for h in store.search_hybrid(q, v, 5)],
            "Milvus dense (IVF_FLAT, all lists probed below 10k chunks = exact)": lambda q, v: [
                h.document_id for h in store._search_dense_milvus(v, 5)
            ],
            "in-process exact dense (store.search_dense: numpy snapshot + hit text from Milvus)": lambda q, v: [
                h.document_id for h in store.search_dense(v, 5)
            ],
            "Milvus keyword (BM25)": lambda q, v: [h.document_id for h in store.search_keyword(q, 5)],
            "numpy exact dense": numpy_exact,
        }
        for name, run in runners.items():
            m = methods.setdefault(name, {"times": [], "recall@5": {}})
            hits = 0
            for (q, doc_id), v in zip(queries, vecs, strict=True):
                t0 = time.perf_counter()
                ids = run(q, v)
                m["times"].append(time.perf_counter() - t0)
                hits += doc_id in ids
            m["recall@5"][set_name] = hits / len(queries)
    n_chunks, n_docs = store.count_chunks(), store.count_documents()
    store.close()
    for m in methods.values():
        times = m.pop("times")
        m["p50_ms"], m["p95_ms"] = pct(times, 50), pct(times, 95)
    return {
        "chunks": n_chunks,
        "documents": n_docs,
        "demo_ingest_s": ingest_s,
        "demo_ingest_chunks": report.chunks,
        "n_queries": args.queries,
        "query_sets": list(sets),
        "query_encode_ms_p50": pct(encode_times, 50),
        "query_note": "Title queries are the record's title as typed; the second set takes the 2nd abstract "
        "sentence and drops 40% of its words (seeded); the third is 20 hand-written paraphrased questions "
        "(QUESTIONS in the script). Hit = any of the top-5 passages is from the record. The first two sets "
        "copy the record's words, which favours BM25.",
        "methods": methods,
    }


def synthetic(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Clustered unit vectors (200 topics + noise), closer to text embeddings than uniform noise."""
    centers = rng.normal(size=(200, dim)).astype(np.float32)
    x = centers[rng.integers(0, 200, size=n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def index_choice(sizes: list[int], tmp: Path, n_queries: int = 100) -> dict:
    rng = np.random.default_rng(1)
    rows = []
    for n in sizes:
        data = synthetic(n + n_queries, 384, rng)
        base, queries = data[:n], data[n:]
        exact, np_times = [], []
        for q in queries:
            t0 = time.perf_counter()
            s = base @ q
            top = np.argpartition(-s, 10)[:10]
            np_times.append(time.perf_counter() - t0)
            exact.append(set(top.tolist()))
        configs = [
            ("FLAT", {}, {}),
            ("IVF_FLAT", {"nlist": 128}, {"nprobe": 16}),
            ("HNSW", {"M": 16, "efConstruction": 200}, {"ef": 64}),
        ]
        if n <= 20_000:  # the exact-search fallback for small libraries: probe every list
            configs.insert(2, ("IVF_FLAT", {"nlist": 128}, {"nprobe": 128}))
        client = MilvusClient(str(tmp / f"index_{n}.db"))
        schema = client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=384)
        client.create_collection("bench", schema=schema)
        for i in range(0, n, 5000):
            client.insert("bench", [{"id": j, "v": base[j].tolist()} for j in range(i, min(n, i + 5000))])
        client.flush("bench")
        built: str | None = None
        for index, build, search in configs:
            if built != index:
                client.release_collection("bench")
                if built:
                    client.drop_index("bench", "v")
                ip = client.prepare_index_params()
                ip.add_index("v", index_type=index, metric_type="COSINE", params=build)
                t0 = time.perf_counter()
                client.create_index("bench", ip)
                client.load_collection("bench")
                build_s = time.perf_counter() - t0
                built = index
            times, recall = [], []
            for q, truth in zip(queries, exact, strict=True):
                t0 = time.perf_counter()
                res = client.search(
                    "bench",
                    data=[q.tolist()],
                    anns_field="v",
                    limit=10,
                    search_params={"metric_type": "COSINE", "params": search},
                )
                times.append(time.perf_counter() - t0)
                recall.append(len({h["id"] for h in res[0]} & truth) / 10)
            row = {
                "n": n,
                "index": index,
                "search_params": search,
                "build_s": build_s,
                "p50_ms": pct(times, 50),
                "p95_ms": pct(times, 95),
                "recall@10": float(np.mean(recall)),
                "numpy_p50_ms": pct(np_times, 50),
            }
            rows.append(row)
            print(row)
        client.close()
    return {"date": date.today().isoformat(), "machine": MACHINE, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--queries", type=int, default=80)
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        result = {"date": date.today().isoformat(), "machine": MACHINE}
        result |= demo_library(args, Path(tmp))
        print(json.dumps(result, indent=2))
        if args.sizes:
            result["index"] = index_choice([int(s) for s in args.sizes.split(",")], Path(tmp))
        result["load_avg_1min_at_end"] = os.getloadavg()[0]
    (RESULTS / "literature_search.json").write_text(json.dumps(result, indent=2) + "\n")
    print(write_markdown())


if __name__ == "__main__":
    main()
