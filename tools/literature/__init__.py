"""The lab's literature library: ingest papers, search them (dense + BM25), answer with citations.

from tools.literature import LiteratureStore, Retriever, ingest_paths, answer
with LiteratureStore("var/milvus.db") as store:
    ingest_paths(store, ["paper.pdf"])
    result = answer("What yield of furfural was obtained?", Retriever(store))
"""

from tools.literature.answer import INSUFFICIENT, answer
from tools.literature.chunking import chunk_document, chunk_text
from tools.literature.demo import DEMO_DIR, ingest_demo
from tools.literature.embedding import Embedder, default_embedder
from tools.literature.errors import (
    DocumentUnreadable,
    FileTooLarge,
    LiteratureError,
    StoreUnavailable,
    UnsupportedFormat,
)
from tools.literature.fingerprint import EmbedderMismatch, EmbeddingFingerprint
from tools.literature.ingest import MayReplace, ingest_documents, ingest_paths
from tools.literature.keys import document_key
from tools.literature.models import (
    Answer,
    Chunk,
    Citation,
    DocumentMeta,
    IngestReport,
    ParsedDocument,
    RepairReport,
    SearchFilters,
    SearchHit,
)
from tools.literature.readers import FileContents, read_file, read_path
from tools.literature.retrieval import Retriever
from tools.literature.store import LiteratureStore

__all__ = [
    "DEMO_DIR",
    "INSUFFICIENT",
    "Answer",
    "Chunk",
    "Citation",
    "DocumentMeta",
    "DocumentUnreadable",
    "Embedder",
    "EmbedderMismatch",
    "EmbeddingFingerprint",
    "FileContents",
    "FileTooLarge",
    "IngestReport",
    "LiteratureError",
    "LiteratureStore",
    "MayReplace",
    "ParsedDocument",
    "RepairReport",
    "Retriever",
    "SearchFilters",
    "SearchHit",
    "StoreUnavailable",
    "UnsupportedFormat",
    "answer",
    "chunk_document",
    "chunk_text",
    "default_embedder",
    "document_key",
    "ingest_demo",
    "ingest_documents",
    "ingest_paths",
    "read_file",
    "read_path",
]
