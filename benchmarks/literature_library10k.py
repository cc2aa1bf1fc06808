"""A 10,000-document library: build the folder, ingest it, search it, and compare with the 265-document one.

    nice -n 10 .venv/bin/python benchmarks/literature_library10k.py [--docs 10000] [--backend onnx-int8]
        [--folder DIR] [--sample 128] [--server] [--budget-s SECONDS] [--keep]

The folder (written at run time, not committed: about 40 MB): the 265 paper records of the demo library
(tools/literature/demo, CC BY 4.0 ChemRxiv and CC0 arXiv metadata, 8 with full texts), one JSON record per file,
plus synthetic distractor documents up to --docs. A distractor is SYNTHETIC: 5-7 sentences drawn at random
(seeded) from the 153 CC BY 4.0 ChemRxiv full texts in /work/shared/data/literature/fulltext (ChemRxivQuest),
recombined into an abstract; its title joins the first words of one real title to the last words of another
(unique across the folder); its id is 'synthetic:<n>', its source says 'synthetic distractor'. They are
chemistry-like text on the same topics as the real records, so they compete with them in search.

Measured in one run: ingest passages/s of the whole pipeline (read, chunk, embed with --backend, write to Milvus
Lite) beside the raw sentence-transformers (torch) encode rate on a sample of the same passages (today's
figure), and the raw rate of --backend; optionally (--server) the rate through the project's embedding server
(serve/embedding_server.py as a subprocess, OpenAI /v1/embeddings) on the same sample; a rerun of the ingest
(everything already stored: skipped by content hash); search p50/p95 at that size in this process (the
numpy/BM25 snapshot) and in Milvus Lite, hybrid and dense; peak RSS; hit@5 of the held-out questions
(benchmarks/literature_search.py) and of record titles with the distractors against the 265-document library.
The records go in first, then the distractors 500 files at a time; with --budget-s the ingest stops after the
slice that passes the budget and the rest is measured at the size reached, with the time the whole folder would
take at the measured rate (`extrapolated_full_seconds`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from literature_report import MACHINE, RESULTS
from literature_search import QUESTIONS

from tools.literature import DEMO_DIR, LiteratureStore, Retriever, ingest_paths
from tools.literature.chunking import chunk_document
from tools.literature.embedding import Embedder, local_embedder
from tools.literature.readers import read_file

ROOT = Path(__file__).resolve().parents[1]
FULLTEXTS = Path("/work/shared/data/literature/fulltext")
SYNTHETIC_SOURCE = "synthetic distractor (sentences recombined from CC BY 4.0 ChemRxiv full texts)"
SYNTHETIC_LICENSE = "CC BY 4.0 (sentences from ChemRxivQuest full texts, recombined; synthetic document)"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentence_pool(folder: Path = FULLTEXTS) -> list[str]:
    """Prose sentences of the full texts: 60-300 characters, mostly letters, no reference-list lines."""
    pool: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
        for s in _SENTENCE.split(text):
            letters = sum(c.isalpha() for c in s)
            if 60 <= len(s) <= 300 and letters > 0.75 * len(s) and not re.search(r"doi|http|et al\.|\[\d", s, re.I):
                pool.append(s)
    return pool


def write_corpus(folder: Path, n_docs: int, seed: int = 0) -> dict:
    """The demo's records (one JSON file each, full texts beside them) plus synthetic distractors up to n_docs."""
    folder.mkdir(parents=True, exist_ok=True)
    records = [json.loads(line) for line in (DEMO_DIR / "records.jsonl").read_text().splitlines() if line.strip()]
    (folder / "fulltext").mkdir(exist_ok=True)
    for i, rec in enumerate(records):
        if rec.get("fulltext_path"):
            # '.fulltext': read through its record, never picked up as a document of its own.
            name = Path(rec["fulltext_path"]).stem + ".fulltext"
            shutil.copyfile(DEMO_DIR / rec["fulltext_path"], folder / "fulltext" / name)
            rec = rec | {"fulltext_path": f"fulltext/{name}"}
        (folder / f"record_{i:05d}.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    rng = random.Random(seed)
    pool = sentence_pool()
    titles = [r["title"].split() for r in records if len(r["title"].split()) >= 4]
    seen = {r["title"] for r in records}
    n_synthetic = max(0, n_docs - len(records))
    for n in range(n_synthetic):
        while True:
            a, b = rng.sample(titles, 2)
            title = " ".join(a[: rng.randint(2, len(a) // 2 + 1)] + b[rng.randint(len(b) // 2, len(b) - 1) :])
            if title not in seen:
                seen.add(title)
                break
        abstract = " ".join(rng.sample(pool, rng.randint(5, 7)))[:800]
        rec = {
            "id": f"synthetic:{n:05d}",
            "title": title,
            "abstract": abstract,
            "year": rng.randint(2005, 2025),
            "authors": ["Synthetic Distractor"],
            "source": SYNTHETIC_SOURCE,
            "license": SYNTHETIC_LICENSE,
        }
        (folder / f"synthetic_{n:05d}.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return {"records": len(records), "synthetic": n_synthetic, "sentence_pool": len(pool)}


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, q))


def sample_passages(folder: Path, n: int, seed: int = 1) -> list[str]:
    files = sorted(folder.glob("*.json"))
    texts: list[str] = []
    for path in random.Random(seed).sample(files, min(len(files), n)):
        for doc in read_file(path).documents:
            texts.extend(ch.text for ch in chunk_document(doc))
    return texts[:n]


def encode_rate(embedder: Embedder, texts: list[str]) -> float:
    embedder.encode(texts[:8])  # load and warm up
    t0 = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - t0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_rate(texts: list[str]) -> dict:
    """Passages/s through serve/embedding_server.py (a subprocess on the same CPUs), and the vectors' agreement."""
    from tools.literature.remote_embedding import RemoteEmbedder

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "serve.embedding_server", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    remote = RemoteEmbedder(f"http://127.0.0.1:{port}/v1", concurrency=1, timeout_s=900)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                remote.encode_remote(["warm up"])
                break
            except Exception:  # noqa: BLE001 - starting
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(1)
        rate = encode_rate(remote, texts)
        return {"passages_per_s": rate}
    finally:
        remote.close()
        proc.terminate()
        proc.wait(timeout=30)


def search_stats(store: LiteratureStore, embedder: Embedder, queries: list[tuple[str, str]]) -> dict:
    """p50/p95 of hybrid and dense search, in this process (snapshot) and in Milvus Lite, on the same vectors."""
    vectors = [embedder.encode_one(q) for q, _ in queries]
    runs = {
        "in-process hybrid": lambda q, v: store.search_hybrid(q, v, 5),
        "Milvus Lite hybrid": lambda q, v: store._search_hybrid_milvus(q, v, 5),
        "in-process dense": lambda q, v: store.search_dense(v, 5),
        "Milvus Lite dense": lambda q, v: store._search_dense_milvus(v, 5),
    }
    out = {}
    for name, run in runs.items():
        times = []
        for (q, _), v in zip(queries, vectors, strict=True):
            t0 = time.perf_counter()
            run(q, v)
            times.append(time.perf_counter() - t0)
        out[name] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "n": len(times)}
    return out


def hit_at_5(store: LiteratureStore, embedder: Embedder, queries: list[tuple[str, str]]) -> float:
    retriever = Retriever(store, embedder)
    return sum(doc in {h.document_id for h in retriever.search(q, k=5)} for q, doc in queries) / len(queries)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--backend", default="onnx-int8", choices=["torch", "onnx", "onnx-int8"])
    ap.add_argument("--folder", type=Path, default=None, help="Where to write the corpus (default: a temp dir).")
    ap.add_argument("--sample", type=int, default=128, help="Passages for the raw encode-rate baselines.")
    ap.add_argument(
        "--budget-s",
        type=float,
        default=None,
        help="Stop ingesting the distractors after this long; search the documents stored by then.",
    )
    ap.add_argument("--slice", type=int, default=500, help="Files ingested per call (progress is saved per slice).")
    ap.add_argument("--titles", type=int, default=80, help="Record titles used as queries besides QUESTIONS.")
    ap.add_argument("--server", action="store_true", help="Also measure the embedding server subprocess.")
    ap.add_argument("--keep", action="store_true", help="Keep the folder and the libraries.")
    ap.add_argument("--out", type=Path, default=RESULTS / "literature_library10k.json")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="library10k-"))
    folder = args.folder or tmp / "papers"
    result: dict = {"date": str(date.today()), "machine": MACHINE, "docs": args.docs, "backend": args.backend}
    t0 = time.perf_counter()
    result["corpus"] = write_corpus(folder, args.docs)
    result["corpus"]["write_s"] = time.perf_counter() - t0
    print("corpus", result["corpus"], flush=True)

    embedder = local_embedder(args.backend)
    texts = sample_passages(folder, args.sample)
    result["baseline"] = {
        "sample_passages": len(texts),
        "raw_torch_passages_per_s": encode_rate(local_embedder("torch"), texts),
        f"raw_{args.backend}_passages_per_s": encode_rate(embedder, texts),
    }
    print("baseline", result["baseline"], flush=True)

    records = sorted(folder.glob("record_*.json"))
    titles = [(json.loads(p.read_text())["title"], json.loads(p.read_text())["id"]) for p in records]
    title_queries = random.Random(2).sample(titles, min(args.titles, len(titles)))
    query_sets = {"held-out questions": list(QUESTIONS), "record titles": title_queries}

    # The 265-document library: the records alone, same embedder.
    small = LiteratureStore(tmp / "small.db")
    ingest_paths(small, records, embedder=embedder)
    small.dense_snapshot(wait=True)
    result["small"] = {
        "documents": small.count_documents(),
        "chunks": small.count_chunks(),
        "hit@5": {name: hit_at_5(small, embedder, qs) for name, qs in query_sets.items()},
    }
    small.close()
    print("small", result["small"], flush=True)

    store = LiteratureStore(tmp / "library.db")
    marks: list[tuple[float, int, int]] = []
    last = [0.0]

    def progress(done: int, total: int, message: str) -> None:
        now = time.perf_counter()
        marks.append((now, done, total))
        if now - last[0] > 30:
            last[0] = now
            print(f"ingest {done}/{total} passages, {message}", flush=True)

    # Records first (the questions' answers), then the distractors, a slice of files per call, so that a run
    # that cannot finish in --budget-s still measures the largest library it reached.
    files = records + sorted(folder.glob("synthetic_*.json"))
    t0 = time.perf_counter()
    added, chunks, failed, slices = 0, 0, 0, []
    for i in range(0, len(files), args.slice):
        part = ingest_paths(store, files[i : i + args.slice], embedder=embedder, progress=progress)
        added, chunks, failed = added + len(part.added), chunks + part.chunks, failed + len(part.failed)
        slices.append({"documents": added, "passages": chunks, "seconds": time.perf_counter() - t0})
        args.out.with_suffix(".partial.json").write_text(json.dumps(slices, indent=1) + "\n")
        print("slice", slices[-1], flush=True)
        if args.budget_s and time.perf_counter() - t0 > args.budget_s and i + args.slice < len(files):
            break
    ingest_s = time.perf_counter() - t0
    rate = chunks / ingest_s
    t0 = time.perf_counter()
    again = ingest_paths(store, files[: added + failed], embedder=embedder)
    rerun_s = time.perf_counter() - t0
    result["ingest"] = {
        "documents": added,
        "passages": chunks,
        "failed": failed,
        "complete": added + failed == len(files),
        "seconds": ingest_s,
        "passages_per_s": rate,
        "slices": slices,
        # At the rate measured so far, per passage, for the passages the whole folder would have.
        "extrapolated_full_seconds": None if added + failed == len(files) else ingest_s * len(files) / added,
        "rerun_seconds": rerun_s,
        "rerun_skipped": len(again.skipped),
        "rerun_added": len(again.added) + len(again.updated),
    }
    print("ingest", result["ingest"], flush=True)
    t0 = time.perf_counter()
    store.dense_snapshot(wait=True)
    result["snapshot_load_s"] = time.perf_counter() - t0
    all_queries = [q for qs in query_sets.values() for q in qs]
    result["search"] = search_stats(store, embedder, all_queries)
    result["large"] = {
        "documents": store.count_documents(),
        "chunks": store.count_chunks(),
        "hit@5": {name: hit_at_5(store, embedder, qs) for name, qs in query_sets.items()},
    }
    store.close()
    result["peak_rss_mb"] = rss_mb()
    if args.server:
        try:
            result["baseline"]["embedding_server_passages_per_s"] = server_rate(texts)["passages_per_s"]
        except Exception as exc:  # noqa: BLE001 - reported, the rest of the run stands
            result["baseline"]["embedding_server_error"] = str(exc)
    result["load_avg_1min_at_end"] = os.getloadavg()[0]
    print(json.dumps(result, indent=1), flush=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    args.out.with_suffix(".partial.json").unlink(missing_ok=True)  # the slices are in the result now
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
