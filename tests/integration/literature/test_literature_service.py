"""The UI's library service: a background ingest reports progress and its result."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import ValidationFailed
from app.services import library as service


def test_background_ingest_finishes_with_a_report(embedder, corpus: Path, tmp_path: Path) -> None:
    uri = str(tmp_path / "milvus.db")
    try:
        job = service.start_ingest([corpus / "perovskite.txt", corpus / "gold.md"], uri=uri)
        job.wait(timeout=120)
        docs = service.list_documents(uri=uri)
    finally:
        service.close_stores()

    assert job.error is None and job.report is not None
    assert len(job.report.added) == 2 and job.fraction == 1.0
    assert {d.title for d in docs} == {
        "Stability of methylammonium lead iodide perovskite solar cells",
        "Citrate synthesis of gold nanoparticles",
    }


def test_only_bad_files_is_a_validation_error(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    try:
        with pytest.raises(ValidationFailed, match="empty"):
            service.ingest_files([tmp_path / "empty.txt"], uri=str(tmp_path / "milvus.db"))
    finally:
        service.close_stores()
