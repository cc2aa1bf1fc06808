"""In-process exact dense search: the chunk vectors and the fields the filters need, held in numpy.

A `DenseSnapshot` is immutable: writes produce a new snapshot (`with_changes`), so a search can run on the
snapshot it picked up while an ingest builds the next one. Search is one matrix-vector product and an
argpartition; the filters of `SearchFilters` become boolean masks with the same meaning as the Milvus
expression that `store.filter_expression` builds (checked against Milvus in the tests).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from tools.literature.bm25 import BM25Index
from tools.literature.models import SearchFilters

VectorDtype = Literal["float32", "float16"]
# The chunk fields a snapshot holds (besides the vector); everything else of a hit is fetched by id.
FILTER_FIELDS = ["id", "document_id", "year", "source", "tags", "visibility", "owner"]


@dataclass(frozen=True)
class _Factor:
    """Distinct values of a column; rows hold codes into `values`. Append-only, copied on extension."""

    values: tuple[Any, ...] = ()
    index: Mapping[Any, int] = field(default_factory=dict)

    def encode(self, column: Sequence[Any]) -> tuple[_Factor, np.ndarray]:
        index = dict(self.index)
        values = list(self.values)
        codes = np.empty(len(column), dtype=np.int32)
        for i, value in enumerate(column):
            code = index.get(value)
            if code is None:
                code = index[value] = len(values)
                values.append(value)
            codes[i] = code
        return _Factor(tuple(values), index), codes

    def codes_where(self, predicate: Any) -> np.ndarray:
        return np.fromiter((i for i, v in enumerate(self.values) if predicate(v)), dtype=np.int32)


@lru_cache(maxsize=256)
def like_pattern(pattern: str) -> re.Pattern[str]:
    """SQL LIKE as Milvus evaluates it: '%' any run, '_' one character, backslash escapes the next one."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


@dataclass(frozen=True)
class DenseRows:
    """Chunk rows as read from Milvus or about to be written: ids, unit vectors and the filter fields."""

    ids: list[str]
    vectors: np.ndarray
    document_ids: list[str]
    years: list[int]
    sources: list[str]
    tags: list[tuple[str, ...]]
    visibility: list[str]
    owners: list[str]
    texts: list[str] | None = None  # chunk contents, for the BM25 index (None: no keyword search over them)

    @classmethod
    def from_entities(cls, rows: Sequence[Mapping[str, Any]], vectors: np.ndarray | None = None) -> DenseRows:
        """From Milvus rows (dicts with FILTER_FIELDS, 'content' and, unless `vectors` is given, 'embedding')."""
        if vectors is None:
            vectors = np.asarray([r["embedding"] for r in rows], dtype=np.float32).reshape(len(rows), -1)
        return cls(
            ids=[r["id"] for r in rows],
            vectors=vectors,
            document_ids=[r["document_id"] for r in rows],
            years=[int(r["year"] or 0) for r in rows],
            sources=[r["source"] for r in rows],
            tags=[tuple(r["tags"] or ()) for r in rows],
            visibility=[r["visibility"] for r in rows],
            owners=[r["owner"] for r in rows],
            texts=[r.get("content") or "" for r in rows],
        )


def _unit(x: np.ndarray) -> np.ndarray:
    """Milvus' COSINE normalises both sides; so do we (a zero vector stays zero)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


@dataclass(frozen=True)
class DenseSnapshot:
    """Every chunk's unit vector (rows of `matrix`), its filter fields as factor codes and its BM25 terms."""

    matrix: np.ndarray
    ids: np.ndarray  # object array of chunk ids
    year: np.ndarray
    columns: Mapping[str, tuple[_Factor, np.ndarray]]
    generation: int = 0
    keywords: BM25Index = field(default_factory=BM25Index.empty)

    @classmethod
    def empty(cls, dim: int, dtype: VectorDtype = "float32", generation: int = 0) -> DenseSnapshot:
        columns = {name: (_Factor(), np.zeros(0, np.int32)) for name in _FACTORS}
        return cls(np.zeros((0, dim), dtype), np.zeros(0, object), np.zeros(0, np.int64), columns, generation)

    @classmethod
    def build(
        cls, parts: Iterable[DenseRows], dim: int, dtype: VectorDtype = "float32", generation: int = 0
    ) -> DenseSnapshot:
        return cls.empty(dim, dtype, generation).with_changes((), list(parts), generation)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        filters = self.year.nbytes + sum(c.nbytes for _, c in self.columns.values())
        return int(self.matrix.nbytes + filters + self.keywords.nbytes)

    def with_changes(self, removed: Iterable[str], added: Sequence[DenseRows], generation: int) -> DenseSnapshot:
        """A new snapshot without the chunks of the `removed` documents and with the `added` rows."""
        removed = set(removed)
        keep: slice | np.ndarray = slice(None)
        if removed:
            doc_factor, doc_codes = self.columns["document_id"]
            gone = [doc_factor.index[d] for d in removed if d in doc_factor.index]
            keep = ~np.isin(doc_codes, gone) if gone else slice(None)
        if not added and isinstance(keep, slice):
            return DenseSnapshot(self.matrix, self.ids, self.year, self.columns, generation, self.keywords)
        new_columns = {}
        for name, attr in _FACTORS.items():
            factor, codes = self.columns[name]
            pieces = [codes[keep]]
            for part in added:
                factor, extra = factor.encode(getattr(part, attr))
                pieces.append(extra)
            new_columns[name] = (factor, np.concatenate(pieces))
        matrix = np.concatenate([self.matrix[keep], *(_unit(p.vectors).astype(self.matrix.dtype) for p in added)])
        ids = np.concatenate([self.ids[keep], *(np.asarray(p.ids, dtype=object) for p in added)])
        year = np.concatenate([self.year[keep], *(np.asarray(p.years, dtype=np.int64) for p in added)])
        keywords = self.keywords.with_changes(keep, [p.texts or [""] * len(p.ids) for p in added])
        return DenseSnapshot(matrix, ids, year, new_columns, generation, keywords)

    # --- search ------------------------------------------------------------------------------------

    def mask(self, filters: SearchFilters | None) -> np.ndarray:
        """Rows the filters allow, mirroring `store.filter_expression` (lab-wide documents only by default)."""
        f = filters or SearchFilters()
        mask = np.ones(len(self), dtype=bool)
        if f.year_from is not None:
            mask &= self.year >= int(f.year_from)
        if f.year_to is not None:
            mask &= (self.year <= int(f.year_to)) & (self.year > 0)
        if f.sources:
            patterns = [like_pattern("%" + s + "%") for s in f.sources]
            mask &= self._where("source", lambda v: any(p.fullmatch(v) for p in patterns))
        if f.tags:
            wanted = set(f.tags)
            mask &= self._where("tags", lambda v: not wanted.isdisjoint(v))
        if f.document_ids is not None:
            wanted_ids = set(f.document_ids)
            mask &= self._where("document_id", lambda v: v in wanted_ids)
        if not f.include_private:
            lab = self._where("visibility", lambda v: v == "lab")
            if f.viewer:
                private = self._where("visibility", lambda v: v == "private")
                lab |= private & self._where("owner", lambda v: v == f.viewer)
            mask &= lab
        return mask

    def _where(self, column: str, predicate: Any) -> np.ndarray:
        factor, codes = self.columns[column]
        return np.isin(codes, factor.codes_where(predicate))

    def search(self, vector: np.ndarray, k: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """The k best (chunk id, cosine) pairs, best first; exact (every allowed row is scored)."""
        if k <= 0 or not len(self):
            return []
        return self._top(self._cosines(vector), self.mask(filters), k)

    def search_keyword(self, text: str, k: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """The k best (chunk id, BM25 score) pairs, best first, among rows sharing a term with the text."""
        if k <= 0 or not len(self):
            return []
        mask = self.mask(filters)
        scores = self.keywords.scores(text, mask)
        return self._top(scores, mask & (scores > 0), k)

    def search_hybrid(
        self, text: str, vector: np.ndarray, k: int, filters: SearchFilters | None, candidates: int, rrf_k: int
    ) -> list[tuple[str, float]]:
        """Milvus' hybrid search with RRFRanker(rrf_k), here: the best `candidates` of each leg (dense cosine,
        BM25), each chunk scored sum 1 / (rrf_k + rank) with ranks from 1, the k best of the union."""
        if k <= 0 or not len(self):
            return []
        mask = self.mask(filters)
        bm25 = self.keywords.scores(text, mask)
        fused: dict[str, float] = {}
        for ranked in (
            self._top(self._cosines(vector), mask, candidates),
            self._top(bm25, mask & (bm25 > 0), candidates),
        ):
            for rank, (chunk_id, _) in enumerate(ranked, start=1):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (rrf_k + rank)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))  # ties: smaller id first, as Milvus
        return best[:k]

    def _cosines(self, vector: np.ndarray) -> np.ndarray:
        query = _unit(vector).astype(np.float32)
        return _matvec_half(self.matrix, query) if self.matrix.dtype == np.float16 else self.matrix @ query

    def _top(self, scores: np.ndarray, mask: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k best allowed rows as (chunk id, score), best first."""
        k = min(k, int(mask.sum()))
        if k <= 0:
            return []
        scores = np.where(mask, scores, -np.inf)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(str(self.ids[i]), float(scores[i])) for i in top]


_FACTORS = {
    "document_id": "document_ids",
    "source": "sources",
    "tags": "tags",
    "visibility": "visibility",
    "owner": "owners",
}


def _matvec_half(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """float16 rows times a float32 query: numpy has no half-precision BLAS (about 7x slower than float32),
    torch's CPU kernel reads the half-size matrix directly."""
    import torch

    with torch.inference_mode():
        scores = torch.from_numpy(matrix) @ torch.from_numpy(query.astype(np.float16))
    return scores.float().numpy()
