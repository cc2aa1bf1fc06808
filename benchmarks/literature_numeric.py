"""Offline answers that carry the quantity asked for (issue 20): the share of numeric questions whose
extractive (no language model) answer contains the right number and cites the right document, with the
literature code of this tree against the code before issue 20 (a git commit, `--baseline-ref`), each in its
own process on its own freshly ingested demo library, in the same run.

    .venv/bin/python benchmarks/literature_numeric.py [--limit 200] [--baseline-ref d922c94] [--no-baseline]

Questions: benchmarks/data/literature_numeric_questions.jsonl (hand-written from the demo library's full
texts and ChemRxiv abstracts, as a chemist would ask; each with the number, its unit and the document).
A number counts as found when every number of `answer_number` ("7.5", "55-74" -> 55 and 74) appears in the
answer's text as a number (not inside a longer one); the right document must be among the citations.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = Path(__file__).resolve().parent / "data" / "literature_numeric_questions.jsonl"
RESULTS = Path(__file__).resolve().parent / "results"
# The last commit before issue 20's literature changes: "today's answer code" for the baseline.
BASELINE_REF = "d922c94d98944f7fefd1aeebe60a1f636c4ecf5b"
MACHINE = "2-core x86_64 CPU (shared)"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def load_questions(limit: int | None = None) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def carries(answer: str, number: str) -> bool:
    """Whether every number of `number` appears in the answer as a whole number ('7.5' not inside '17.5')."""
    text = answer.replace("−", "-").replace("\u2009", " ")
    wanted = _NUMBER.findall(number)
    return bool(wanted) and all(re.search(rf"(?<![\d.,]){re.escape(w)}(?![\d]|[.,]\d)", text) for w in wanted)


def worker(library: str, out: str, limit: int | None) -> None:
    """Ingest the demo library with the literature code on sys.path, answer every question offline."""
    import numpy as np
    import torch

    torch.set_num_threads(2)
    from tools.literature import LiteratureStore, Retriever, answer, ingest_demo
    from tools.literature.embedding import Embedder

    class RememberingEmbedder(Embedder):
        """The same model, remembering the vectors of texts it has seen: the questions of a document read the
        same passages again and again, and the shared 2-core machine needs ~10 s per answer otherwise.
        This changes how long the run takes, not what is answered (the same model and vectors)."""

        def __init__(self) -> None:
            super().__init__()
            self.seen: dict[str, np.ndarray] = {}

        def encode(self, texts, batch_size=None):  # type: ignore[no-untyped-def]
            new = list(dict.fromkeys(t for t in texts if t not in self.seen))
            if new:
                self.seen.update(zip(new, super().encode(new, batch_size), strict=True))
            return np.stack([self.seen[t] for t in texts]) if texts else super().encode(texts)

    questions = load_questions(limit)
    t0 = time.perf_counter()
    with LiteratureStore(library) as store:
        report = ingest_demo(store)
        ingest_s = time.perf_counter() - t0
        retriever = Retriever(store, embedder=RememberingEmbedder())
        rows = []
        t1 = time.perf_counter()
        for q in questions:
            result = answer(q["question"], retriever)
            cited = [c.document_id for c in result.citations]
            rows.append(
                {
                    "question": q["question"],
                    "answer_number": q["answer_number"],
                    "document_id": q["document_id"],
                    "answer": result.answer,
                    "cited": cited,
                    "number_found": carries(result.answer, q["answer_number"]),
                    "document_cited": q["document_id"] in cited,
                }
            )
        answer_s = time.perf_counter() - t1
    Path(out).write_text(
        json.dumps(
            {
                "code": str(Path(sys.modules["tools.literature"].__file__).parent),
                "chunks": report.chunks,
                "ingest_s": round(ingest_s, 1),
                "answer_s_total": round(answer_s, 1),
                "rows": rows,
            },
            indent=1,
        )
    )


def _start_worker(code_root: Path, library: Path, out: Path, limit: int | None) -> subprocess.Popen:
    """A worker process with `code_root` first on its path (so `tools.literature` is that tree's code)."""
    env = dict(os.environ, PYTHONPATH=f"{code_root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}".rstrip(os.pathsep))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(library), str(out)]
    if limit:
        cmd += ["--limit", str(limit)]
    return subprocess.Popen(cmd, env=env, cwd=str(code_root))


def _finish(process: subprocess.Popen, out: Path) -> dict:
    if process.wait() != 0:
        raise SystemExit(f"worker {process.args} failed with exit code {process.returncode}")
    return json.loads(out.read_text())


def _baseline_tree(ref: str, into: Path) -> Path:
    """tools/literature (and tools/__init__.py) as they were at `ref`, extracted into a folder."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "tools/__init__.py", "tools/literature"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def summary(result: dict) -> dict[str, float]:
    rows = result["rows"]
    n = len(rows)
    both = sum(r["number_found"] and r["document_cited"] for r in rows)
    return {
        "questions": n,
        "number_and_citation": round(both / n, 3),
        "number_found": round(sum(r["number_found"] for r in rows) / n, 3),
        "document_cited": round(sum(r["document_cited"] for r in rows) / n, 3),
        "answer_s_total": result["answer_s_total"],
        "chunks": result["chunks"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--baseline-ref", default=BASELINE_REF, help="git commit of the baseline code")
    parser.add_argument("--no-baseline", action="store_true", help="measure this tree only")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.limit)
        return
    with tempfile.TemporaryDirectory(prefix="chemassist-numeric-") as tmp:
        tmp_path = Path(tmp)
        # Both code versions run at once, each in its own process on its own library (same questions).
        after_run = _start_worker(ROOT, tmp_path / "after.db", tmp_path / "after.json", args.limit)
        before_run = None
        if not args.no_baseline:
            (tmp_path / "baseline").mkdir()
            code = _baseline_tree(args.baseline_ref, (tmp_path / "baseline").resolve())
            before_run = _start_worker(code, tmp_path / "before.db", tmp_path / "before.json", args.limit)
        after = _finish(after_run, tmp_path / "after.json")
        before = None if before_run is None else _finish(before_run, tmp_path / "before.json")
    result = {
        "date": date.today().isoformat(),
        "machine": MACHINE,
        "baseline_ref": None if before is None else args.baseline_ref,
        "after": summary(after),
        "before": None if before is None else summary(before),
        "misses_after": [
            {k: r[k] for k in ("question", "answer_number", "document_id", "answer", "cited")}
            for r in after["rows"]
            if not (r["number_found"] and r["document_cited"])
        ],
    }
    if before is not None:
        share = result["before"]["number_and_citation"]  # type: ignore[index]
        result["ratio"] = round(result["after"]["number_and_citation"] / share, 2) if share else None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "literature_numeric.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "misses_after"}, indent=2))


if __name__ == "__main__":
    main()
