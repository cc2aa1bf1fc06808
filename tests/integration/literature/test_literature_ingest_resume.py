"""`chemassist library ingest <folder>` killed with SIGKILL at a random moment, then run again: nothing is
duplicated, nothing lost, and no document is ever searchable with only some of its passages.

The real CLI runs as a subprocess (real reader, chunker, embedder and Milvus Lite file); it embeds a few passages
at a time (--group-passages) so that it stores documents every few seconds, and it is killed at a random moment
after its progress says some documents are done. The library is then opened as the kill left it (no repair), and
finally the rerun must skip what was stored and add exactly the rest."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.literature import Embedder, LiteratureStore, chunk_document, read_file

ROOT = Path(__file__).resolve().parents[3]
N_DOCS = 48
TOPICS = ["gold nanoparticles", "perovskite films", "polyimide membranes", "zeolite catalysts", "MOF sorbents"]


def write_folder(folder: Path) -> dict[str, int]:
    """N_DOCS Markdown papers of 1-3 passages; every passage carries its document's marker word. Returns the
    passages each document must have (the real chunker's count), by title."""
    folder.mkdir()
    rng = random.Random(7)
    expected: dict[str, int] = {}
    for i in range(N_DOCS):
        topic = TOPICS[i % len(TOPICS)]
        sentences = [
            f"Sample marker{i:03d}x{j} of the {topic} series was prepared at {20 + (i * j) % 80} °C and "
            f"characterised by X-ray diffraction, giving a yield of {10 + (i + j) % 85} percent."
            for j in range(rng.randint(2, 16))
        ]
        title = f"Study {i:03d} of {topic}"
        path = folder / f"paper_{i:03d}.md"
        path.write_text(f"# {title}\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
        expected[title] = len(chunk_document(read_file(path).documents[0]))
    return expected


def ingest(folder: Path, uri: Path, kill: bool) -> tuple[int, list[str], str]:
    """Run the CLI; with `kill`, SIGKILL it at a random moment once at least one group of documents is stored.
    Returns (documents it reported done, its progress lines, stdout)."""
    command = [sys.executable, "-m", "app.cli.main", "library", "ingest", str(folder), "--uri", str(uri)]
    proc = subprocess.Popen(
        command + ["--group-passages", "6"] + ([] if kill else ["--json"]),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"COLUMNS": "200"},
    )
    lines: list[str] = []
    done = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line.rstrip())
        if m := re.search(r"indexed (\d+) of (\d+) documents", line):
            done = int(m.group(1))
            if kill and done >= 1 and int(m.group(2)) > done + 2:
                time.sleep(random.uniform(0.0, 0.8))
                proc.send_signal(signal.SIGKILL)
                break
    out, _ = proc.communicate(timeout=300)
    if kill:
        assert proc.returncode == -signal.SIGKILL, "\n".join(lines)
    else:
        assert proc.returncode == 0, "\n".join(lines)
    return done, lines, out


def library_state(uri: Path, embedder: Embedder, titles: dict[str, int]) -> dict[str, int]:
    """Open the library as it is (no repair): for every document row, its current passages must all be there,
    and a passage without its document row must never come back from a search. Returns passages by title."""
    with LiteratureStore(uri, repair_on_open=False, in_process_dense=False) as store:
        docs = store.list_documents()
        per_doc = {d.title: len(store.document_chunks(d.document_id)) for d in docs}
        for d in docs:
            assert per_doc[d.title] == titles[d.title] == d.n_chunks, f"{d.title} is stored incomplete"
        stored_titles = set(per_doc)
        for title in titles.keys() - stored_titles:
            marker = f"marker{int(title.split()[1]):03d}x0"
            hits = store.search_keyword(marker, 5) + store.search_dense(embedder.encode_one(f"Sample {marker}"), 5)
            assert title not in {h.title for h in hits}, f"{title} is searchable without its document row"
        return per_doc


@pytest.mark.slow
@pytest.mark.timeout(900)  # two CLI runs, each loading the model: about a minute each on an idle 2-core machine
def test_a_killed_folder_ingest_resumes_without_duplicates_or_losses(tmp_path: Path, embedder: Embedder) -> None:
    expected = write_folder(tmp_path / "papers")
    uri = tmp_path / "library.db"

    done_before_kill, lines, _ = ingest(tmp_path / "papers", uri, kill=True)
    after_kill = library_state(uri, embedder, expected)
    _, _, out = ingest(tmp_path / "papers", uri, kill=False)
    report = json.loads(out)
    final = library_state(uri, embedder, expected)

    assert any(re.search(r"passages/s; ETA \d+:\d\d:\d\d", line) for line in lines), "\n".join(lines)
    assert done_before_kill <= len(after_kill) < N_DOCS  # whole documents stored, the rest not yet
    assert len(report["skipped"]) == len(after_kill)  # resumed: what was stored is not embedded again
    assert len(report["added"]) == N_DOCS - len(after_kill)
    assert final == expected  # every document, each with exactly its passages
    with LiteratureStore(uri) as store:
        assert store.count_chunks() == sum(expected.values())  # no duplicates, no leftovers after the repair
        assert store.count_documents() == N_DOCS
