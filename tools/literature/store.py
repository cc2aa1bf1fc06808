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
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tools.literature.dense import FILTER_FIELDS, DenseRows, DenseSnapshot, VectorDtype
from tools.literature.embedding import EMBEDDING_DIM
from tools.literature.errors import StoreUnavailable
from tools.literature.models import Chunk, DocumentMeta, SearchFilters, SearchHit

CHUNKS = "chemistry_papers"
DOCUMENTS = "chemistry_papers_documents"
RRF_K = 60
# At or below this many chunks, dense search is exhaustive (exact): IVF_FLAT probes every list, which costs
# what FLAT costs (about 16 ms at 10k on the 2-core machine); above it, 16 of 128 lists (recall@10 1.0 at 50k).
EXACT_SEARCH_MAX_CHUNKS = 10_000
# Above this many chunks dense search goes to Milvus even for a Lite file; chosen by measurement in
# benchmarks/literature_scale.py (benchmarks/results/literature.md): 0.75 GB of float32 vectors, a 5-minute
# background load from Milvus Lite, and p50 under 100 ms on 2 cores; bigger libraries belong on a Milvus server.
IN_PROCESS_MAX_CHUNKS = 500_000
_LOAD_BATCH = 4096
log = logging.getLogger(__name__)
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
    other's writes) and how many stores have it open (the last close releases Milvus Lite's file lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: dict[str, int] = {}
        self.users: dict[str, int] = {}

    def open(self, key: str) -> None:
        with self.lock:
            self.users[key] = self.users.get(key, 0) + 1

    def close(self, key: str) -> bool:
        """True when this was the last open store of the file."""
        with self.lock:
            self.users[key] = self.users.get(key, 1) - 1
            if self.users[key] > 0:
                return False
            del self.users[key]
            return True


_files = _FileRegistry()


def _release_lite_file(path: str) -> None:
    """Stop the in-process Milvus Lite server of the file: closing the client alone keeps the file locked
    until the process exits, so no other process (the web app after a CLI command) could open it."""
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:  # a Milvus server deployment may not install milvus-lite
        return
    server_manager_instance.release_server(path)


class LiteratureStore:
    """A connection to the library's two collections. Close it (or use `with`): Milvus Lite runs a local
    server per open file and locks the file until the last store over it closes.

    `in_process_dense`: None (default) runs dense, keyword and hybrid search in this process for a Milvus Lite
    file and in Milvus for a server URI; True / False force it. Libraries over `in_process_max_chunks` chunks
    always use Milvus. `vector_dtype="float16"` halves the snapshot's vector memory (recall@10 against float32
    in the benchmark).
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
        if self.is_lite:
            Path(self.uri).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client = MilvusClient(uri=self.uri, token=token or "")
        except Exception as exc:  # noqa: BLE001 - pymilvus raises MilvusException, OSError, ...
            raise StoreUnavailable(f"Cannot open the Milvus store at {self.uri}: {exc}") from exc
        _files.open(self._file)
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
        try:
            self._ensure_collections()
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
        if _files.close(self._file) and self.is_lite:
            _release_lite_file(self.uri)

    def __enter__(self) -> LiteratureStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_collections(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        if not c.has_collection(self.chunks_name):
            s = c.create_schema(auto_id=False, enable_dynamic_field=False)
            s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=_MAX["id"])
            s.add_field("document_id", DataType.VARCHAR, max_length=_MAX["document_id"])
            s.add_field("title", DataType.VARCHAR, max_length=_MAX["title"])
            s.add_field("content", DataType.VARCHAR, max_length=_MAX["content"], enable_analyzer=True)
            s.add_field("embedding", DataType.FLOAT_VECTOR, dim=EMBEDDING_DIM)
            s.add_field("content_sparse", DataType.SPARSE_FLOAT_VECTOR)
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
            s.add_function(
                Function(
                    name="content_bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=["content"],
                    output_field_names=["content_sparse"],
                )
            )
            ip = c.prepare_index_params()
            ip.add_index(
                "embedding",
                index_type=self.index_type,
                metric_type="COSINE",
                params=_INDEX_PARAMS[self.index_type],
            )
            ip.add_index("content_sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
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
        batch: int = 512,
    ) -> None:
        """Replace the document and its chunks. The document row is written last, so a document is listed
        only once all its chunks are in; on failure the chunks written so far are removed."""
        with self._lock:
            self._count = None
            self.delete_document(meta.document_id)
            try:
                rows = [self._chunk_row(meta, ch, vec) for ch, vec in zip(chunks, chunk_vectors, strict=True)]
                for i in range(0, len(rows), batch):
                    self.client.insert(self.chunks_name, rows[i : i + batch])
                self.client.insert(self.documents_name, [self._document_row(meta, doc_vector, len(chunks))])
            except Exception:
                self._note_write(None)
                self.client.delete(self.chunks_name, filter=f"document_id == {_quote(meta.document_id)}")
                raise
            if rows:
                vectors = np.asarray(chunk_vectors, dtype=np.float32).reshape(len(rows), -1)
                self._note_write(("add", DenseRows.from_entities(rows, vectors)))

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
        """Remove a document and all its chunks."""
        with self._lock:
            self._count = None
            self.client.delete(self.documents_name, filter=f"document_id == {_quote(document_id)}")
            self.client.delete(self.chunks_name, filter=f"document_id == {_quote(document_id)}")
            self._note_write(("delete", document_id))

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

    # --- reading -----------------------------------------------------------------------------------

    def content_hashes(self, document_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(document_ids))
        found: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            rows = self.client.query(
                self.documents_name,
                filter=f"document_id in {_quote_list(ids[i : i + 500])}",
                output_fields=["document_id", "content_hash"],
            )
            found.update({r["document_id"]: r["content_hash"] for r in rows})
        return found

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
        """All passages of a document in reading order (to show a passage in context)."""
        rows = self.client.query(
            self.chunks_name,
            filter=f"document_id == {_quote(document_id)}",
            output_fields=_HIT_FIELDS,
            limit=16_384,
        )
        hits = [self._hit(r, 0.0) for r in rows]
        return sorted(hits, key=lambda h: (h.page, h.char_start))

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
            return self._fetch_hits(snapshot.search(vector, k, filters))
        return self._search_dense_milvus(vector, k, filters)

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
            return self._fetch_hits(snapshot.search_keyword(text, k, filters))
        return self._search_keyword_milvus(text, k, filters)

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
            return self._fetch_hits(snapshot.search_hybrid(text, vector, k, filters, max(candidates, k), RRF_K))
        return self._search_hybrid_milvus(text, vector, k, filters, candidates)

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
