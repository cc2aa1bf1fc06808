"""Bad files get a clear message and leave nothing half-ingested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.literature import (
    DocumentUnreadable,
    FileTooLarge,
    LiteratureStore,
    UnsupportedFormat,
    ingest_paths,
    read_path,
)


def test_encrypted_pdf_says_so(pdf_maker, tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(pdf_maker(["Confidential synthesis route."], password="secret"))

    with pytest.raises(DocumentUnreadable, match="encrypted PDF"):
        read_path(path)


def test_pdf_without_text_asks_for_ocr(pdf_maker, tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_maker(["", ""]))

    with pytest.raises(DocumentUnreadable, match="no extractable text.*OCR"):
        read_path(path)


def test_corrupt_pdf_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\nthis is not really a pdf")

    with pytest.raises(DocumentUnreadable, match="not a readable PDF"):
        read_path(path)


def test_unsupported_type_and_size_limit(tmp_path: Path) -> None:
    docx = tmp_path / "paper.docx"
    docx.write_bytes(b"PK\x03\x04")
    big = tmp_path / "big.txt"
    big.write_text("x" * 2000)

    with pytest.raises(UnsupportedFormat, match="unsupported file type '.docx'"):
        read_path(docx)
    with pytest.raises(FileTooLarge, match="over the"):
        read_path(big, max_bytes=1000)


def test_bad_file_is_skipped_and_nothing_of_it_stored(pdf_maker, embedder, tmp_path: Path) -> None:
    (tmp_path / "locked.pdf").write_bytes(pdf_maker(["Secret."], password="pw"))
    (tmp_path / "good.txt").write_text("Copper-catalysed azide-alkyne cycloaddition gives 1,4-triazoles.")

    with LiteratureStore(tmp_path / "milvus.db") as store:
        report = ingest_paths(store, [tmp_path / "locked.pdf", tmp_path / "good.txt"], embedder=embedder)
        n_docs = store.count_documents()

    assert "encrypted" in report.failed[str(tmp_path / "locked.pdf")]
    assert len(report.added) == 1 and n_docs == 1


def test_one_bad_record_does_not_reject_its_file(embedder, tmp_path: Path) -> None:
    records = tmp_path / "papers.jsonl"
    good = {"id": "r1", "title": "Zeolite membranes for ethanol dehydration", "abstract": "Water left ethanol."}
    records.write_text(json.dumps(good) + "\n" + json.dumps({"id": "r2", "abstract": "No title here."}) + "\n")

    with LiteratureStore(tmp_path / "milvus.db") as store:
        report = ingest_paths(store, [records], embedder=embedder)
        stored = [d.document_id for d in store.list_documents()]

    assert report.added == stored == ["r1"]
    assert list(report.failed.values()) == ["papers.jsonl record 2 (line 2, id r2): no title"]
