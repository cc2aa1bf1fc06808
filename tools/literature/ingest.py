"""Ingest files and records: read -> chunk -> embed in batches -> write to the store, idempotently.

A document's id comes from its DOI, arXiv id or content hash, and it is stored under that id scoped by who may
see it (`keys.document_key`: a private document under 'private/<owner>/<id>'), so the same paper uploaded
twice to the same place maps to one key; if the stored content hash matches, the document is skipped
(re-ingesting is a no-op), if it differs the document is replaced, when `may_replace` allows it (the app asks
its access policy; without one, as for the local operator, every replacement is allowed). A private upload
can only ever meet its uploader's own private copy. Chunks of many documents are embedded together in large
batches (the encoder is the cost), and each document is written only once all of its chunks are embedded.

Resuming: a run that is killed loses at most the group being embedded. Rerun it on the same files: what is
stored is skipped by its content hash, and what the kill left half-written is never searchable (the store
writes a document's passages before its row, and removes orphans at the next open; see store.py). Before any
vector goes in, the embedder is checked against the model the library was built with (`fingerprint.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from tools.literature.chunking import DEFAULT_MAX_CHARS, DEFAULT_OVERLAP, chunk_document
from tools.literature.embedding import Embedder, default_embedder
from tools.literature.errors import LiteratureError
from tools.literature.fingerprint import PROBE_SENTENCES, fingerprint_from
from tools.literature.keys import document_key
from tools.literature.models import Chunk, IngestReport, ParsedDocument, Visibility
from tools.literature.readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, read_file
from tools.literature.store import LiteratureStore, StoredDocument

Progress = Callable[[int, int, str], None]
"""progress(done, total, message): files read of all while reading, then passages indexed of all to index;
the message says which, and how many documents are done ('indexed 12 of 40 documents')."""
MayReplace = Callable[[str, str], bool]
"""may_replace(visibility, owner) of a stored document: whether this ingest may replace it with a new version."""

EMBED_GROUP_CHUNKS = 512
FIRST_GROUP_CHUNKS = 32


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and supported files found under directories (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            out.append(p)
    return out


def ingest_documents(
    store: LiteratureStore,
    docs: Sequence[ParsedDocument],
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    owner: str | None = None,
    visibility: Visibility | None = None,
    tags: Sequence[str] = (),
    max_chars: int = DEFAULT_MAX_CHARS,
    overlap: int = DEFAULT_OVERLAP,
    report: IngestReport | None = None,
    may_replace: MayReplace | None = None,
    group_chunks: int = EMBED_GROUP_CHUNKS,
) -> IngestReport:
    """Store parsed documents under their keys; unchanged ones are skipped, changed ones replaced where
    `may_replace` allows (refusals are listed in `failed`, and nothing of them changes). Returns what was
    added, updated and skipped. `group_chunks`: passages embedded together before their documents are written
    (what a kill can lose). Raises EmbedderMismatch, before writing anything, when the embedder's vectors are
    not the library's."""
    t0 = time.perf_counter()
    embedder = embedder or default_embedder()
    report = report or IngestReport()
    unique: dict[str, ParsedDocument] = {}
    for doc in docs:
        if owner is not None:
            doc.meta.owner = owner
        if visibility is not None:
            doc.meta.visibility = visibility
        doc.meta.tags = list(dict.fromkeys([*doc.meta.tags, *tags]))
        try:
            doc.meta.document_id = document_key(doc.meta.document_id, doc.meta.visibility, doc.meta.owner)
        except ValueError as exc:
            report.failed[f"{doc.meta.filename or ''}: {doc.meta.document_id}".lstrip(": ")] = str(exc)
            continue
        unique.setdefault(doc.meta.document_id, doc)
    stored = store.stored_documents(unique)
    todo: list[tuple[ParsedDocument, list[Chunk]]] = []
    for doc_id, doc in unique.items():
        existing = stored.get(doc_id)
        if existing is not None and existing.content_hash == doc.meta.content_hash:
            report.skipped.append(doc_id)
            continue
        if existing is not None and may_replace is not None and not may_replace(existing.visibility, existing.owner):
            report.failed[doc_id] = _refusal(doc, existing)
            continue
        chunks = chunk_document(doc, max_chars=max_chars, overlap=overlap)
        if not chunks:
            report.failed[doc.meta.filename or doc_id] = f"{doc.meta.title!r} has no text to index."
            continue
        todo.append((doc, chunks))
    total = sum(len(c) for _, c in todo)
    done = 0
    # The embedder is checked against the library's model with the first group's encode call (the probe
    # sentences go first), so nothing is written with a wrong model; that first group is kept small, so that
    # a wrong model is refused after a few passages, not a whole group.
    unchecked = bool(todo) and not store.embedder_checked(embedder)
    if progress:
        progress(0, total, f"{len(todo)} documents to index, {len(report.skipped)} already stored")
    group: list[tuple[ParsedDocument, list[Chunk]]] = []
    for i, item in enumerate(todo):
        group.append(item)
        limit = min(group_chunks, FIRST_GROUP_CHUNKS) if unchecked else group_chunks
        if sum(len(c) for _, c in group) >= max(1, limit) or i == len(todo) - 1:
            texts = [ch.text for _, chunks in group for ch in chunks]
            if unchecked:
                vectors = embedder.encode([*PROBE_SENTENCES, *texts])
                store.check_embedder(embedder, current=fingerprint_from(embedder, vectors[: len(PROBE_SENTENCES)]))
                vectors, unchecked = vectors[len(PROBE_SENTENCES) :], False
            else:
                vectors = embedder.encode(texts)
            n_chunks = len(vectors)
            offset = 0
            for doc, chunks in group:
                doc.meta.n_chunks = len(chunks)
                chunk_vectors = vectors[offset : offset + len(chunks)]
                store.add_document(doc.meta, chunks, chunk_vectors, _document_vector(chunk_vectors))
                offset += len(chunks)
                (report.updated if doc.meta.document_id in stored else report.added).append(doc.meta.document_id)
                report.chunks += len(chunks)
            done += n_chunks
            if progress:
                progress(done, total, f"indexed {len(report.added) + len(report.updated)} of {len(todo)} documents")
            group = []
    report.seconds += time.perf_counter() - t0
    return report


def _refusal(doc: ParsedDocument, existing: StoredDocument) -> str:
    added_by = f"added by {existing.owner}" if existing.owner else "added by the lab"
    allowed = f"only {existing.owner} or an administrator" if existing.owner else "only an administrator"
    return (
        f"{doc.meta.title!r} ({doc.meta.document_id}) is already in the library as a lab document {added_by}, "
        f"with different content, and {allowed} may replace it. Nothing was changed; to keep your own version, "
        "upload it as private."
    )


def _document_vector(chunk_vectors: np.ndarray) -> np.ndarray:
    """The document's vector: the normalised mean of its chunks' (no second encoder pass)."""
    mean = chunk_vectors.mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def ingest_paths(
    store: LiteratureStore,
    paths: Iterable[str | Path],
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    owner: str | None = None,
    visibility: Visibility | None = None,
    tags: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    may_replace: MayReplace | None = None,
    group_chunks: int = EMBED_GROUP_CHUNKS,
) -> IngestReport:
    """Ingest files and directories. A file that cannot be read is reported in `failed` (with the reason)
    and nothing of it is stored; so is each record of a record file (BibTeX, RIS, JSON lines) that cannot be
    read, under '<path> record <n> (...)', while the file's good records still go in. The other files too."""
    t0 = time.perf_counter()
    report = IngestReport()
    docs: list[ParsedDocument] = []
    files = expand_paths(paths)
    for n, path in enumerate(files, start=1):
        if progress and (n % 200 == 0 or n == len(files)):
            progress(n, len(files), f"reading files: {n} of {len(files)}")
        try:
            contents = read_file(path, max_bytes=max_bytes)
        except LiteratureError as exc:
            report.failed[str(path)] = str(exc)
            continue
        for skipped in contents.skipped:
            where, _, why = skipped.partition(": ")
            report.failed[f"{path} {where}"] = f"{path.name} {where}: {why}"
        for d in contents.documents:
            d.meta.filename = d.meta.filename or path.name
        docs.extend(contents.documents)
    ingest_documents(
        store,
        docs,
        embedder=embedder,
        progress=progress,
        owner=owner,
        visibility=visibility,
        tags=tags,
        report=report,
        may_replace=may_replace,
        group_chunks=group_chunks,
    )
    report.seconds = time.perf_counter() - t0
    return report
