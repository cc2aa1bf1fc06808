"""Literature library service for the UI and the CLI: ingest (with progress, optionally in the background),
search, ask, list and delete documents. Thin: the work is in tools.literature; this module picks the Milvus
URI from settings and turns library errors into app errors.

Two kinds of entry point (see app.services.access): the web app calls the `guarded` functions, which take the
signed-in account and ask the access policy (`search_for`, `ask_for`, `list_documents_for`, `document_for`,
`passages_for`, `delete_document_as`, `start_upload`, `start_demo`); the CLI at the server's shell calls the
`operator` ones (`ingest_files`, `search`, `ask`, `list_documents`, ...), which see and change everything.
An upload replaces a stored document only where `access.can_replace_document` allows it, and a private upload
is stored under its owner's key, so it never meets (or reveals) anybody else's document.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from app.errors import ChemassistError, DatabaseUnavailable, NotFound, PermissionDenied, ValidationFailed
from app.services import access
from app.services.identity import Account
from app.services.jobs import Job, JobCancelled, unexpected
from app.settings import get_settings
from tools.literature import (
    Answer,
    DocumentMeta,
    IngestReport,
    LiteratureError,
    LiteratureStore,
    MayReplace,
    RepairReport,
    Retriever,
    SearchFilters,
    SearchHit,
    StoreUnavailable,
    ingest_demo,
    ingest_paths,
)
from tools.literature import answer as answer_question
from tools.literature.answer import ChatModel
from tools.literature.embedding import local_embedder, set_default_embedder
from tools.literature.fingerprint import EmbeddingFingerprint
from tools.literature.ingest import EMBED_GROUP_CHUNKS, Progress
from tools.literature.readers import DEFAULT_MAX_BYTES
from tools.literature.remote_embedding import EmbedderChoice, connect_embedder
from tools.literature.retrieval import Mode

T = TypeVar("T")
log = logging.getLogger(__name__)
_stores: dict[str, LiteratureStore] = {}
_stores_lock = threading.Lock()
MAX_SEARCH_K = 200
# An answer reads every passage it considers (and sends them all to the model): more than this is no better
# answer, only a slower one (k=100000 took 107 s and 1.4 GB before this limit).
MAX_ASK_K = 50


@access.operator
def get_store(uri: str | None = None) -> LiteratureStore:
    """The process-wide store for the URI (default: settings' Milvus URI). Milvus Lite runs one local server
    per open file, so the app keeps one connection per URI and shares it between sessions."""
    uri = uri or get_settings().resolved_milvus_uri
    library_embedder()
    with _stores_lock:
        if uri not in _stores:
            try:
                settings = get_settings()
                _stores[uri] = LiteratureStore(
                    uri,
                    in_process_dense=settings.literature_in_process_search,
                    in_process_max_chunks=settings.literature_in_process_max_chunks,
                )
            except StoreUnavailable as exc:
                raise DatabaseUnavailable(str(exc)) from exc
        return _stores[uri]


_embedder_lock = threading.Lock()
_embedder_choice: EmbedderChoice | None = None


def library_embedder() -> EmbedderChoice:
    """The library's embedder, chosen once per process from settings: the OpenAI-compatible endpoint of
    CHEMASSIST_EMBEDDING_BASE_URL if its probe passes, else the local CPU model (with the message why)."""
    global _embedder_choice
    with _embedder_lock:
        if _embedder_choice is None:
            settings = get_settings()
            local = local_embedder(settings.embedding_local_backend)
            choice = EmbedderChoice(local)
            if settings.embedding_base_url:
                key = settings.embedding_api_key
                choice = connect_embedder(
                    settings.embedding_base_url,
                    local=local,
                    # int8 vectors are ~0.99 from the exact model's: probe against the exact one (same ONNX file)
                    reference=local_embedder("onnx") if settings.embedding_local_backend == "onnx-int8" else None,
                    model=settings.embedding_model,
                    api_key=key.get_secret_value() if key else None,
                    batch_size=settings.embedding_batch_size,
                    concurrency=settings.embedding_concurrency,
                    timeout_s=settings.llm_timeout_s,
                )
                if choice.message:
                    log.warning("%s", choice.message)
            set_default_embedder(choice.embedder)
            _embedder_choice = choice
        return _embedder_choice


def preload() -> None:
    """In the background: load the embedding model and start loading the library's in-process search matrix,
    so that the first question of the day does not wait for them. Failures are left to the first real call.
    It hands nothing to its caller (what a user may see is decided by the guarded calls that follow), so the
    web app may call it before anyone signs in."""
    threading.Thread(target=_warm_up, name="library-preload", daemon=True).start()


def _warm_up() -> None:
    try:
        _ = library_embedder().embedder.model
        get_store().dense_snapshot()
    except Exception:  # noqa: BLE001 - the search that needs them reports the failure
        log.debug("library preload failed", exc_info=True)


def close_stores() -> None:
    """Close every open store (end of a CLI command, tests); `LiteratureStore.close` releases a Milvus Lite
    file's lock, so that another process (the web app) may open it."""
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


def _check_k(k: int, most: int, what: str) -> None:
    if not 1 <= k <= most:
        raise ValidationFailed(f"k ({what}) must be between 1 and {most}; got {k}.")


# --- the operator (CLI): the whole library ---------------------------------------------------------------------


def _ingest(
    paths: Sequence[str | Path],
    *,
    owner: str | None,
    private: bool,
    tags: Sequence[str],
    progress: Progress | None,
    max_bytes: int,
    uri: str | None,
    may_replace: MayReplace | None,
    group_chunks: int = EMBED_GROUP_CHUNKS,
) -> IngestReport:
    if not paths:
        raise ValidationFailed("Give at least one file or folder to ingest.")
    if private and not owner:
        raise ValidationFailed("A private document needs an owner.")
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
            may_replace=may_replace,
            group_chunks=group_chunks,
        )
    )
    if report.failed and not (report.added or report.updated or report.skipped):
        raise ValidationFailed("; ".join(report.failed.values()))
    return report


@access.operator
def ingest_files(
    paths: Sequence[str | Path],
    *,
    owner: str | None = None,
    private: bool = False,
    tags: Sequence[str] = (),
    progress: Progress | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    uri: str | None = None,
    group_chunks: int = EMBED_GROUP_CHUNKS,
) -> IngestReport:
    """Ingest files or folders as the operator (a changed document replaces the stored one, whoever added it).
    Files and records that fail are listed in `report.failed` with the reason; nothing of a failed file is
    stored. Raises ValidationFailed only when every file failed. `group_chunks`: passages embedded before
    their documents are written (what a killed run can lose; a rerun skips what is stored)."""
    return _ingest(
        paths,
        owner=owner,
        private=private,
        tags=tags,
        progress=progress,
        max_bytes=max_bytes,
        uri=uri,
        may_replace=None,
        group_chunks=group_chunks,
    )


class IngestJob(Job[IngestReport]):
    """A background ingest (app.services.jobs) the UI can poll while it stays responsive; an upload also lists
    an outcome per file in `files`. Cancel stops it between documents: what was stored stays, whole."""

    def __init__(self, work: Callable[[IngestJob], IngestReport], *, name: str, total: int = 0, failure: str) -> None:
        super().__init__(
            lambda _: work(self), name=name, total=total, message="starting", describe_error=unexpected(failure)
        )
        self.files: list[FileOutcome] = []

    @property
    def report(self) -> IngestReport | None:
        return self.result


@access.operator
def start_ingest(paths: Sequence[str | Path], **kwargs: Any) -> IngestJob:
    """Run `ingest_files` in a background thread; poll the returned job's `snapshot()` (done/total/message)."""
    job = IngestJob(
        lambda job: ingest_files(paths, progress=job.progress, **kwargs),
        name="library-ingest",
        failure="Adding files to the library",
    )
    return job.start()


@access.operator
def ensure_demo_library(progress: Progress | None = None, uri: str | None = None) -> IngestReport | None:
    """On first start (empty library) ingest the demo library; otherwise do nothing and return None."""
    store = get_store(uri)
    if store.count_documents() > 0:
        return None
    return _call(lambda: ingest_demo(store, progress=progress))


@dataclass
class EmbeddingStatus:
    """The model the library was built with (None: not recorded yet) and whether the configured one matches."""

    library: EmbeddingFingerprint | None
    configured: str
    problem: str | None = None


@access.operator
def embedding_status(uri: str | None = None) -> EmbeddingStatus:
    """The library's embedding fingerprint and the configured embedder, checked against each other."""
    store = get_store(uri)
    embedder = library_embedder().embedder
    try:
        _call(lambda: store.check_embedder(embedder, record=False))
        problem = None
    except ValidationFailed as exc:
        problem = str(exc)
    return EmbeddingStatus(_call(store.embedding_fingerprint), embedder.fingerprint, problem)


@access.operator
def repair_library(uri: str | None = None) -> RepairReport:
    """Delete the passages that interrupted writes left behind (a Milvus Lite library does this itself when
    it opens; a Milvus server needs it run while no ingest is in progress)."""
    store = get_store(uri)
    report = _call(store.repair)
    if store.recovered is not None:  # a Milvus Lite file repaired itself as it opened, just now
        report.passages_removed += store.recovered.passages_removed
        report.documents_affected += store.recovered.documents_affected
        report.seconds += store.recovered.seconds
    return report


@access.operator
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
    _check_k(k, MAX_SEARCH_K, "passages to return")
    store = get_store(uri)
    return _call(lambda: Retriever(store).search(query, k=k, filters=filters, mode=mode))


@access.operator
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
    _check_k(k, MAX_ASK_K, "passages to read for the answer")
    store = get_store(uri)
    return _call(lambda: answer_question(question, Retriever(store), chat_model, k=k, filters=filters))


@access.operator
def list_documents(filters: SearchFilters | None = None, uri: str | None = None) -> list[DocumentMeta]:
    store = get_store(uri)
    return _call(lambda: store.list_documents(filters))


@access.operator
def get_document(document_id: str, uri: str | None = None) -> DocumentMeta:
    doc = _call(lambda: get_store(uri).get_document(document_id))
    if doc is None:
        raise NotFound(f"No document {document_id} in the library.")
    return doc


@access.operator
def passages(document_id: str, uri: str | None = None) -> list[SearchHit]:
    """All passages of a document in reading order (to open a cited passage in context)."""
    get_document(document_id, uri)
    return _call(lambda: get_store(uri).document_chunks(document_id))


@access.operator
def delete_document(document_id: str, uri: str | None = None) -> None:
    """Delete a document and its passages."""
    get_document(document_id, uri)
    _call(lambda: get_store(uri).delete_document(document_id))


# --- the web app: what a signed-in account may see and do ------------------------------------------------------


def _scoped(account: Account, filters: SearchFilters | None) -> SearchFilters:
    """The filters restricted to what the account may read: lab documents and its own private ones, whatever
    viewer or admin view the caller asked for (private means private, for administrators too)."""
    return (filters or SearchFilters()).model_copy(update={"viewer": account.username, "include_private": False})


@access.guarded
def viewer_filters(account: Account, **kwargs: Any) -> SearchFilters:
    """Filters for what this account may see: lab-wide documents and its own private ones (admins included:
    a private document is private to its owner)."""
    return _scoped(account, SearchFilters(**kwargs))


@access.guarded
def list_documents_for(
    account: Account, filters: SearchFilters | None = None, uri: str | None = None
) -> list[DocumentMeta]:
    """The documents this account may read (lab documents and its own private ones), newest first."""
    store = get_store(uri)
    return _call(lambda: store.list_documents(_scoped(account, filters)))


@access.guarded
def search_for(
    account: Account,
    query: str,
    *,
    k: int = 10,
    filters: SearchFilters | None = None,
    mode: Mode = "hybrid",
    uri: str | None = None,
) -> list[SearchHit]:
    """Search the documents this account may read."""
    return search(query, k=k, filters=_scoped(account, filters), mode=mode, uri=uri)


@access.guarded
def ask_for(
    account: Account,
    question: str,
    *,
    chat_model: ChatModel | None = None,
    k: int = 6,
    filters: SearchFilters | None = None,
    uri: str | None = None,
) -> Answer:
    """A cited answer from the documents this account may read, written by the served model when one is
    connected (the same one the chat's literature tool uses), else quoted from the passages."""
    if chat_model is None:
        from app.services import chat_models  # loads the model clients only when an answer is asked for

        chat_model = chat_models.literature_model()
    return ask(question, chat_model=chat_model, k=k, filters=_scoped(account, filters), uri=uri)


@access.guarded
def document_for(account: Account, document_id: str, uri: str | None = None) -> DocumentMeta:
    """The document if this account may see it; NotFound otherwise (we do not say which)."""
    doc = _call(lambda: get_store(uri).get_document(document_id))
    if doc is None or not access.can_read_document(account, doc.visibility, doc.owner):
        raise NotFound(f"No document {document_id} in the library.")
    return doc


@access.guarded
def passages_for(account: Account, document_id: str, uri: str | None = None) -> list[SearchHit]:
    document_for(account, document_id, uri)
    return _call(lambda: get_store(uri).document_chunks(document_id))


@access.guarded
def delete_document_as(account: Account, document_id: str, uri: str | None = None) -> DocumentMeta:
    """Delete a document and its passages if `account` may: an admin (any document), or the user who added it.
    For anyone else a private document of another user is not found (its existence is not revealed)."""
    doc = _call(lambda: get_store(uri).get_document(document_id))
    if doc is None or not (
        access.can_read_document(account, doc.visibility, doc.owner)
        or access.can_delete_document(account, doc.visibility, doc.owner)
    ):
        raise NotFound(f"No document {document_id} in the library.")
    if not access.can_delete_document(account, doc.visibility, doc.owner):
        raise PermissionDenied("Only an administrator, or the person who added a document, may delete it.")
    _call(lambda: get_store(uri).delete_document(document_id))
    return doc


FileStatus = Literal["added", "updated", "duplicate", "failed"]


@dataclass
class FileOutcome:
    """What happened to one uploaded file."""

    name: str
    status: FileStatus
    message: str
    document_ids: list[str] = field(default_factory=list)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _outcome(name: str, report: IngestReport) -> FileOutcome:
    ids = [*report.added, *report.updated, *report.skipped]
    failed = list(report.failed.values())
    parts = []
    if report.added:
        parts.append(f"{_n(len(report.added), 'new document')}")
    if report.updated:
        parts.append(f"{_n(len(report.updated), 'changed document')} replaced")
    if report.added or report.updated:
        parts[-1] += f" ({_n(report.chunks, 'passage')})"
    if report.skipped:
        parts.append(f"{_n(len(report.skipped), 'document')} already in the library")
    if failed:
        parts.append(f"{_n(len(failed), 'record')} not added: " + "; ".join(failed[:3]))
    status: FileStatus = "added" if report.added else "updated" if report.updated else "duplicate"
    return FileOutcome(name, status, ", ".join(parts), ids)


def _safe_name(name: str, index: int) -> str:
    """The uploaded file's own name (readers use it as title fallback and error text), without path parts."""
    base = Path(name.replace("\\", "/")).name.strip() or f"upload-{index}"
    return re.sub(r"[^\w.\- ()]+", "_", base)[:200]


@access.guarded
def start_upload(
    account: Account,
    files: Sequence[tuple[str, bytes]],
    *,
    private: bool = False,
    tags: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    uri: str | None = None,
) -> IngestJob:
    """Ingest files (name, bytes) uploaded by `account`, one by one in a background thread, so that the job
    reports an outcome per file (added, skipped as duplicate, failed with the reason). The account owns what it
    uploads; a private upload is stored under its own key; a new version of a lab document replaces it only for
    its uploader or an administrator. `done/total` counts hundredths of files."""
    if not files:
        raise ValidationFailed("Choose at least one file to upload.")
    tags = [t.strip() for t in tags if t.strip()]

    def may_replace(visibility: str, owner: str) -> bool:
        return access.can_replace_document(account, visibility, owner)

    def run(job: IngestJob) -> IngestReport:
        with tempfile.TemporaryDirectory(prefix="chemassist-upload-") as tmp:
            for i, (name, data) in enumerate(files):
                name = _safe_name(name, i)
                job.progress(100 * i, message=f"file {i + 1} of {len(files)}: reading {name}")

                def progress(done: int, total: int, message: str, i: int = i, name: str = name) -> None:
                    job.progress(
                        100 * i + (100 * done // total if total else 0),
                        message=f"file {i + 1} of {len(files)} ({name}): {message}",
                    )

                try:
                    if len(data) > max_bytes:
                        raise ValidationFailed(
                            f"{name} is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit."
                        )
                    folder = Path(tmp) / str(i)  # one folder per file: two uploads may share a name
                    folder.mkdir()
                    path = folder / name
                    path.write_bytes(data)
                    report = _ingest(
                        [path],
                        owner=account.username,
                        private=private,
                        tags=tags,
                        progress=progress,
                        max_bytes=max_bytes,
                        uri=uri,
                        may_replace=may_replace,
                    )
                    job.files.append(_outcome(name, report))
                except JobCancelled:
                    raise
                except ChemassistError as exc:
                    job.files.append(FileOutcome(name, "failed", str(exc)))
                except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others or reach the user raw
                    log.exception("upload of %s failed", name)
                    job.files.append(FileOutcome(name, "failed", f"could not be read ({type(exc).__name__})."))
        report = IngestReport()
        for f in job.files:
            if f.status == "failed":
                report.failed[f.name] = f.message
        return report

    job = IngestJob(run, name="library-upload", total=100 * len(files), failure="The upload")
    return job.start()


@access.guarded
def start_demo(account: Account, uri: str | None = None) -> IngestJob:
    """Ingest the demo library in the background if the library is empty (`job.report` stays empty if not).
    Any signed-in user may trigger this one-time load: it adds only the bundled lab-wide demo papers, and only
    to an empty library."""
    job = IngestJob(
        lambda job: ensure_demo_library(progress=job.progress, uri=uri) or IngestReport(),
        name="library-demo",
        failure="Loading the demo library",
    )
    return job.start()
