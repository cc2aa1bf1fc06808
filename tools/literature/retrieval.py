"""Retrieval over the store: dense (MiniLM cosine), keyword (BM25) or hybrid (both, fused by RRF); in this
process for a Milvus Lite library once its snapshot is loaded, in Milvus otherwise (see store.py).

What comes back is what a reader wants to see: reference lists, acknowledgements and front matter are left
out unless the query asks for them (sections.py), and no document takes more than `per_document` of the top
k places unless the query names it (its title, DOI or id), so one long paper cannot crowd out the rest.
"""

from __future__ import annotations

import re
from typing import Literal

from tools.literature.embedding import Embedder, default_embedder
from tools.literature.models import SearchFilters, SearchHit
from tools.literature.sections import BACK_MATTER, asked_kinds, passage_kind
from tools.literature.store import LiteratureStore

Mode = Literal["hybrid", "dense", "keyword"]
PER_DOCUMENT = 3
# Candidates fetched per requested hit, so that enough remain after back matter and the per-document cap.
_OVERFETCH = 4
_MAX_CANDIDATES = 400
_TITLE_WORDS = re.compile(r"[a-z0-9]+")
_TITLE_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "of",
        "the",
        "in",
        "on",
        "for",
        "to",
        "with",
        "by",
        "from",
        "via",
        "at",
        "as",
        "is",
        "are",
        "its",
        "their",
    ]
)


def hit_kind(hit: SearchHit) -> str:
    """'body', 'references', 'acknowledgements' or 'front matter' (see sections.py)."""
    return passage_kind(hit.section, hit.content, first=hit.page == 1 and hit.char_start == 0)


def names_document(query: str, hit: SearchHit) -> bool:
    """Whether the query names the hit's document: its id or DOI, or most words of its title."""
    q = query.lower()
    doc_id = hit.document_id.lower()
    if doc_id in q or (doc_id.startswith("doi:") and doc_id[4:] in q):
        return True
    title = {w for w in _TITLE_WORDS.findall(hit.title.lower()) if w not in _TITLE_STOP}
    if len(title) < 3:
        return False
    return len(title & set(_TITLE_WORDS.findall(q))) >= 0.7 * len(title)


def _select(query: str, hits: list[SearchHit], per_document: int | None) -> tuple[list[SearchHit], list[SearchHit]]:
    """(hits to show, hits held back by the per-document cap), both in rank order, back matter left out."""
    wanted = asked_kinds(query)
    body = [h for h in hits if (kind := hit_kind(h)) not in BACK_MATTER or kind in wanted]
    if per_document is None:
        return body, []
    chosen: list[SearchHit] = []
    overflow: list[SearchHit] = []
    per_doc: dict[str, int] = {}
    named: dict[str, bool] = {}
    for h in body:
        if h.document_id not in named:
            named[h.document_id] = names_document(query, h)
        if per_doc.get(h.document_id, 0) >= per_document and not named[h.document_id]:
            overflow.append(h)
            continue
        per_doc[h.document_id] = per_doc.get(h.document_id, 0) + 1
        chosen.append(h)
    return chosen, overflow


def select_hits(query: str, hits: list[SearchHit], k: int, per_document: int | None = PER_DOCUMENT) -> list[SearchHit]:
    """The k hits to show, best first: back matter the query does not ask for left out, and at most
    `per_document` hits of any document the query does not name (None: no cap). When too few documents
    match to fill k places, the capped hits follow in their order."""
    chosen, overflow = _select(query, hits, per_document)
    return (chosen + overflow)[:k]


class Retriever:
    """Finds passages for a query. Hybrid by default: BM25 catches exact terms (formulas, acronyms, names)
    that the small dense model blurs, and dense catches paraphrases."""

    def __init__(
        self,
        store: LiteratureStore,
        embedder: Embedder | None = None,
        mode: Mode = "hybrid",
        candidates: int = 50,
        per_document: int | None = PER_DOCUMENT,
    ) -> None:
        self.store = store
        self.embedder = embedder or default_embedder()
        self.mode: Mode = mode
        self.candidates = candidates
        self.per_document = per_document

    def search(
        self, query: str, k: int = 10, filters: SearchFilters | None = None, mode: Mode | None = None
    ) -> list[SearchHit]:
        """The k best passages, best first. An empty query finds nothing."""
        query = " ".join(query.split())
        if not query or k <= 0:
            return []
        # A search within named documents asks for their passages: no cap then.
        per_document = None if filters is not None and filters.document_ids is not None else self.per_document
        n = k * _OVERFETCH
        while True:
            found = self._search(query, n, filters, mode or self.mode)
            chosen, overflow = _select(query, found, per_document)
            # One long paper can fill every candidate place: look deeper before letting it fill the list.
            if len(chosen) >= k or len(found) < n or n >= _MAX_CANDIDATES:
                return (chosen + overflow)[:k]
            n = min(4 * n, _MAX_CANDIDATES)

    def _search(self, query: str, n: int, filters: SearchFilters | None, mode: Mode) -> list[SearchHit]:
        if mode == "keyword":
            return self.store.search_keyword(query, n, filters)
        # Once per store: a query embedded by another model than the library's would find noise.
        self.store.check_embedder(self.embedder, record=False)
        vector = self.embedder.encode_one(query)
        if mode == "dense":
            return self.store.search_dense(vector, n, filters)
        return self.store.search_hybrid(query, vector, n, filters, candidates=max(self.candidates, n))
