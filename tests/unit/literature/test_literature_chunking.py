"""Chunking keeps exact offsets, starts chunks at section headings and overlaps long sections."""

from __future__ import annotations

from tools.literature.chunking import chunk_document, chunk_text, is_heading
from tools.literature.models import DocumentMeta, PageText, ParsedDocument

PAPER = """Polymer electrolytes for lithium batteries

Abstract
Solid polymer electrolytes based on poly(ethylene oxide) conduct lithium ions above 60 degrees Celsius.

1. Introduction
Liquid electrolytes are flammable. Polymer electrolytes are safer. They are also flexible.

2. Results
""" + " ".join(f"Sample {i} showed a conductivity of {i}.0 mS/cm at 70 degrees Celsius." for i in range(40))


def test_chunks_are_exact_spans_of_the_page_text() -> None:
    spans = chunk_text(PAPER, max_chars=300, overlap=80)

    assert len(spans) > len(PAPER) // 300  # the whole paper is cut, not an empty or a single chunk
    for start, end, _ in spans:
        assert PAPER[start:end].strip() == PAPER[start:end]
        assert end - start <= 300
    covered = {i for start, end, _ in spans for i in range(start, end)}
    assert [c for i, c in enumerate(PAPER) if i not in covered and not c.isspace()] == []  # no text left out


def test_a_section_heading_starts_a_new_chunk() -> None:
    spans = chunk_text(PAPER, max_chars=300, overlap=80)
    sections = [section for *_, section in spans]

    assert PAPER[spans[1][0] :].startswith("Abstract")
    assert sections[:3] == ["", "Abstract", "1. Introduction"]
    assert sections[-1] == "2. Results"


def test_long_sections_overlap_by_whole_sentences() -> None:
    results = [(s, e) for s, e, section in chunk_text(PAPER, max_chars=300, overlap=80) if section == "2. Results"]

    assert len(results) > 3
    for (_, prev_end), (start, _) in zip(results, results[1:], strict=False):
        assert start < prev_end  # overlap
        assert PAPER[start:].startswith("Sample")  # at a sentence start


def test_headings_are_recognised() -> None:
    assert is_heading("## Methods") and is_heading("3.2 Synthesis of the ligand") and is_heading("References")
    assert not is_heading("The yield was 93%.")


def test_chunk_ids_and_pages_are_stable() -> None:
    doc = ParsedDocument(
        meta=DocumentMeta(document_id="doi:10.1/x", title="T"),
        pages=[PageText(page=1, text="First page text about zeolites."), PageText(page=2, text="Second page.")],
    )

    chunks = chunk_document(doc)

    assert [(c.chunk_id, c.page) for c in chunks] == [("doi:10.1/x#p1:0-31", 1), ("doi:10.1/x#p2:0-12", 2)]
