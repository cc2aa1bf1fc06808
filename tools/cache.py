"""Where chemassist keeps what it derives once per machine (embedded examples, fingerprint sets, exported
models): ``CHEMASSIST_CACHE_DIR``, else ``~/.cache/chemassist``. Everything there can be deleted and is rebuilt."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    return Path(os.environ.get("CHEMASSIST_CACHE_DIR") or Path.home() / ".cache" / "chemassist")
