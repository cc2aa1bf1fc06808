"""Hybrid search in process on a real Milvus Lite library: the same BM25 scores as Milvus, the right record
first for known questions, Milvus' filters, and current after ingest and delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.literature import answered_in_process
from tools.literature import Embedder, LiteratureStore, Retriever, SearchFilters, ingest_paths

QUESTIONS = [
    ("size of gold particles made with sodium citrate", "Citrate synthesis of gold nanoparticles"),
    ("Cs2AgF4", "Magnetism in the high-Tc analogue Cs2AgF4 studied with muon-spin relaxation"),
    ("perovskite solar cell efficiency after passivation", "Stability of methylammonium lead iodide perovskite"),
    ("ZSM-5 pervaporation separation factor", "Zeolite membranes for ethanol dehydration"),
    ("lactide polymerization tin octoate molar mass", "Ring-opening polymerization of lactide with tin octoate"),
]
FILTERS = [
    None,
    SearchFilters(year_from=2010),
    SearchFilters(sources=["arXiv"]),
    SearchFilters(tags=["cond-mat.mtrl-sci"]),
    SearchFilters(viewer="alice"),
    SearchFilters(include_private=True),
    SearchFilters(document_ids=["arxiv:0704.0604", "doi:10.1000/polym.2015.77"]),
]


@pytest.fixture(scope="module")
def store(library: LiteratureStore, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> LiteratureStore:
    note = tmp_path_factory.mktemp("private") / "note.md"
    note.write_text("# Unpublished\n\nOur secret catalyst is vanadium phosphate on silica, 94% selectivity.")
    ingest_paths(library, [note], embedder=embedder, owner="alice", visibility="private")
    # Sealed segments: Milvus then scores BM25 with the statistics of all rows, as the snapshot does (before a
    # flush Milvus Lite takes them over the rows the filter allows).
    library.client.flush(library.chunks_name)
    assert library.dense_snapshot(wait=True) is not None
    return library


@pytest.mark.parametrize(("question", "title"), QUESTIONS)
def test_in_process_hybrid_puts_the_answering_record_first(store, embedder, question, title) -> None:
    with answered_in_process(store):
        hits = Retriever(store, embedder).search(question, k=3)  # the default: hybrid, in process

    assert hits[0].title.startswith(title)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: f and f.model_dump_json(exclude_defaults=True))
def test_in_process_keyword_and_hybrid_give_the_hits_of_milvus(store, embedder, filters) -> None:
    for question, _ in [*QUESTIONS, ("secret catalyst selectivity", "")]:
        vector = embedder.encode_one(question)

        with answered_in_process(store):  # else Milvus would be compared with itself
            keyword = store.search_keyword(question, k=5, filters=filters)
            hybrid = store.search_hybrid(question, vector, k=5, filters=filters)
        milvus_keyword = store._search_keyword_milvus(question, k=5, filters=filters)
        milvus_hybrid = store._search_hybrid_milvus(question, vector, k=5, filters=filters)

        assert [h.score for h in keyword] == pytest.approx([-h.score for h in milvus_keyword], rel=1e-4)
        assert {h.chunk_id for h in hybrid} == {h.chunk_id for h in milvus_hybrid}, (question, filters)
        assert [h.score for h in hybrid] == pytest.approx([h.score for h in milvus_hybrid], rel=1e-5)


def test_private_notes_reach_hybrid_search_only_for_their_owner(store, embedder) -> None:
    retriever = Retriever(store, embedder)

    def found(**filters) -> bool:
        hits = retriever.search("secret catalyst vanadium phosphate", k=5, filters=SearchFilters(**filters))
        return any("vanadium" in h.content for h in hits)

    assert (found(), found(viewer="bob"), found(viewer="alice")) == (False, False, True)


def test_in_process_hybrid_follows_ingest_and_delete(store, embedder, tmp_path: Path) -> None:
    doc = tmp_path / "ru.txt"
    doc.write_text("Grubbs ruthenium olefin metathesis catalysts closed eight-membered rings in 91% yield.")
    retriever = Retriever(store, embedder)

    doc_id = ingest_paths(store, [doc], embedder=embedder).added[0]
    snapshot_kept = store.dense_snapshot() is not None  # updated in place of a reload
    found = retriever.search("Grubbs metathesis", k=1)[0].document_id
    store.delete_document(doc_id)
    after_delete = {h.document_id for h in retriever.search("Grubbs metathesis", k=20)}

    assert (snapshot_kept, found, doc_id in after_delete) == (True, doc_id, False)


def test_hybrid_goes_to_milvus_when_the_in_process_path_is_off(library, embedder) -> None:
    with LiteratureStore(library.uri, in_process_dense=False) as other:
        hits = Retriever(other, embedder).search("Cs2AgF4", k=1)

    assert (other.dense_snapshot(), hits[0].document_id) == (None, "arxiv:0704.0604")
