"""Retrieval over the store: dense (MiniLM cosine), keyword (BM25) or hybrid (both, fused by RRF); in this
process for a Milvus Lite library once its snapshot is loaded, in Milvus otherwise (see store.py)."""

from __future__ import annotations

from typing import Literal

from tools.literature.embedding import Embedder, default_embedder
from tools.literature.models import SearchFilters, SearchHit
from tools.literature.store import LiteratureStore

Mode = Literal["hybrid", "dense", "keyword"]


class Retriever:
    """Finds passages for a query. Hybrid by default: BM25 catches exact terms (formulas, acronyms, names)
    that the small dense model blurs, and dense catches paraphrases."""

    def __init__(
        self,
        store: LiteratureStore,
        embedder: Embedder | None = None,
        mode: Mode = "hybrid",
        candidates: int = 50,
    ) -> None:
        self.store = store
        self.embedder = embedder or default_embedder()
        self.mode: Mode = mode
        self.candidates = candidates

    def search(
        self, query: str, k: int = 10, filters: SearchFilters | None = None, mode: Mode | None = None
    ) -> list[SearchHit]:
        """The k best passages, best first. An empty query finds nothing."""
        query = " ".join(query.split())
        if not query or k <= 0:
            return []
        mode = mode or self.mode
        if mode == "keyword":
            return self.store.search_keyword(query, k, filters)
        vector = self.embedder.encode_one(query)
        if mode == "dense":
            return self.store.search_dense(vector, k, filters)
        return self.store.search_hybrid(query, vector, k, filters, candidates=self.candidates)
