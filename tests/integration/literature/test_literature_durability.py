"""What an interrupted write leaves behind is never found, and goes: passages whose document row is missing
(the old writer wrote the row last, so a kill in between left hundreds of them, and they took most of the top
hits) are dropped from every search path and deleted when a Milvus Lite library opens or by `library repair`.
The random-kill test of a real ingest is tests/security/test_security_ingest_crash.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.library import cli
from app.services import library as service
from tools.literature import LiteratureStore, Retriever, SearchFilters, ingest_paths

QUERY = "size of gold nanoparticles made by citrate reduction"
REVIEW = "\n\n".join(
    f"Review note {i}: gold nanoparticles made by citrate reduction of tetrachloroauric acid had a diameter of "
    f"{10 + i} nm in batch {i}, measured by transmission electron microscopy and dynamic light scattering, "
    "and the colloid stayed stable for weeks at room temperature before the particle size was measured again."
    for i in range(40)
)


def leave_passages_without_their_row(store: LiteratureStore, document_id: str) -> int:
    """The library as a kill between a document's passages and its row left it (the row never written)."""
    n = len(store.document_chunks(document_id))
    store.client.delete(store.documents_name, filter=f"document_id == {json.dumps(document_id)}")
    return n


@pytest.fixture
def crashed_library(corpus: Path, embedder, tmp_path: Path) -> tuple[Path, str, int, int]:
    """A library of two papers plus the passages of a 40-paragraph gold review whose row is missing."""
    uri = tmp_path / "milvus.db"
    (tmp_path / "review.txt").write_text("Gold nanoparticle review\n\n" + REVIEW)
    with LiteratureStore(uri) as store:
        ingest_paths(store, [corpus / "gold.md", corpus / "perovskite.txt"], embedder=embedder)
        kept = store.count_chunks()
        review = ingest_paths(store, [tmp_path / "review.txt"], embedder=embedder).added[0]
        orphans = leave_passages_without_their_row(store, review)
    return uri, review, orphans, kept


@pytest.mark.parametrize("in_process", [False, True], ids=["milvus", "in-process"])
def test_passages_without_their_document_are_never_found(crashed_library, embedder, in_process: bool) -> None:
    uri, review, orphans, kept = crashed_library
    with LiteratureStore(uri, repair_on_open=False, in_process_dense=in_process) as store:
        if in_process:
            store.dense_snapshot(wait=True)
        retriever = Retriever(store, embedder)
        found = {mode: retriever.search(QUERY, k=kept, mode=mode) for mode in ("dense", "keyword", "hybrid")}
        passages = store.count_chunks()

    assert orphans >= 10 and passages == kept + orphans  # they are there, and they match the query best
    assert {mode: len(hits) for mode, hits in found.items()} == {"dense": kept, "keyword": kept, "hybrid": kept}
    assert all(h.document_id != review for hits in found.values() for h in hits)


def test_a_library_from_before_is_repaired_when_it_opens(crashed_library) -> None:
    uri, review, orphans, kept = crashed_library
    with LiteratureStore(uri) as store:
        store.journal_path.unlink()  # a library written before the journal existed: nothing says what was cut
    with LiteratureStore(uri) as store:
        repaired, passages = store.recovered, store.count_chunks()

    assert (repaired.passages_removed, repaired.documents_affected, passages) == (orphans, 1, kept)


def test_library_repair_removes_what_an_interrupted_write_left(crashed_library) -> None:
    uri, review, orphans, kept = crashed_library

    first = CliRunner().invoke(cli, ["repair", "--uri", str(uri)])
    again = CliRunner().invoke(cli, ["repair", "--uri", str(uri), "--json"])
    service.close_stores()

    assert first.exit_code == 0 and f"Removed {orphans} leftover passages of 1 documents" in first.stdout
    assert json.loads(again.stdout)["passages_removed"] == 0


def test_replacing_a_document_keeps_one_complete_version(embedder, tmp_path: Path) -> None:
    uri = tmp_path / "milvus.db"
    paper = tmp_path / "paper.md"
    paper.write_text(
        "# Silver nanowires\n\nDOI 10.1000/ag.7\n\nSilver nanowires 60 nm wide were grown by the polyol route."
    )
    with LiteratureStore(uri) as store:
        key = ingest_paths(store, [paper], embedder=embedder).added[0]
        paper.write_text(paper.read_text().replace("60 nm", "45 nm") + "\n\nA second batch was 50 nm wide.")
        report = ingest_paths(store, [paper], embedder=embedder)
        passages = store.document_chunks(key)
        row = store.get_document(key)
        hits = Retriever(store, embedder).search("silver nanowire width", k=10, filters=SearchFilters())

    assert report.updated == [key] and row is not None and row.n_chunks == len(passages)
    assert all("60 nm" not in p.content for p in passages) and any("45 nm" in p.content for p in passages)
    assert {h.chunk_id for h in hits} == {p.chunk_id for p in passages}
