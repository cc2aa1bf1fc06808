"""Typed records of the literature library: documents, chunks, search hits and cited answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Visibility = Literal["lab", "private"]


class DocumentMeta(BaseModel):
    """Document-level metadata (one row per paper in the documents collection)."""

    document_id: str = Field(
        description="Stable id: 'doi:<doi>', 'arxiv:<id>' or 'sha256:<hash prefix>'; stored private documents "
        "carry their owner in front ('private/<owner>/doi:<doi>', see keys.py)."
    )
    title: str
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    source: str = ""
    doi: str | None = None
    url: str | None = None
    license: str | None = None
    abstract: str | None = None
    tags: list[str] = Field(default_factory=list)
    visibility: Visibility = "lab"
    owner: str = ""
    content_hash: str = Field(default="", description="sha256 of the extracted text; re-ingest is a no-op if equal.")
    filename: str | None = None
    n_pages: int | None = None
    n_chunks: int = 0
    extra: dict[str, Any] = Field(default_factory=dict)


class PageText(BaseModel):
    """Extracted text of one page (page 1 for documents without pages)."""

    page: int
    text: str
    headings: list[int] = Field(
        default_factory=list, description="Offsets of lines that were marked up as headings (Markdown '#')."
    )


class ParsedDocument(BaseModel):
    """A document as read from a file or record, before chunking."""

    meta: DocumentMeta
    pages: list[PageText]
    paged: bool = Field(default=True, description="Whether the source has real pages (PDF); text and records do not.")


class Chunk(BaseModel):
    """A passage of a document with its exact location: page and character offsets within that page's text."""

    chunk_id: str
    document_id: str
    section: str = ""
    page: int
    char_start: int
    char_end: int
    text: str
    paged: bool = True


def location(paged: bool, page: int, section: str) -> str:
    """Where a passage is, as a reader finds it: 'page 3' (with its section when known) for documents with
    pages, the section name for documents without (a text file has no page 1 to point at)."""
    section = " ".join(section.split())
    if paged:
        return f"page {page}, {section}" if section else f"page {page}"
    return f"section “{section}”" if section else "start of the text"


class SearchFilters(BaseModel):
    """Restrict a search; None means no restriction."""

    year_from: int | None = None
    year_to: int | None = None
    sources: list[str] | None = Field(default=None, description="Match if the source contains any of these.")
    tags: list[str] | None = Field(default=None, description="Match documents carrying any of these tags.")
    viewer: str | None = Field(
        default=None, description="Username: sees 'lab' documents and its own private ones. None: lab only."
    )
    document_ids: list[str] | None = None
    include_private: bool = Field(default=False, description="Admin view: see every document (ignores viewer).")


class SearchHit(BaseModel):
    """One retrieved passage with its citation data."""

    chunk_id: str
    document_id: str
    title: str
    content: str
    page: int
    char_start: int
    char_end: int
    source: str = ""
    year: int | None = None
    score: float = Field(description="Fused rank score (RRF) for hybrid, cosine for dense, BM25 for keyword.")
    section: str = ""
    paged: bool = Field(default=True, description="False for documents without pages (text, records).")

    @property
    def location(self) -> str:
        return location(self.paged, self.page, self.section)


class Citation(BaseModel):
    """A numbered citation [n] of an answer: the passage that supports the cited sentences."""

    n: int
    document_id: str
    title: str
    page: int
    passage: str
    char_start: int
    char_end: int
    url: str | None = None
    support: float = Field(default=0.0, description="Best similarity between a citing sentence and the passage.")
    section: str = ""
    paged: bool = True

    @property
    def location(self) -> str:
        return location(self.paged, self.page, self.section)


class Answer(BaseModel):
    """A cited answer. `insufficient_evidence` is True when the library does not support an answer."""

    question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    insufficient_evidence: bool = False
    mode: Literal["extractive", "model"] = "extractive"
    removed_sentences: list[str] = Field(
        default_factory=list, description="Sentences dropped because no cited passage supported them."
    )
    evidence_score: float = Field(default=0.0, description="Similarity of the best passage to the question.")


class RepairReport(BaseModel):
    """What a repair of the library found: passages that interrupted writes left behind, now deleted."""

    documents_checked: int = 0
    documents_affected: int = Field(default=0, description="documents that had passages no row accounted for")
    passages_removed: int = 0
    seconds: float = 0.0


class IngestReport(BaseModel):
    """What one ingest run did."""

    added: list[str] = Field(default_factory=list, description="document ids newly stored")
    updated: list[str] = Field(default_factory=list, description="document ids whose content changed")
    skipped: list[str] = Field(default_factory=list, description="document ids already stored unchanged")
    failed: dict[str, str] = Field(default_factory=dict, description="path or record -> error message")
    chunks: int = 0
    seconds: float = 0.0
