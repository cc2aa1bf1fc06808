"""What progress and cancel cost a batch prediction (issues 18 and 21): the same molecules predicted by one plain
`tools.properties.predict` call (the baseline) and by the Properties page's path, a job of app.services.jobs
whose work predicts in chunks of PROGRESS_CHUNK and reports each chunk. Alternating rounds, median per path.

    .venv/bin/python benchmarks/jobs_progress_overhead.py [n_molecules] [rounds]
"""

from __future__ import annotations

import datetime
import json
import statistics
import sys
import time
from pathlib import Path

from app.services.jobs import Job
from tools.properties import datasets
from tools.properties.predict import PROGRESS_CHUNK, predict

RESULTS = Path(__file__).parent / "results"
MACHINE = "2-core x86_64 CPU, 24 GiB, shared with other jobs"
PROPERTY = "esol"


def molecules(n: int) -> list[str]:
    pool = [s for name in ("lipophilicity", "esol", "freesolv") for s in datasets.load(name)["smiles"]]
    return [pool[i % len(pool)] for i in range(n)]


def plain(smiles: list[str]) -> float:
    start = time.perf_counter()
    predict(smiles, [PROPERTY])
    return time.perf_counter() - start


def as_job(smiles: list[str]) -> float:
    start = time.perf_counter()
    job = Job(lambda job: predict(smiles, [PROPERTY], progress=job.progress), name="benchmark").start()
    job.wait()
    assert job.state == "done" and job.result is not None and len(job.result) == len(smiles)
    return time.perf_counter() - start


def main(n: int, rounds: int) -> None:
    smiles = molecules(n)
    predict(smiles[:10], [PROPERTY])  # model load and caches, outside the timings
    base, jobbed = [], []
    for _ in range(rounds):
        base.append(plain(smiles))
        jobbed.append(as_job(smiles))
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": MACHINE,
        "n_molecules": n,
        "property": PROPERTY,
        "chunk": PROGRESS_CHUNK,
        "rounds": rounds,
        "baseline_plain_predict_s": statistics.median(base),
        "job_with_progress_s": statistics.median(jobbed),
        "ratio": statistics.median(jobbed) / statistics.median(base),
        "all_baseline_s": base,
        "all_job_s": jobbed,
    }
    print(json.dumps(result, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "jobs_progress_overhead.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
