"""Which backend answered a library search: the store's in-process snapshot or Milvus."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tools.literature import LiteratureStore


@contextmanager
def answered_in_process(store: LiteratureStore) -> Iterator[None]:
    """Fail unless the store's searches inside the block are answered by its in-process snapshot. A search falls
    back to Milvus, silently, when the snapshot is not ready; the snapshot being ready before the block and still
    the very same object after it (no write or reload in between) means every search in the block found it."""
    snapshot = store.dense_snapshot()
    assert snapshot is not None, "the in-process snapshot is not ready: Milvus would answer these searches"
    yield
    assert store.dense_snapshot() is snapshot, "the snapshot changed during the searches: some may have gone to Milvus"
