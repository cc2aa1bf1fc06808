"""What the agent's tools need from the application (paths, services, limits), passed in by app/.

Its own module so that each tool module (the toolkit, the synthesis tool) imports it without importing the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ToolContext:
    """What the tools need from the application (paths and services), passed in by app/."""

    milvus_uri: str | None = None
    stock_files: list[Path] = field(default_factory=list)
    synthesis_time_limit_s: float = 20.0
    synthesis_cache_dir: Path | None = None
    literature_chat_model: Any = None  # a model for literature answers; None = extractive
    # The app passes its own cached store: Milvus Lite lets one process hold a file, so all share one client.
    store_provider: Callable[[], Any] | None = None
    # Likewise the app's planner (templates + model loaded once per process, the lab's inventory in its stock).
    planner_provider: Callable[[], Any] | None = None
    _store: Any = field(default=None, init=False, repr=False)
    _retriever: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def literature_store(self) -> Any:
        from tools.literature import LiteratureStore

        if self.store_provider is not None:
            return self.store_provider()
        with self._lock:
            if self._store is None:
                if not self.milvus_uri:
                    raise RuntimeError("No literature library is configured.")
                self._store = LiteratureStore(self.milvus_uri)
            return self._store

    def retriever(self) -> Any:
        from tools.literature import Retriever

        store = self.literature_store()
        with self._lock:
            if self._retriever is None or self._retriever.store is not store:
                self._retriever = Retriever(store)
            return self._retriever

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
