"""kill -9 during an ingest: whatever moment the process dies, search never returns a passage whose document row
is missing, a document row always has all of its passages, and a replaced document keeps its old version until
the new one is complete. What the kill left behind is gone once the library is opened again.

A real ingest (real files, chunker, embedder and Milvus Lite) runs in a child process and is killed with SIGKILL
at 20 random moments; after each kill the test opens the library as it was left. The children are forked from one
helper process that has the embedding model loaded already, so that each run costs an ingest, not a Python start.
The document has 100 passages and the child writes them 8 per request, so that its write phase has as many
partial states as a 3,000-passage document written 512 at a time."""

from __future__ import annotations

import contextlib
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from tools.literature import LiteratureStore, Retriever, SearchFilters, default_embedder, ingest_paths

ROOT = Path(__file__).resolve().parents[2]
KEY = "doi:10.1000/crash.1"
KILLS = 20
QUERY = "gold nanoparticles made by citrate reduction measured by electron microscopy"

# The helper: loads the model once, then forks one child per ingest. It runs no inference before forking (a
# forked child must not inherit a started OpenMP thread pool).
HELPER = r"""
import os, sys, time
from tools.literature import Embedder, LiteratureStore, default_embedder, ingest_paths
import pymilvus, milvus_lite.adapter.grpc.server  # imported (never used) before forking: the children start faster

model = default_embedder().model


class Announcing(Embedder):
    # The real model; it says when the vectors are ready, i.e. when the writes begin.
    def __init__(self):
        super().__init__()
        self._model = model

    def encode(self, texts, batch_size=None):
        vectors = super().encode(texts, batch_size)
        print("embedded", time.monotonic(), flush=True)
        return vectors


print("helper", flush=True)
for line in sys.stdin:
    command, _, path = line.strip().partition(" ")
    if command != "ingest":
        break
    pid = os.fork()
    if pid == 0:
        try:
            store = LiteratureStore(sys.argv[1], write_batch=8, in_process_dense=False)
            print("ready", time.monotonic(), flush=True)
            report = ingest_paths(store, [path], embedder=Announcing())
            print("done", time.monotonic(), len(report.failed), flush=True)
            store.close()
        finally:
            os._exit(0)
    print("child", pid, flush=True)
    os.waitpid(pid, 0)
    print("exit", flush=True)
"""


def paper(revision: int) -> str:
    """A 100-passage paper; every passage names its revision, and so does the title (the document row)."""
    sections = [
        f"## Batch {i} (rev{revision})\n\nGold nanoparticles of batch {i} in rev{revision} were made by citrate "
        f"reduction and measured {10 + (i * revision) % 40} nm across by electron microscopy."
        for i in range(99)
    ]
    return f"# Gold nanoparticle batches rev{revision}\n\nDOI 10.1000/crash.1\n\n" + "\n\n".join(sections)


def revision(text: str) -> str:
    return re.findall(r"\brev\d+\b", text)[0]


class Helper:
    """The helper process and the lines it (and its children) print."""

    def __init__(self, uri: Path, log: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HELPER, str(uri)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )
        self.lines: queue.Queue[list[str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("helper", timeout=180)

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.lines.put(line.split())

    def expect(self, word: str, timeout: float = 120) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line and line[0] == word:
                return line

    def ingest(self, path: Path) -> int:
        self.process.stdin.write(f"ingest {path}\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        return int(self.expect("child")[1])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")  # type: ignore[union-attr]
            self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def helper(tmp_path: Path) -> Iterator[Helper]:
    started = Helper(tmp_path / "milvus.db", tmp_path / "helper.log")
    yield started
    started.close()


def check(uri: Path, retriever_embedder, in_process: bool, complete_before: bool, where: str) -> dict[str, int]:
    """Open the library as the kill left it (no repair) and check what search and the rows say; then open it as
    the app does and check that nothing is left over. Returns the counts it saw."""
    with LiteratureStore(uri, repair_on_open=False, in_process_dense=in_process) as store:
        if in_process:
            store.dense_snapshot(wait=True)
        row = store.get_document(KEY)
        left = len(store.client.query(store.chunks_name, filter=f'document_id == "{KEY}"', output_fields=["id"]))
        retriever = Retriever(store, retriever_embedder)
        hits = [h for mode in ("hybrid", "keyword") for h in retriever.search(QUERY, k=10, mode=mode)]
        rows = {d.document_id: d for d in store.list_documents(SearchFilters(include_private=True))}
        assert not complete_before or row is not None, f"{where}: the document vanished with its old version"
        for h in hits:
            assert h.document_id in rows, f"{where}: search returned {h.chunk_id}, which has no document row"
            if h.document_id == KEY:
                assert revision(h.content) == revision(rows[KEY].title), f"{where}: a passage of another version"
        if row is not None:
            passages = store.document_chunks(KEY)
            assert len(passages) == row.n_chunks == 100, f"{where}: the row has {len(passages)} of its passages"
            assert {revision(p.content) for p in passages} == {revision(row.title)}, where
    with LiteratureStore(uri) as store:  # as the app opens it: what the kill left is removed
        after = len(store.client.query(store.chunks_name, filter=f'document_id == "{KEY}"', output_fields=["id"]))
        assert after == (100 if row is not None else 0), f"{where}: {after} passages left after the repair"
    return {"left": left, "hits": len(hits)}


@pytest.mark.slow
def test_a_killed_ingest_leaves_a_whole_document_or_nothing(helper: Helper, tmp_path: Path) -> None:
    torch.set_num_threads(2)
    embedder = default_embedder()
    uri = tmp_path / "milvus.db"
    control = tmp_path / "control.md"
    control.write_text("# Silver nanowires\n\nSilver nanowires were grown by the polyol route, 60 nm across.")
    with LiteratureStore(uri) as store:
        ingest_paths(store, [control], embedder=embedder)
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)

    # Measure one complete replacement (after a first ingest): the whole run, and its write phase (from the moment
    # the vectors are ready to the end: new passages, the row switched over, the old passages deleted).
    for revision_ in (0, 1):
        (tmp_path / f"rev{revision_}.md").write_text(paper(revision_))
        helper.ingest(tmp_path / f"rev{revision_}.md")
        ready = float(helper.expect("ready")[1])
        embedded = float(helper.expect("embedded")[1])
        done = helper.expect("done")
        helper.expect("exit")
        assert done[2] == "0", "the measuring run failed: see helper.log"
    whole, writing = float(done[1]) - ready, float(done[1]) - embedded
    check(uri, embedder, False, True, "after the measuring runs")

    seen = []
    for kill in range(1, KILLS + 1):
        path = tmp_path / f"rev{kill + 1}.md"
        path.write_text(paper(kill + 1))
        pid = helper.ingest(path)
        # Half the kills anywhere in the ingest, half in its write phase, where a document is half-written.
        if kill % 2:
            helper.expect("ready")
            delay = rng.uniform(0, whole)
        else:
            helper.expect("embedded")
            delay = rng.uniform(0, writing)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):  # it finished first: a complete replacement, also a state
            os.kill(pid, signal.SIGKILL)
        helper.expect("exit")
        where = f"kill {kill} ({delay:.3f} s after {'start' if kill % 2 else 'the vectors'}, seed {seed})"
        seen.append(check(uri, embedder, in_process=kill % 4 < 2, complete_before=True, where=where))

    # The kills did land mid-write: some left passages of an unfinished version behind (all repaired).
    assert any(s["left"] > 100 or s["left"] % 100 for s in seen), (
        f"no kill hit a write (seed {seed}, {writing:.3f} s of writes): {seen}"
    )
