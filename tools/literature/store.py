"""The Milvus store: collection `chemistry_papers` (one row per chunk) and `chemistry_papers_documents`.

Milvus Lite (a local file such as var/milvus.db) by default, a Milvus server by URI (http://host:19530).
Document-level metadata lives in a second Milvus collection rather than a JSON sidecar so that a Milvus
server holds the whole library (nothing to keep in sync on the app's disk); its vector is the normalised
mean of the document's chunk vectors (for "similar papers"). Keyword search is Milvus' own BM25 function over
`content`; hybrid search fuses dense and BM25 ranks with Milvus' RRFRanker (it runs in Lite too).

With a Milvus Lite file, search runs in this process by default: the chunk vectors, filter fields and a BM25
index of the texts are loaded once (in the background, Milvus answers meanwhile) into a `dense.DenseSnapshot`,
kept up to date by this store's writes, and reloaded when another store of this process wrote to the same
file. Dense, keyword and hybrid search then rank in numpy (hybrid with the same legs, candidate counts and RRF
as Milvus' hybrid search, see `bm25.py`) and fetch the hits' text from Milvus by id. Milvus Lite locks its file
to one process, so no other process can change it behind our back.

Durability: Milvus has no transactions across rows, so a document is written so that every moment (a crash
included) leaves a consistent library. A new version's passages go in under new ids first (the version is part
of a passage's id, see `keys.py`), then one upsert switches the document row over to that version, then the old
version's passages are deleted; a delete removes the row first. Searches return only passages of the version
their document row names (the hits' rows are read back, and more are fetched when some are dropped), so
passages a crash left behind are never found, and a replaced document keeps its old version until the new one
is complete. They are removed for good at the next open of a Milvus Lite file (a journal beside it lists the
writes in flight; the first open by this code scans the whole library once) or by `repair()` (`chemassist
library repair`) for a Milvus server, where other processes may be writing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tools.literature.dense import FILTER_FIELDS, DenseRows, DenseSnapshot, VectorDtype
from tools.literature.embedding import EMBEDDING_DIM, Embedder
from tools.literature.errors import StoreUnavailable
from tools.literature.fingerprint import (
    MIN_LIBRARY_COSINE,
    EmbedderMismatch,
    EmbeddingFingerprint,
    check_fingerprint,
    fingerprint_of,
)
from tools.literature.keys import PRIVATE_PREFIX, chunk_version, document_key, version_of, versioned_chunk_id
from tools.literature.models import Chunk, DocumentMeta, RepairReport, SearchFilters, SearchHit

CHUNKS = "chemistry_papers"
DOCUMENTS = "chemistry_papers_documents"
RRF_K = 60
# Collection property of the chunks collection holding the library's embedding fingerprint (JSON).
FINGERPRINT_PROPERTY = "chemassist.embedding_fingerprint"
# At or below this many chunks, dense search is exhaustive (exact): IVF_FLAT probes every list, which costs
# what FLAT costs (about 16 ms at 10k on the 2-core machine); above it, 16 of 128 lists (recall@10 1.0 at 50k).
EXACT_SEARCH_MAX_CHUNKS = 10_000
# Above this many chunks dense search goes to Milvus even for a Lite file; chosen by measurement in
# benchmarks/literature_scale.py (benchmarks/results/literature.md): 0.75 GB of float32 vectors, a 5-minute
# background load from Milvus Lite, and p50 under 100 ms on 2 cores; bigger libraries belong on a Milvus server.
IN_PROCESS_MAX_CHUNKS = 500_000
_LOAD_BATCH = 4096
_SCAN_BATCH = 16_384
_DELETE_BATCH = 500
# Milvus' largest topk; a search that drops passages of unfinished writes asks again for more, up to this.
_MAX_LIMIT = 16_384
_MAX_ROUNDS = 8
log = logging.getLogger(__name__)


def declare_bm25(schema: Any, index_params: Any) -> None:
    """Milvus' own BM25 over `content` (declared with enable_analyzer) into `content_sparse`, and its index: the
    keyword leg of the chunks collection, declared here once for the store and for what compares against it."""
    from pymilvus import DataType, Function, FunctionType

    schema.add_field("content_sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="content_bm25",
            function_type=FunctionType.BM25,
            input_field_names=["content"],
            output_field_names=["content_sparse"],
        )
    )
    index_params.add_index("content_sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")


def bm25_reference(path: Path, texts: Sequence[str]) -> Any:
    """TEXTS (row id = position) in a Milvus Lite collection "chunks" that has only the store's keyword leg,
    flushed: Milvus' BM25 scores, the reference the in-process index (tools.literature.bm25) is held to."""
    from pymilvus import DataType, MilvusClient

    client = MilvusClient(str(path))
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("content", DataType.VARCHAR, max_length=_MAX["content"], enable_analyzer=True)
    params = client.prepare_index_params()
    declare_bm25(schema, params)
    client.create_collection("chunks", schema=schema, index_params=params, consistency_level="Strong")
    for start in range(0, len(texts), 1000):
        client.insert("chunks", [{"id": i, "content": t} for i, t in enumerate(texts[start : start + 1000], start)])
    client.flush("chunks")
    return client


class _NoMvccNotice(logging.Filter):
    """Milvus Lite has no AllocTimestamp call: its in-process gRPC server logs 'Method not implemented!' with a
    traceback whenever pymilvus asks (creating an index, starting a query iterator), and the iterator then
    warns that it 'failed to get mvccTs'. pymilvus falls back to the client's clock, which is all we need."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "mvccTs" in record.getMessage():
            return False
        tb = record.exc_info[2] if record.exc_info else None
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        return tb is None or tb.tb_frame.f_code.co_name != "AllocTimestamp"


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_NoMvccNotice())
logging.getLogger("grpc._server").addFilter(_NoMvccNotice())
_HIT_FIELDS = [
    "id",
    "document_id",
    "title",
    "content",
    "page",
    "char_start",
    "char_end",
    "source",
    "year",
    "metadata",
]
_MAX = {"id": 512, "document_id": 256, "title": 2048, "content": 8192, "source": 512, "owner": 128}
# Dense index, chosen by measurement: benchmarks/literature_search.py -> benchmarks/results/literature.md.
# IVF_FLAT: as accurate as HNSW at 10k-50k on Milvus Lite, similar latency, 25x faster to build. For
# millions of chunks on a Milvus server pass index_type="HNSW".
DEFAULT_INDEX = "IVF_FLAT"
_INDEX_PARAMS: dict[str, dict[str, Any]] = {
    "FLAT": {},
    "IVF_FLAT": {"nlist": 128},
    "HNSW": {"M": 16, "efConstruction": 200},
    "AUTOINDEX": {},
}


def _clip(value: str, field: str) -> str:
    """Milvus VARCHAR limits count bytes: cut on a character boundary under the limit."""
    limit = _MAX[field]
    raw = value.encode("utf-8")
    return value if len(raw) <= limit else raw[:limit].decode("utf-8", errors="ignore")


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a Milvus string literal: double quotes, backslash escapes


def _quote_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(map(_quote, values)) + "]"


def filter_expression(filters: SearchFilters | None) -> str:
    """A Milvus boolean expression for the filters ('' for none). Lab-wide documents only by default."""
    f = filters or SearchFilters()
    parts: list[str] = []
    if f.year_from is not None:
        parts.append(f"year >= {int(f.year_from)}")
    if f.year_to is not None:
        parts.append(f"(year <= {int(f.year_to)} and year > 0)")
    if f.sources:
        parts.append("(" + " or ".join(f"source like {_quote('%' + s + '%')}" for s in f.sources) + ")")
    if f.tags:
        parts.append(f"ARRAY_CONTAINS_ANY(tags, {_quote_list(f.tags)})")
    if f.document_ids is not None:
        parts.append(f"document_id in {_quote_list(f.document_ids)}")
    if not f.include_private:
        who = f' or (visibility == "private" and owner == {_quote(f.viewer)})' if f.viewer else ""
        parts.append(f'(visibility == "lab"{who})')
    return " and ".join(parts)


class _FileRegistry:
    """Per Milvus Lite file in this process: a write generation (so that stores over the same file see each
    other's writes) and how many stores have it open (the last close releases Milvus Lite's file lock); per
    library (file and collection): its open stores, the documents being written and the Lite write journal."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: dict[str, int] = {}
        self.users: dict[str, int] = {}
        self.libraries: dict[str, int] = {}
        self.writing: dict[str, dict[str, int]] = {}
        self.journals: dict[str, _Journal] = {}
        # Per library: one write (or repair) at a time in this process, and when each document was last written.
        self.write_locks: dict[str, threading.RLock] = {}
        self.written: dict[str, dict[str, int]] = {}
        self.sequence = 0

    def open(self, key: str, library: str) -> bool:
        """True when no other store of this process has the library open and none is writing to it."""
        with self.lock:
            self.users[key] = self.users.get(key, 0) + 1
            first = not self.libraries.get(library) and not self.writing.get(library)
            self.libraries[library] = self.libraries.get(library, 0) + 1
            return first

    def close(self, key: str, library: str) -> bool:
        """True when this was the last open store of the file."""
        with self.lock:
            self.libraries[library] = self.libraries.get(library, 1) - 1
            if self.libraries[library] <= 0:
                del self.libraries[library]
            self.users[key] = self.users.get(key, 1) - 1
            if self.users[key] > 0:
                return False
            del self.users[key]
            return True

    def journal(self, library: str, path: Path) -> _Journal:
        with self.lock:
            if library not in self.journals:
                self.journals[library] = _Journal(path)
            return self.journals[library]

    def write_lock(self, library: str) -> threading.RLock:
        with self.lock:
            return self.write_locks.setdefault(library, threading.RLock())

    @contextlib.contextmanager
    def write(self, library: str, document_key: str) -> Iterator[None]:
        """Write a document of the library: one write at a time per library in this process, and the document
        marked as written (a repair that scanned before leaves it alone)."""
        with self.write_lock(library):
            with self.lock:
                self.sequence += 1
                self.written.setdefault(library, {})[document_key] = self.sequence
                docs = self.writing.setdefault(library, {})
                docs[document_key] = docs.get(document_key, 0) + 1
            try:
                yield
            finally:
                with self.lock:
                    docs[document_key] -= 1
                    if not docs[document_key]:
                        del docs[document_key]
                    if not docs:
                        del self.writing[library]

    def now(self) -> int:
        with self.lock:
            return self.sequence

    def written_since(self, library: str, sequence: int) -> set[str]:
        """Documents whose write began after `sequence`, or that are being written."""
        with self.lock:
            recent = {k for k, n in self.written.get(library, {}).items() if n > sequence}
            return recent | set(self.writing.get(library, {}))


class _Journal:
    """Milvus Lite only: the document writes in flight, as JSON lines in a file beside the library ('begin' when
    a write starts, 'end' when it finished). A write that began and never ended was cut short by a crash; the
    next open repairs its document. The file is emptied whenever no write is in flight (once it was recovered)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.in_flight = 0
        self.clean = False  # recovered at open: it may be emptied when no write is in flight

    def exists(self) -> bool:
        return self.path.exists()

    def _append(self, entry: dict[str, str]) -> None:
        # One small O_APPEND write per line: it survives the process being killed (the OS has it).
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def begin(self, document_key: str) -> str:
        token = uuid.uuid4().hex[:16]
        with self.lock:
            self._append({"begin": token, "document": document_key})
            self.in_flight += 1
        return token

    def end(self, token: str, completed: bool) -> None:
        """A write finished; an incomplete one (an error half-way) stays pending for the next open to repair."""
        with self.lock:
            self.in_flight -= 1
            if not completed:
                self.clean = False
            if self.clean and self.in_flight == 0:
                self.path.write_bytes(b"")
            elif completed:
                self._append({"end": token})

    def pending(self) -> list[str]:
        """Documents whose write began and never ended."""
        begun: dict[str, str] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        for line in lines:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:  # the last line of a crash may be cut short
                continue
            if "begin" in entry:
                begun[entry["begin"]] = entry.get("document", "")
            elif "end" in entry:
                begun.pop(entry["end"], None)
        return sorted({d for d in begun.values() if d})

    def reset(self) -> None:
        with self.lock:
            self.path.write_bytes(b"")
            self.clean = True


class StoredDocument(NamedTuple):
    """What a replace decision needs to know of a stored document."""

    content_hash: str
    visibility: str
    owner: str


_files = _FileRegistry()


def _release_lite_file(path: str) -> None:
    """Stop the in-process Milvus Lite server of the file: closing the client alone keeps the file locked
    until the process exits, so no other process (the web app after a CLI command) could open it."""
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:  # a Milvus server deployment may not install milvus-lite
        return
    server_manager_instance.release_server(path)


def _stale_chunks(document_key: str, chunk_ids: Sequence[str], version: str | None) -> list[str]:
    """The passages of a document that its row does not account for: all of them without a row (None); else
    those of other versions, or, for a row whose version has no passages (stored before versions), the
    versioned ones (an unfinished replacement)."""
    if version is None:
        return list(chunk_ids)
    versions = [chunk_version(i, document_key) for i in chunk_ids]
    keep = version if version in versions else ""
    return [i for i, v in zip(chunk_ids, versions, strict=True) if v != keep]


class LiteratureStore:
    """A connection to the library's two collections. Close it (or use `with`): Milvus Lite runs a local
    server per open file and locks the file until the last store over it closes.

    `in_process_dense`: None (default) runs dense, keyword and hybrid search in this process for a Milvus Lite
    file and in Milvus for a server URI; True / False force it. Libraries over `in_process_max_chunks` chunks
    always use Milvus. `vector_dtype="float16"` halves the snapshot's vector memory (recall@10 against float32
    in the benchmark).

    `repair_on_open` (default True): the first store of this process over a Milvus Lite file removes what
    crashed writes left behind (see the module docstring), and any store stores private documents of older
    libraries under their owner's key. `write_batch`: passages per insert request.
    """

    def __init__(
        self,
        uri: str | Path,
        *,
        token: str | None = None,
        collection: str = CHUNKS,
        index_type: str = DEFAULT_INDEX,
        exact_search_max_chunks: int = EXACT_SEARCH_MAX_CHUNKS,
        in_process_dense: bool | None = None,
        in_process_max_chunks: int = IN_PROCESS_MAX_CHUNKS,
        vector_dtype: VectorDtype = "float32",
        repair_on_open: bool = True,
        write_batch: int = 512,
    ) -> None:
        from pymilvus import MilvusClient

        self.uri = str(uri)
        self.chunks_name = collection
        self.documents_name = f"{collection}_documents" if collection != CHUNKS else DOCUMENTS
        self.index_type = index_type.upper()
        if self.index_type not in _INDEX_PARAMS:
            raise ValueError(f"index_type must be one of {sorted(_INDEX_PARAMS)}")
        self.exact_search_max_chunks = exact_search_max_chunks
        self.is_lite = "://" not in self.uri
        # The key Milvus Lite itself uses for the file; for a server, the URI and collection.
        self._file = os.path.abspath(Path(self.uri).expanduser()) if self.is_lite else self.uri
        self._key = f"{self._file}#{self.chunks_name}"
        self.in_process_dense = self.is_lite if in_process_dense is None else in_process_dense
        self.in_process_max_chunks = in_process_max_chunks
        self.vector_dtype: VectorDtype = vector_dtype
        self.write_batch = max(1, write_batch)
        if self.is_lite:
            Path(self.uri).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client = MilvusClient(uri=self.uri, token=token or "")
        except Exception as exc:  # noqa: BLE001 - pymilvus raises MilvusException, OSError, ...
            raise StoreUnavailable(f"Cannot open the Milvus store at {self.uri}: {exc}") from exc
        first = _files.open(self._file, self._key)
        # Milvus Lite: the journal of writes in flight, beside the library (None for a server).
        self.journal_path = Path(f"{self._file}-{self.chunks_name}.journal") if self.is_lite else None
        self._journal = _files.journal(self._key, self.journal_path) if self.journal_path else None
        self._closed = False
        self._lock = threading.RLock()
        self._count: tuple[int, float] | None = None
        # In-process dense search: the snapshot, the writes made since it was taken, the background loader.
        self._dense: DenseSnapshot | None = None
        self._dense_generation = -1  # the file generation the snapshot (with the pending changes) reflects
        self._pending: list[tuple[str, Any]] = []  # ("add", DenseRows) or ("delete", document id)
        self._loader: threading.Thread | None = None
        self._too_large_at: int | None = None  # generation at which the library was found too large
        self._stop = threading.Event()
        self.recovered: RepairReport | None = None  # what the repair at open removed, if it ran
        self._checked_embedders: weakref.WeakSet[Embedder] = weakref.WeakSet()
        self._fingerprint: EmbeddingFingerprint | None = None
        try:
            self._ensure_collections()
            if repair_on_open:
                self._recover(first)
        except Exception:
            self.close()
            raise

    # --- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; the last store over a Milvus Lite file releases the file's lock."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._loader is not None:
            self._loader.join()
        self.client.close()
        if _files.close(self._file, self._key) and self.is_lite:
            _release_lite_file(self.uri)

    def __enter__(self) -> LiteratureStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_collections(self) -> None:
        from pymilvus import DataType

        c = self.client
        if not c.has_collection(self.chunks_name):
            s = c.create_schema(auto_id=False, enable_dynamic_field=False)
            s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=_MAX["id"])
            s.add_field("document_id", DataType.VARCHAR, max_length=_MAX["document_id"])
            s.add_field("title", DataType.VARCHAR, max_length=_MAX["title"])
            s.add_field("content", DataType.VARCHAR, max_length=_MAX["content"], enable_analyzer=True)
            s.add_field("embedding", DataType.FLOAT_VECTOR, dim=EMBEDDING_DIM)
            ip = c.prepare_index_params()
            declare_bm25(s, ip)
            s.add_field("source", DataType.VARCHAR, max_length=_MAX["source"])
            s.add_field("date_published", DataType.VARCHAR, max_length=32)
            s.add_field("year", DataType.INT64)
            s.add_field("metadata", DataType.JSON)
            s.add_field("page", DataType.INT64)
            s.add_field("char_start", DataType.INT64)
            s.add_field("char_end", DataType.INT64)
            s.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=64, max_length=256)
            s.add_field("visibility", DataType.VARCHAR, max_length=16)
            s.add_field("owner", DataType.VARCHAR, max_length=_MAX["owner"])
            ip.add_index(
                "embedding",
                index_type=self.index_type,
                metric_type="COSINE",
                params=_INDEX_PARAMS[self.index_type],
            )
            c.create_collection(self.chunks_name, schema=s, index_params=ip, consistency_level="Strong")
        if not c.has_collection(self.documents_name):
            s = c.create_schema(auto_id=False, enable_dynamic_field=False)
            s.add_field("document_id", DataType.VARCHAR, is_primary=True, max_length=_MAX["document_id"])
            s.add_field("title", DataType.VARCHAR, max_length=_MAX["title"])
            s.add_field("embedding", DataType.FLOAT_VECTOR, dim=EMBEDDING_DIM)
            s.add_field("source", DataType.VARCHAR, max_length=_MAX["source"])
            s.add_field("year", DataType.INT64)
            s.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=64, max_length=256)
            s.add_field("visibility", DataType.VARCHAR, max_length=16)
            s.add_field("owner", DataType.VARCHAR, max_length=_MAX["owner"])
            s.add_field("content_hash", DataType.VARCHAR, max_length=64)
            s.add_field("metadata", DataType.JSON)
            ip = c.prepare_index_params()
            ip.add_index("embedding", index_type="FLAT", metric_type="COSINE")
            c.create_collection(self.documents_name, schema=s, index_params=ip, consistency_level="Strong")
        # Reopened collections (after a restart) come back released: load them for search and query.
        for name in (self.chunks_name, self.documents_name):
            c.load_collection(name)

    # --- writing -----------------------------------------------------------------------------------

    def add_document(
        self,
        meta: DocumentMeta,
        chunks: Sequence[Chunk],
        chunk_vectors: np.ndarray,
        doc_vector: np.ndarray,
        batch: int | None = None,
    ) -> None:
        """Store a document, or a new version of a stored one (same `meta.document_id`), with its passages.

        The new version's passages are written under new ids, then the document row is switched over to them,
        then the old version's passages are deleted: whenever the process stops, the library holds the whole
        old version or the whole new one (see the module docstring). On an error the new passages are removed."""
        batch = batch or self.write_batch
        if not meta.content_hash:
            digest = hashlib.sha256("\x00".join(ch.text for ch in chunks).encode("utf-8")).hexdigest()
            meta = meta.model_copy(update={"content_hash": digest})
        key, version = meta.document_id, version_of(meta.content_hash)
        rows = [
            self._chunk_row(meta, ch.model_copy(update={"chunk_id": versioned_chunk_id(key, version, ch.chunk_id)}), v)
            for ch, v in zip(chunks, chunk_vectors, strict=True)
        ]
        new_ids = {r["id"] for r in rows}
        with self._lock, self._writing(key):
            self._count = None
            replacing = key in self._versions([key])  # by primary key: cheap, unlike a scan for old passages
            try:
                for i in range(0, len(rows), batch):
                    self.client.upsert(self.chunks_name, rows[i : i + batch])
                self.client.upsert(self.documents_name, [self._document_row(meta, doc_vector, len(rows))])
            except Exception:
                self._note_write(None)
                with contextlib.suppress(Exception):  # the row may have switched over: then the passages stay
                    if self._versions([key]).get(key) != version:
                        self._delete_ids(new_ids)
                raise
            if replacing:  # (leftovers of a crashed first write of a new document are hidden, and repaired)
                self._delete_ids([i for i in self._chunk_ids(key) if i not in new_ids])
            if rows:
                vectors = np.asarray(chunk_vectors, dtype=np.float32).reshape(len(rows), -1)
                if replacing:
                    self._note_write(("delete", key))
                self._note_write(("add", DenseRows.from_entities(rows, vectors)))

    @contextlib.contextmanager
    def _writing(self, document_key: str) -> Iterator[None]:
        """Mark a document write in flight: in this process (repairs skip it) and in the Lite journal."""
        with _files.write(self._key, document_key):
            if self._journal is None:
                yield
                return
            token = self._journal.begin(document_key)
            completed = False
            try:
                yield
                completed = True
            finally:
                self._journal.end(token, completed)

    def _chunk_ids(self, document_key: str) -> list[str]:
        return [r["id"] for r in self._document_rows(document_key, ["id"])]

    def _document_rows(self, document_key: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every passage row of a document (one query; an iterator for documents over Milvus' query limit)."""
        expr = f"document_id == {_quote(document_key)}"
        rows = self.client.query(self.chunks_name, filter=expr, output_fields=fields, limit=_MAX_LIMIT)
        return rows if len(rows) < _MAX_LIMIT else list(self._scan(self.chunks_name, fields, expr))

    def _delete_ids(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        for i in range(0, len(ids), _DELETE_BATCH):
            self.client.delete(self.chunks_name, filter=f"id in {_quote_list(ids[i : i + _DELETE_BATCH])}")
        return len(ids)

    @staticmethod
    def _chunk_row(meta: DocumentMeta, ch: Chunk, vec: np.ndarray) -> dict[str, Any]:
        return {
            "id": _clip(ch.chunk_id, "id"),
            "document_id": meta.document_id,
            "title": _clip(meta.title, "title"),
            "content": _clip(ch.text, "content"),
            "embedding": vec.tolist(),
            "source": _clip(meta.source, "source"),
            "date_published": str(meta.year or ""),
            "year": meta.year or 0,
            "metadata": {
                "section": ch.section,
                "doi": meta.doi,
                "url": meta.url,
                "license": meta.license,
                "authors": meta.authors[:20],
                "paged": ch.paged,
            },
            "page": ch.page,
            "char_start": ch.char_start,
            "char_end": ch.char_end,
            "tags": [t[:256] for t in meta.tags[:64]],
            "visibility": meta.visibility,
            "owner": _clip(meta.owner, "owner"),
        }

    @staticmethod
    def _document_row(meta: DocumentMeta, vec: np.ndarray, n_chunks: int) -> dict[str, Any]:
        meta = meta.model_copy(update={"n_chunks": n_chunks})
        return {
            "document_id": meta.document_id,
            "title": _clip(meta.title, "title"),
            "embedding": vec.tolist(),
            "source": _clip(meta.source, "source"),
            "year": meta.year or 0,
            "tags": [t[:256] for t in meta.tags[:64]],
            "visibility": meta.visibility,
            "owner": _clip(meta.owner, "owner"),
            "content_hash": meta.content_hash,
            "metadata": meta.model_dump(mode="json"),
        }

    def delete_document(self, document_id: str) -> None:
        """Remove a document and all its passages (the row first: passages left by a crash are never found)."""
        with self._lock, self._writing(document_id):
            self._count = None
            self.client.delete(self.documents_name, filter=f"document_id == {_quote(document_id)}")
            self.client.delete(self.chunks_name, filter=f"document_id == {_quote(document_id)}")
            self._note_write(("delete", document_id))

    # --- repair ------------------------------------------------------------------------------------

    def _recover(self, first: bool) -> None:
        """At open: repair what crashed writes left (Milvus Lite, first store of the process: nobody else can be
        writing), and key private documents of older libraries by their owner."""
        if self._journal is not None and first:
            if not self._journal.exists():
                # A library no crash-safe writer has opened yet: one scan of every passage (if it has any).
                if self.count_chunks():
                    self.recovered = self.repair()
            elif pending := self._journal.pending():
                self.recovered = self.repair(documents=pending)
            self._journal.reset()
        self._rekey_private_documents()

    def repair(self, documents: Iterable[str] | None = None) -> RepairReport:
        """Delete the passages that no document row accounts for: those of documents without a row (a crash
        during an ingest or a delete) and those of another version than the row names (a crash during a
        replacement). `documents`: only these document ids; default: the whole library (a scan of every
        passage id). Documents this process writes meanwhile are left alone; on a Milvus server run it when no
        other process is ingesting, as their half-written documents would look the same."""
        t0 = time.perf_counter()
        start = _files.now()
        if documents is not None:
            keys = sorted(set(documents))
            ids = {k: self._chunk_ids(k) for k in keys}
            versions = self._versions(keys)
        else:
            ids = {}
            for row in self._scan(self.chunks_name, ["id", "document_id"]):
                ids.setdefault(row["document_id"], []).append(row["id"])
            rows = self._scan(self.documents_name, ["document_id", "content_hash"])
            versions = {r["document_id"]: version_of(r["content_hash"]) for r in rows}
        # No write of this process may start while the leftovers go, and documents written since the scan began
        # are left alone: what the scan saw of them may be a write in progress, not a leftover.
        with _files.write_lock(self._key):
            for key in _files.written_since(self._key, start):
                ids.pop(key, None)
            per_document = {key: _stale_chunks(key, chunk_ids, versions.get(key)) for key, chunk_ids in ids.items()}
            stale = [i for chunk_ids in per_document.values() for i in chunk_ids]
            if stale:
                self._count = None
                self._delete_ids(stale)
                self._note_write(None)
        if stale:
            log.warning("library %s: removed %d passages left by interrupted writes", self.uri, len(stale))
        return RepairReport(
            documents_checked=len(ids),
            passages_removed=len(stale),
            documents_affected=sum(bool(chunk_ids) for chunk_ids in per_document.values()),
            seconds=time.perf_counter() - t0,
        )

    def _scan(self, collection: str, fields: list[str], expr: str = "") -> Iterator[dict[str, Any]]:
        it = self.client.query_iterator(collection, batch_size=_SCAN_BATCH, filter=expr, output_fields=fields)
        try:
            while rows := it.next():
                yield from rows
        finally:
            it.close()

    def _rekey_private_documents(self) -> int:
        """Private documents stored before keys were scoped ('doi:10.1/x', visibility private) move to their
        owner's key ('private/<owner>/doi:10.1/x'), so that nobody else's upload can ever meet them. Written like
        a replacement (new copy complete, then the old one deleted): a crash half-way is finished next open."""
        rows = self.client.query(
            self.documents_name,
            filter=f'visibility == "private" and not (document_id like {_quote(PRIVATE_PREFIX + "%")})',
            output_fields=["document_id", "owner", "metadata", "embedding"],
            limit=16_384,
        )
        moved = 0
        for row in rows:
            old = row["document_id"]
            try:
                key = document_key(old, "private", row["owner"])
            except ValueError:
                log.warning("private document %s has no usable owner (%r); left as it is", old, row["owner"])
                continue
            meta = DocumentMeta.model_validate(row["metadata"]).model_copy(update={"document_id": key})
            if self.stored_documents([key]).get(key, StoredDocument("", "", "")).content_hash != meta.content_hash:
                hits, vectors = self._current_chunks(old, with_vectors=True)
                chunks = [
                    Chunk(
                        chunk_id=key + h.chunk_id[len(old) :],
                        document_id=key,
                        section=h.section,
                        page=h.page,
                        char_start=h.char_start,
                        char_end=h.char_end,
                        text=h.content,
                    )
                    for h in hits
                ]
                self.add_document(meta, chunks, vectors, np.asarray(row["embedding"], dtype=np.float32))
            self.delete_document(old)
            moved += 1
        if moved:
            log.info("library %s: %d private documents keyed by their owner", self.uri, moved)
        return moved

    # --- in-process dense search -------------------------------------------------------------------

    def _note_write(self, change: tuple[str, Any] | None) -> None:
        """Record a write: bump the file's generation; keep the change for the snapshot if it was current
        (None: a change we cannot describe, the snapshot must be reloaded)."""
        with _files.lock:
            before = _files.generation.get(self._key, 0)
            _files.generation[self._key] = before + 1
        with self._lock:
            if change is not None and self._dense is not None and self._dense_generation == before:
                self._pending.append((change[0], change[1]))
                self._dense_generation = before + 1
            else:
                self._dense, self._pending = None, []

    def _generation(self) -> int:
        with _files.lock:
            return _files.generation.get(self._key, 0)

    def dense_snapshot(self, wait: bool = False) -> DenseSnapshot | None:
        """The current in-process snapshot, or None while it loads (then Milvus answers). Starts the
        background load if needed; `wait=True` loads in the caller's thread (tests, warm-up at start)."""
        if not self.in_process_dense or self._closed:
            return None
        with self._lock:
            generation = self._generation()
            if self._dense is not None and self._dense_generation == generation:
                if self._pending:
                    removed: set[str] = set()
                    added: list[DenseRows] = []
                    for kind, value in self._pending:
                        if kind == "delete":
                            removed.add(value)
                            added = [a for a in added if value not in a.document_ids]
                        else:
                            added.append(value)
                    self._dense = self._dense.with_changes(removed, added, generation)
                    self._pending = []
                    if len(self._dense) > self.in_process_max_chunks:
                        self._dense, self._too_large_at = None, generation
                return self._dense
            if self._too_large_at == generation:
                return None
            if wait:
                self._load(generation)
                return self._dense if self._dense_generation == generation else None
            if self._loader is None or not self._loader.is_alive():
                self._loader = threading.Thread(
                    target=self._load, args=(generation,), name="literature-dense-load", daemon=True
                )
                self._loader.start()
            return None

    def _load(self, generation: int) -> None:
        """Read every chunk's vector and filter fields from Milvus into a new snapshot. Discarded if the
        library changed meanwhile (the next search starts another load)."""
        try:
            if self.count_chunks() > self.in_process_max_chunks:
                self._too_large_at = generation
                return
            parts = []
            it = self.client.query_iterator(
                self.chunks_name,
                batch_size=_LOAD_BATCH,
                filter="",
                output_fields=[*FILTER_FIELDS, "content", "embedding"],
            )
            try:
                while not self._stop.is_set():
                    rows = it.next()
                    if not rows:
                        break
                    parts.append(DenseRows.from_entities(rows))
            finally:
                it.close()
            if self._stop.is_set():
                return
            snapshot = DenseSnapshot.build(parts, EMBEDDING_DIM, self.vector_dtype, generation)
        except Exception:  # noqa: BLE001 - the snapshot is an accelerator: Milvus keeps answering without it
            log.exception("loading the in-process dense index of %s failed", self.uri)
            return
        with self._lock:
            if self._generation() == generation:
                self._dense, self._dense_generation, self._pending = snapshot, generation, []

    # --- the embedding model ---------------------------------------------------------------------------

    def embedding_fingerprint(self) -> EmbeddingFingerprint | None:
        """The fingerprint of the model the library's vectors were made with; None before its first write (or
        for a library written before fingerprints were stored)."""
        properties = self.client.describe_collection(self.chunks_name).get("properties") or {}
        raw = properties.get(FINGERPRINT_PROPERTY)
        return EmbeddingFingerprint.from_json(raw) if raw else None

    def set_embedding_fingerprint(self, fingerprint: EmbeddingFingerprint) -> None:
        self.client.alter_collection_properties(
            self.chunks_name, properties={FINGERPRINT_PROPERTY: fingerprint.to_json()}
        )

    def embedder_checked(self, embedder: Embedder) -> bool:
        """Whether `check_embedder` already passed this embedder object."""
        with self._lock:
            return embedder in self._checked_embedders and self._fingerprint is not None

    def check_embedder(
        self, embedder: Embedder, record: bool = True, current: EmbeddingFingerprint | None = None
    ) -> EmbeddingFingerprint:
        """Make sure `embedder` gives the vectors this library holds, before it adds or searches any; raises
        EmbedderMismatch (what the library holds, what is configured, what to do) when it does not. The first
        check records the embedder's fingerprint in the library; a library without one (older, or empty) is
        checked by re-embedding a few of its stored passages. Checked once per embedder object and store.
        `record=False` (a search): an empty library records nothing yet; its first ingest will. `current`: the
        embedder's fingerprint when the caller has computed it (`fingerprint.fingerprint_from`)."""
        with self._lock:
            if embedder in self._checked_embedders and self._fingerprint is not None:
                return self._fingerprint
            stored = self.embedding_fingerprint()
            current = current or fingerprint_of(embedder)
            if stored is None:
                if not self._check_stored_passages(embedder, current) and not record:
                    return current
                self.set_embedding_fingerprint(current)
                stored = current
            else:
                check_fingerprint(stored, current)
            self._checked_embedders.add(embedder)
            self._fingerprint = stored
            return stored

    def _check_stored_passages(self, embedder: Embedder, current: EmbeddingFingerprint) -> bool:
        """Whether the library has passages; raises EmbedderMismatch when re-embedding a few of them with
        `embedder` does not give their stored vectors."""
        rows = self.client.query(self.chunks_name, filter="", output_fields=["content", "embedding"], limit=3)
        if not rows:
            return False
        stored = np.asarray([r["embedding"] for r in rows], dtype=np.float32)
        if current.dim != stored.shape[1]:
            raise EmbedderMismatch(
                f"The library holds {stored.shape[1]}-d vectors; the configured embedder {embedder.fingerprint} "
                f"gives {current.dim}-d vectors. Configure the model the library was built with, or build a new "
                "library with the new model."
            )
        fresh = np.asarray(embedder.encode([r["content"] for r in rows]), dtype=np.float32)
        agreement = float(np.min(np.sum(stored * fresh, axis=1)))
        if agreement < MIN_LIBRARY_COSINE:
            raise EmbedderMismatch(
                f"The library's passages were embedded with another model than the configured embedder "
                f"{embedder.fingerprint} (cosine {agreement:.3f} on re-embedded passages, needs >= "
                f"{MIN_LIBRARY_COSINE}); the library records no model (it predates fingerprints). Configure the "
                "model it was built with, or build a new library with the new model."
            )
        return True

    # --- reading -----------------------------------------------------------------------------------

    def content_hashes(self, document_ids: Iterable[str]) -> dict[str, str]:
        return {k: d.content_hash for k, d in self.stored_documents(document_ids).items()}

    def stored_documents(self, document_ids: Iterable[str]) -> dict[str, StoredDocument]:
        """Content hash, visibility and owner of those of the documents that are stored."""
        ids = list(dict.fromkeys(document_ids))
        found: dict[str, StoredDocument] = {}
        for i in range(0, len(ids), 500):
            rows = self.client.query(
                self.documents_name,
                filter=f"document_id in {_quote_list(ids[i : i + 500])}",
                output_fields=["document_id", "content_hash", "visibility", "owner"],
            )
            found.update(
                {r["document_id"]: StoredDocument(r["content_hash"], r["visibility"], r["owner"]) for r in rows}
            )
        return found

    def _versions(self, document_ids: Iterable[str]) -> dict[str, str]:
        """The version each stored document's row names (documents without a row are missing)."""
        return {k: version_of(d.content_hash) for k, d in self.stored_documents(document_ids).items()}

    def _current(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The hits whose document row exists and names their version (passages stored before versions count
        as their row's version). One query by primary key for the hits' documents."""
        if not hits:
            return hits
        versions = self._versions(h.document_id for h in hits)
        return [
            h
            for h in hits
            if h.document_id in versions and chunk_version(h.chunk_id, h.document_id) in ("", versions[h.document_id])
        ]

    def _searched(self, run: Callable[[int], tuple[list[SearchHit], bool]], k: int) -> list[SearchHit]:
        """The k best current hits of `run(n)` (a search for the n best passages, and whether the library had
        fewer): passages of unfinished writes are dropped, and the search asks for more until k remain or the
        library has no more."""
        n = k
        for _ in range(_MAX_ROUNDS):
            found, exhausted = run(n)
            hits = self._current(found)
            if len(hits) >= k or exhausted or n >= _MAX_LIMIT:
                break
            n = min(_MAX_LIMIT, max(2 * n, (3 * k * n) // max(len(hits), 1)))
        return hits[:k]

    def _in_snapshot(self, ranked: list[tuple[str, float]], n: int) -> tuple[list[SearchHit], bool]:
        return self._fetch_hits(ranked), len(ranked) < n

    @staticmethod
    def _in_milvus(hits: list[SearchHit], n: int) -> tuple[list[SearchHit], bool]:
        return hits, len(hits) < n

    def get_document(self, document_id: str) -> DocumentMeta | None:
        rows = self.client.query(
            self.documents_name, filter=f"document_id == {_quote(document_id)}", output_fields=["metadata"]
        )
        return DocumentMeta.model_validate(rows[0]["metadata"]) if rows else None

    def list_documents(self, filters: SearchFilters | None = None, limit: int = 10_000) -> list[DocumentMeta]:
        """Documents the filters allow, newest first then by title."""
        expr = filter_expression(filters) or 'document_id != ""'
        rows = self.client.query(self.documents_name, filter=expr, output_fields=["metadata"], limit=limit)
        docs = [DocumentMeta.model_validate(r["metadata"]) for r in rows]
        return sorted(docs, key=lambda d: (-(d.year or 0), d.title.lower()))

    def count_documents(self) -> int:
        return int(self.client.query(self.documents_name, filter="", output_fields=["count(*)"])[0]["count(*)"])

    def count_chunks(self) -> int:
        return int(self.client.query(self.chunks_name, filter="", output_fields=["count(*)"])[0]["count(*)"])

    def document_chunks(self, document_id: str) -> list[SearchHit]:
        """All passages of a document's current version in reading order (to show a passage in context)."""
        return self._current_chunks(document_id)[0]

    def _current_chunks(self, document_id: str, with_vectors: bool = False) -> tuple[list[SearchHit], np.ndarray]:
        rows = self._document_rows(document_id, [*_HIT_FIELDS, "embedding"] if with_vectors else _HIT_FIELDS)
        stale = set(_stale_chunks(document_id, [r["id"] for r in rows], self._versions([document_id]).get(document_id)))
        rows = sorted((r for r in rows if r["id"] not in stale), key=lambda r: (r["page"], r["char_start"]))
        vectors = np.asarray([r["embedding"] for r in rows], dtype=np.float32) if with_vectors else np.zeros(0)
        return [self._hit(r, 0.0) for r in rows], vectors.reshape(len(rows), -1) if with_vectors else vectors

    @staticmethod
    def _hit(entity: dict[str, Any], score: float) -> SearchHit:
        meta = entity.get("metadata") or {}
        return SearchHit(
            chunk_id=entity["id"],
            document_id=entity["document_id"],
            title=entity["title"],
            content=entity["content"],
            page=entity["page"],
            char_start=entity["char_start"],
            char_end=entity["char_end"],
            source=entity.get("source", ""),
            year=entity.get("year") or None,
            score=float(score),
            section=meta.get("section") or "",
            # Passages stored before 'paged' was recorded: only PDF uploads had real pages.
            paged=bool(meta.get("paged", "pdf" in (entity.get("source") or "").lower())),
        )

    def _dense_params(self, k: int) -> dict[str, Any]:
        """Search parameters; exhaustive for small libraries (the exact-search fallback)."""
        n = self._cached_count()
        small = n <= self.exact_search_max_chunks
        if self.index_type == "HNSW":
            # ef >= number of vectors makes HNSW visit every node: exact results for small libraries.
            ef = min(max(n, k), 32_768) if small else max(64, k)
            return {"metric_type": "COSINE", "params": {"ef": ef}}
        if self.index_type == "IVF_FLAT":
            nlist = _INDEX_PARAMS["IVF_FLAT"]["nlist"]
            return {"metric_type": "COSINE", "params": {"nprobe": nlist if small else 16}}
        return {"metric_type": "COSINE", "params": {}}

    def _cached_count(self, max_age_s: float = 10.0) -> int:
        """Chunk count for choosing search parameters; refreshed after writes or every max_age_s."""
        now = time.monotonic()
        if self._count is None or now - self._count[1] > max_age_s:
            self._count = (self.count_chunks(), now)
        return self._count[0]

    def _results(self, res: Any) -> list[SearchHit]:
        return [self._hit(h["entity"] | {"id": h["id"]}, h["distance"]) for h in res[0]]

    def search_dense(self, vector: np.ndarray, k: int = 10, filters: SearchFilters | None = None) -> list[SearchHit]:
        """The k chunks most similar to the unit vector (cosine), best first. Exact and in this process
        when the snapshot is ready; otherwise Milvus' index."""
        snapshot = self.dense_snapshot()
        if snapshot is not None:
            return self._searched(lambda n: self._in_snapshot(snapshot.search(vector, n, filters), n), k)
        return self._searched(lambda n: self._in_milvus(self._search_dense_milvus(vector, n, filters), n), k)

    def _fetch_hits(self, ranked: list[tuple[str, float]]) -> list[SearchHit]:
        """Hits for (chunk id, score) pairs in that order: one query by primary key for the texts."""
        if not ranked:
            return []
        rows = self.client.query(
            self.chunks_name, filter=f"id in {_quote_list(i for i, _ in ranked)}", output_fields=_HIT_FIELDS
        )
        by_id = {r["id"]: r for r in rows}
        return [self._hit(by_id[i], score) for i, score in ranked if i in by_id]

    def _search_dense_milvus(
        self, vector: np.ndarray, k: int = 10, filters: SearchFilters | None = None
    ) -> list[SearchHit]:
        params = self._dense_params(k)
        res = self.client.search(
            self.chunks_name,
            data=[vector.tolist()],
            anns_field="embedding",
            limit=k,
            filter=filter_expression(filters),
            output_fields=_HIT_FIELDS,
            search_params=params,
        )
        return self._results(res)

    def search_keyword(self, text: str, k: int = 10, filters: SearchFilters | None = None) -> list[SearchHit]:
        """The k chunks with the best BM25 score for the text; in this process when the snapshot is ready.
        Scores: the BM25 score there, Milvus' distance (the negated score) otherwise; the order is the same."""
        snapshot = self.dense_snapshot()
        if snapshot is not None:
            return self._searched(lambda n: self._in_snapshot(snapshot.search_keyword(text, n, filters), n), k)
        return self._searched(lambda n: self._in_milvus(self._search_keyword_milvus(text, n, filters), n), k)

    def _search_keyword_milvus(self, text: str, k: int = 10, filters: SearchFilters | None = None) -> list[SearchHit]:
        res = self.client.search(
            self.chunks_name,
            data=[text],
            anns_field="content_sparse",
            limit=k,
            filter=filter_expression(filters),
            output_fields=_HIT_FIELDS,
            search_params={"metric_type": "BM25"},
        )
        return self._results(res)

    def search_hybrid(
        self,
        text: str,
        vector: np.ndarray,
        k: int = 10,
        filters: SearchFilters | None = None,
        candidates: int = 50,
    ) -> list[SearchHit]:
        """Dense and BM25 candidates fused by reciprocal rank (score = sum 1 / (60 + rank)). In this process
        (exact dense leg, same BM25 and fusion) when the snapshot is ready; otherwise Milvus' hybrid search."""
        snapshot = self.dense_snapshot()
        if snapshot is not None:
            return self._searched(
                lambda n: self._in_snapshot(
                    snapshot.search_hybrid(text, vector, n, filters, max(candidates, n), RRF_K), n
                ),
                k,
            )
        return self._searched(
            lambda n: self._in_milvus(self._search_hybrid_milvus(text, vector, n, filters, candidates), n), k
        )

    def _search_hybrid_milvus(
        self,
        text: str,
        vector: np.ndarray,
        k: int = 10,
        filters: SearchFilters | None = None,
        candidates: int = 50,
    ) -> list[SearchHit]:
        from pymilvus import AnnSearchRequest, RRFRanker

        expr = filter_expression(filters)
        n = max(candidates, k)
        dense = AnnSearchRequest(
            data=[vector.tolist()],
            anns_field="embedding",
            param=self._dense_params(n),
            limit=n,
            expr=expr or None,
        )
        sparse = AnnSearchRequest(
            data=[text],
            anns_field="content_sparse",
            param={"metric_type": "BM25"},
            limit=n,
            expr=expr or None,
        )
        res = self.client.hybrid_search(
            self.chunks_name, [dense, sparse], RRFRanker(RRF_K), limit=k, output_fields=_HIT_FIELDS
        )
        return self._results(res)
