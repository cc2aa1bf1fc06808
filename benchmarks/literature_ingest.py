"""Ingest throughput: the library's pipeline (read + chunk + batched embed + Milvus Lite write) vs the raw
encoder alone on the same chunks, in one run. Writes results/literature_ingest.json and literature.md.

    .venv/bin/python benchmarks/literature_ingest.py [--records 120] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

import torch
from literature_report import MACHINE, RESULTS, write_markdown

from tools.literature import DEMO_DIR, LiteratureStore, chunk_document, default_embedder, ingest_paths, read_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=40, help="demo records to ingest (the 8 full texts first)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    lines = (DEMO_DIR / "records.jsonl").read_text().splitlines()
    lines.sort(key=lambda line: json.loads(line)["fulltext_path"] is None)  # full texts first
    with tempfile.TemporaryDirectory() as tmp:
        subset = Path(tmp) / "records.jsonl"
        subset.write_text("\n".join(lines[: args.records]))
        (Path(tmp) / "fulltext").symlink_to(DEMO_DIR / "fulltext")
        docs = read_path(subset)
        chunks = [c.text for d in docs for c in chunk_document(d)]
        embedder = default_embedder()
        embedder.encode(chunks[:32])  # load + warm up

        t0 = time.perf_counter()
        embedder.encode(chunks)
        raw_s = time.perf_counter() - t0

        with LiteratureStore(Path(tmp) / "milvus.db") as store:
            t0 = time.perf_counter()
            report = ingest_paths(store, [subset], embedder=embedder)
            pipe_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = ingest_paths(store, [subset], embedder=embedder)
            reingest_s = time.perf_counter() - t0
    assert report.chunks == len(chunks) and len(again.skipped) == len(docs)
    result = {
        "date": date.today().isoformat(),
        "machine": MACHINE,
        "python": platform.python_version(),
        "torch_threads": args.threads,
        "documents": len(docs),
        "chunks": len(chunks),
        "mean_chunk_chars": round(sum(map(len, chunks)) / len(chunks)),
        "raw_encoder_s": raw_s,
        "raw_encoder_chunks_per_s": len(chunks) / raw_s,
        "pipeline_s": pipe_s,
        "pipeline_chunks_per_s": len(chunks) / pipe_s,
        "ratio": raw_s / pipe_s,
        "reingest_noop_s": reingest_s,
        "load_avg_1min_at_end": os.getloadavg()[0],
    }
    (RESULTS / "literature_ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(
        f"pipeline {result['pipeline_chunks_per_s']:.1f} chunks/s vs raw encoder "
        f"{result['raw_encoder_chunks_per_s']:.1f} chunks/s: ratio {result['ratio']:.2f} (target >= 0.8)"
    )
    write_markdown()


if __name__ == "__main__":
    main()
