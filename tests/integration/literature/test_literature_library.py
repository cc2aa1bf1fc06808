"""The library on real Milvus Lite: formats, search finds the right passage, filters, re-ingest, delete."""

from __future__ import annotations

from pathlib import Path

from tools.literature import LiteratureStore, Retriever, SearchFilters, ingest_paths, read_path


def test_every_format_becomes_a_document(library: LiteratureStore) -> None:
    ids = {d.document_id for d in library.list_documents()}

    assert {
        "doi:10.1000/jpm.2019.001",  # BibTeX, DOI lower-cased
        "doi:10.1000/polym.2015.77",  # RIS
        "arxiv:0704.0604",  # arXiv metadata records
        "arxiv:0704.0119",
    } <= ids
    titles = {d.title for d in library.list_documents()}
    assert {"Citrate synthesis of gold nanoparticles", "Zeolite membranes for ethanol dehydration"} <= titles
    assert len(ids) == 8  # + perovskite text, the PDF


def test_search_finds_the_passage_that_answers(library: LiteratureStore, embedder) -> None:
    hits = Retriever(library, embedder).search("size of gold particles made with sodium citrate", k=3)

    assert hits[0].title == "Citrate synthesis of gold nanoparticles"
    assert "13 nm" in " ".join(h.content for h in hits if h.document_id == hits[0].document_id)


def test_hybrid_ranks_a_formula_query_at_least_as_high_as_dense(library: LiteratureStore, embedder) -> None:
    retriever = Retriever(library, embedder)

    def rank(mode: str) -> int:
        ids = [h.document_id for h in retriever.search("Cs2AgF4", k=8, mode=mode)]
        return ids.index("arxiv:0704.0604") if "arxiv:0704.0604" in ids else 99

    assert rank("keyword") == 0
    assert rank("hybrid") <= rank("dense")
    assert rank("hybrid") == 0


def test_pdf_passages_carry_their_page_and_exact_offsets(library: LiteratureStore, embedder, corpus: Path) -> None:
    hit = Retriever(library, embedder).search("niobium oxide catalyst magnesium hydride hydrogen release", k=1)[0]
    pages = read_path(corpus / "hydrogen.pdf")[0].pages

    assert hit.page == 2
    assert pages[1].text[hit.char_start : hit.char_end] == hit.content


def test_filters_by_year_tag_and_source(library: LiteratureStore, embedder) -> None:
    retriever = Retriever(library, embedder)

    recent = retriever.search("magnetic transition", k=20, filters=SearchFilters(year_from=2010))
    tagged = retriever.search("magnetic transition", k=20, filters=SearchFilters(tags=["cond-mat.mtrl-sci"]))
    arxiv = retriever.search("polymer", k=20, filters=SearchFilters(sources=["arXiv"]))

    assert not any(h.document_id.startswith("arxiv:") for h in recent)
    assert {h.document_id for h in tagged} == {"arxiv:0704.0119"}
    assert {h.source for h in arxiv} == {"arXiv"}


def test_reingest_is_a_no_op(library: LiteratureStore, embedder, corpus: Path) -> None:
    chunks_before = library.count_chunks()

    report = ingest_paths(library, [corpus], embedder=embedder)

    assert report.added == [] and report.updated == [] and len(report.skipped) == 8
    assert library.count_chunks() == chunks_before


def test_private_document_is_seen_only_by_its_owner(library: LiteratureStore, embedder, tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Unpublished\n\nOur secret catalyst is vanadium phosphate on silica, 94% selectivity.")
    ingest_paths(library, [note], embedder=embedder, owner="alice", visibility="private")
    retriever = Retriever(library, embedder)

    def finds(viewer: str | None) -> bool:
        hits = retriever.search("vanadium phosphate catalyst", k=3, filters=SearchFilters(viewer=viewer))
        return any("vanadium" in h.content for h in hits)

    assert (finds("alice"), finds("bob"), finds(None)) == (True, False, False)


def test_delete_removes_the_document_and_its_passages(library: LiteratureStore, embedder, tmp_path: Path) -> None:
    doc = tmp_path / "temp.txt"
    doc.write_text("Temporary note on ruthenium olefin metathesis catalysts for ring-closing reactions.")
    doc_id = ingest_paths(library, [doc], embedder=embedder).added[0]
    assert library.document_chunks(doc_id)

    library.delete_document(doc_id)

    assert library.get_document(doc_id) is None
    assert library.document_chunks(doc_id) == []


def test_library_file_survives_a_restart(embedder, corpus: Path, tmp_path: Path) -> None:
    uri = tmp_path / "milvus.db"
    with LiteratureStore(uri) as store:
        ingest_paths(store, [corpus / "gold.md"], embedder=embedder)

    with LiteratureStore(uri) as reopened:
        hits = Retriever(reopened, embedder).search("gold nanoparticle diameter", k=1)

    assert hits[0].title == "Citrate synthesis of gold nanoparticles"
