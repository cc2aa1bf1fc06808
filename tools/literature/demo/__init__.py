"""The demo library that `make run` ingests on first start: 265 openly licensed paper records (8 with full
text) and one PDF. Provenance and licenses: README.md beside this file."""

from __future__ import annotations

from pathlib import Path

from tools.literature.embedding import Embedder
from tools.literature.ingest import Progress, ingest_paths
from tools.literature.models import IngestReport
from tools.literature.store import LiteratureStore

DEMO_DIR = Path(__file__).resolve().parent
DEMO_FILES = [DEMO_DIR / "records.jsonl", DEMO_DIR / "pdfs" / "paperqa_duplicate_media_synthetic.pdf"]


def ingest_demo(
    store: LiteratureStore, *, embedder: Embedder | None = None, progress: Progress | None = None
) -> IngestReport:
    """Ingest the demo library (lab-visible, tagged 'demo'). Idempotent: a second call skips everything."""
    return ingest_paths(store, DEMO_FILES, embedder=embedder, progress=progress, tags=["demo"])
