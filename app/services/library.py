"""Literature library service for the UI and the CLI: ingest (with progress, optionally in the background),
search, ask, list and delete documents. Thin: the work is in tools.literature; this module picks the Milvus
URI from settings and turns library errors into app errors."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from app.errors import DatabaseUnavailable, NotFound, ValidationFailed
from app.settings import get_settings
from tools.literature import (
    Answer,
    DocumentMeta,
    IngestReport,
    LiteratureError,
    LiteratureStore,
    Retriever,
    SearchFilters,
    SearchHit,
    StoreUnavailable,
    ingest_demo,
    ingest_paths,
)
from tools.literature import answer as answer_question
from tools.literature.answer import ChatModel
from tools.literature.ingest import Progress
from tools.literature.readers import DEFAULT_MAX_BYTES
from tools.literature.retrieval import Mode

T = TypeVar("T")
_stores: dict[str, LiteratureStore] = {}
_stores_lock = threading.Lock()


def get_store(uri: str | None = None) -> LiteratureStore:
    """The process-wide store for the URI (default: settings' Milvus URI). Milvus Lite runs one local server
    per open file, so the app keeps one connection per URI and shares it between sessions."""
    uri = uri or get_settings().resolved_milvus_uri
    with _stores_lock:
        if uri not in _stores:
            try:
                _stores[uri] = LiteratureStore(uri)
            except StoreUnavailable as exc:
                raise DatabaseUnavailable(str(exc)) from exc
        return _stores[uri]


def close_stores() -> None:
    """Close every open store (end of a CLI command, tests)."""
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()


@contextmanager
def _friendly() -> Iterator[None]:
    try:
        yield
    except StoreUnavailable as exc:
        raise DatabaseUnavailable(str(exc)) from exc
    except LiteratureError as exc:
        raise ValidationFailed(str(exc)) from exc


def _call(fn: Callable[[], T]) -> T:
    with _friendly():
        return fn()


def ingest_files(
    paths: Sequence[str | Path],
    *,
    owner: str | None = None,
    private: bool = False,
    tags: Sequence[str] = (),
    progress: Progress | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    uri: str | None = None,
) -> IngestReport:
    """Ingest files or folders. Files that fail are listed in `report.failed` with the reason; nothing of a
    failed file is stored. Raises ValidationFailed only when every file failed."""
    if not paths:
        raise ValidationFailed("Give at least one file or folder to ingest.")
    store = get_store(uri)
    report = _call(
        lambda: ingest_paths(
            store,
            paths,
            owner=owner,
            visibility="private" if private else "lab",
            tags=tags,
            progress=progress,
            max_bytes=max_bytes,
        )
    )
    if report.failed and not (report.added or report.updated or report.skipped):
        raise ValidationFailed("; ".join(report.failed.values()))
    return report


@dataclass
class IngestJob:
    """A background ingest the UI can poll while it stays responsive."""

    done: int = 0
    total: int = 0
    message: str = "starting"
    report: IngestReport | None = None
    error: str | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.report is not None or self.error is not None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else (1.0 if self.finished else 0.0)

    def wait(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)


def start_ingest(paths: Sequence[str | Path], **kwargs: Any) -> IngestJob:
    """Run `ingest_files` in a background thread; poll the returned job's done/total/message."""
    job = IngestJob()

    def progress(done: int, total: int, message: str) -> None:
        job.done, job.total, job.message = done, total, message

    def run() -> None:
        try:
            job.report = ingest_files(paths, progress=progress, **kwargs)
            job.message = "finished"
        except Exception as exc:  # noqa: BLE001 - shown to the user in the UI, never re-raised in the thread
            job.error = str(exc)

    job.thread = threading.Thread(target=run, name="library-ingest", daemon=True)
    job.thread.start()
    return job


def ensure_demo_library(progress: Progress | None = None, uri: str | None = None) -> IngestReport | None:
    """On first start (empty library) ingest the demo library; otherwise do nothing and return None."""
    store = get_store(uri)
    if store.count_documents() > 0:
        return None
    return _call(lambda: ingest_demo(store, progress=progress))


def search(
    query: str,
    *,
    k: int = 10,
    filters: SearchFilters | None = None,
    mode: Mode = "hybrid",
    uri: str | None = None,
) -> list[SearchHit]:
    if not query.strip():
        raise ValidationFailed("Type something to search for.")
    if not 1 <= k <= 200:
        raise ValidationFailed("k must be between 1 and 200.")
    store = get_store(uri)
    return _call(lambda: Retriever(store).search(query, k=k, filters=filters, mode=mode))


def ask(
    question: str,
    *,
    chat_model: ChatModel | None = None,
    k: int = 6,
    filters: SearchFilters | None = None,
    uri: str | None = None,
) -> Answer:
    """A cited answer from the library; without a chat model (offline mode) it quotes the best passages."""
    if not question.strip():
        raise ValidationFailed("Ask a question.")
    store = get_store(uri)
    return _call(lambda: answer_question(question, Retriever(store), chat_model, k=k, filters=filters))


def list_documents(filters: SearchFilters | None = None, uri: str | None = None) -> list[DocumentMeta]:
    store = get_store(uri)
    return _call(lambda: store.list_documents(filters))


def get_document(document_id: str, uri: str | None = None) -> DocumentMeta:
    doc = _call(lambda: get_store(uri).get_document(document_id))
    if doc is None:
        raise NotFound(f"No document {document_id} in the library.")
    return doc


def passages(document_id: str, uri: str | None = None) -> list[SearchHit]:
    """All passages of a document in reading order (to open a cited passage in context)."""
    get_document(document_id, uri)
    return _call(lambda: get_store(uri).document_chunks(document_id))


def delete_document(document_id: str, uri: str | None = None) -> None:
    """Delete a document and its passages."""
    get_document(document_id, uri)
    _call(lambda: get_store(uri).delete_document(document_id))
