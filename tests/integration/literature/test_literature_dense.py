"""In-process dense search on a real Milvus Lite library: the same hits as Milvus' exact search under every
filter, kept current through ingest and delete (also by another store over the file), and close() hands the
file back so another process can open it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.literature import answered_in_process
from tools.literature import Embedder, LiteratureStore, SearchFilters, ingest_paths

QUERIES = ["gold nanoparticle size", "magnetic order at low temperature", "polymer molar mass", "secret catalyst"]
FILTERS = [
    None,
    SearchFilters(year_from=2010),
    SearchFilters(year_to=2018),
    SearchFilters(sources=["arXiv"]),
    SearchFilters(sources=["Polymer", "Porous"]),
    SearchFilters(tags=["cond-mat.mtrl-sci"]),
    SearchFilters(viewer="alice"),
    SearchFilters(viewer="bob"),
    SearchFilters(include_private=True),
    SearchFilters(document_ids=["arxiv:0704.0604", "doi:10.1000/polym.2015.77"]),
    SearchFilters(document_ids=[]),
]


@pytest.fixture(scope="module")
def store(library: LiteratureStore, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> LiteratureStore:
    note = tmp_path_factory.mktemp("private") / "note.md"
    note.write_text("# Unpublished\n\nOur secret catalyst is vanadium phosphate on silica, 94% selectivity.")
    ingest_paths(library, [note], embedder=embedder, owner="alice", visibility="private")
    assert library.dense_snapshot(wait=True) is not None
    return library


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: f and f.model_dump_json(exclude_defaults=True))
def test_in_process_search_gives_the_hits_of_milvus_exact_search(store, embedder, filters) -> None:
    for query in QUERIES:
        vector = embedder.encode_one(query)

        with answered_in_process(store):  # else Milvus would be compared with itself
            ours = store.search_dense(vector, k=5, filters=filters)
        milvus = store._search_dense_milvus(vector, k=5, filters=filters)  # exact: library under 10k chunks

        assert [h.chunk_id for h in ours] == [h.chunk_id for h in milvus], (query, filters)
        assert [h.score for h in ours] == pytest.approx([h.score for h in milvus], abs=1e-5)
        assert [h.content for h in ours] == [h.content for h in milvus]


def test_snapshot_follows_ingest_and_delete(store, embedder, tmp_path: Path) -> None:
    doc = tmp_path / "ru.txt"
    doc.write_text("Ruthenium olefin metathesis catalysts closed eight-membered rings in 91% yield.")
    vector = embedder.encode_one("ruthenium metathesis ring closing yield")
    n_before = len(store.dense_snapshot())

    doc_id = ingest_paths(store, [doc], embedder=embedder).added[0]
    n_after_ingest = len(store.dense_snapshot())  # updated in place of a reload: never None here
    found = store.search_dense(vector, k=1)[0].document_id
    store.delete_document(doc_id)
    after_delete = {h.document_id for h in store.search_dense(vector, k=20)}

    assert (found, n_after_ingest, doc_id in after_delete) == (doc_id, n_before + 1, False)
    assert len(store.dense_snapshot()) == n_before


def test_a_write_by_another_store_of_the_process_reloads_the_snapshot(embedder, corpus: Path, tmp_path: Path) -> None:
    uri = tmp_path / "milvus.db"
    vector = embedder.encode_one("perovskite solar cell efficiency")
    with LiteratureStore(uri) as reader, LiteratureStore(uri) as writer:
        ingest_paths(writer, [corpus / "gold.md"], embedder=embedder)
        before = {h.document_id for h in reader.search_dense(vector, k=5)}  # first search: Milvus, loads
        reader.dense_snapshot(wait=True)

        ingest_paths(writer, [corpus / "perovskite.txt"], embedder=embedder)
        stale = reader.dense_snapshot()  # None: the file changed, a reload starts
        reloaded = reader.dense_snapshot(wait=True)
        hits = reader.search_dense(vector, k=1)

    assert len(before) == 1 and stale is None and reloaded is not None
    assert hits[0].title.startswith("Stability of methylammonium lead iodide perovskite")


def test_in_process_search_can_be_switched_off(embedder, corpus: Path, tmp_path: Path) -> None:
    with LiteratureStore(tmp_path / "milvus.db", in_process_dense=False) as store:
        ingest_paths(store, [corpus / "gold.md"], embedder=embedder)
        hits = store.search_dense(embedder.encode_one("gold nanoparticles"), k=1)

        assert (store.dense_snapshot(wait=True), hits[0].title) == (None, "Citrate synthesis of gold nanoparticles")


def test_close_releases_the_file_for_another_process(embedder, corpus: Path, tmp_path: Path) -> None:
    uri = tmp_path / "milvus.db"
    first = LiteratureStore(uri)
    second = LiteratureStore(uri)
    ingest_paths(first, [corpus / "gold.md"], embedder=embedder)
    first.close()
    still_open = second.count_documents()  # the other store of this process keeps working
    second.close()

    code = f"from tools.literature import LiteratureStore as S\nwith S({str(uri)!r}) as s:\n print(s.count_documents())"
    root = Path(__file__).resolve().parents[3]
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root)

    assert (still_open, other.returncode, other.stdout.split()[-1:]) == (1, 0, ["1"]), other.stderr[-2000:]
