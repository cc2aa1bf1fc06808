"""Catalog and cluster inventory YAML for the CLI and the Models page: from a path or uploaded text, clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

from app.errors import ValidationFailed
from app.services.serving.errors import clear_errors
from app.settings import PROJECT_ROOT
from serve.catalog import Catalog, load_catalog, parse_catalog
from serve.placement import Cluster, load_cluster, parse_cluster

EXAMPLES = PROJECT_ROOT / "serve" / "examples"
MAX_YAML_BYTES = 1_000_000

T = TypeVar("T")


def resolve_path(text: str | Path) -> Path:
    """A path typed by the user: relative paths are taken from the project root (where serve/examples is)."""
    path = Path(str(text).strip()).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def yaml_text(text: str | bytes, what: str) -> object:
    """Uploaded YAML TEXT parsed, or ValidationFailed naming WHAT and where the syntax breaks."""
    if len(text) > MAX_YAML_BYTES:
        raise ValidationFailed(f"{what} is larger than {MAX_YAML_BYTES // 1000} kB; is it the right file?")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{what} is not UTF-8 text; upload the YAML file itself") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed(f"{what} is not valid YAML{where}: {problem}") from None


def _read(
    what: str,
    example: str,
    parse: Callable[..., T],
    load: Callable[[Path], T],
    path: str | Path | None,
    text: str | bytes | None,
    name: str,
) -> T:
    """WHAT from uploaded YAML TEXT, else from PATH (default: serve/examples/EXAMPLE), with clear errors."""
    with clear_errors():
        if text is not None:
            return parse(yaml_text(text, f"{what} {name}"), what=f"{what} {name}")
        if path is None or not str(path).strip():
            path = EXAMPLES / example
        return load(resolve_path(path))


def read_catalog(path: str | Path | None = None, text: str | bytes | None = None, name: str = "upload") -> Catalog:
    """The model catalog from uploaded YAML TEXT, else from PATH (default: the example catalog)."""
    return _read("catalog", "catalog.yaml", parse_catalog, load_catalog, path, text, name)


def read_cluster(path: str | Path | None = None, text: str | bytes | None = None, name: str = "upload") -> Cluster:
    """The cluster inventory from uploaded YAML TEXT, else from PATH (default: the example cluster)."""
    return _read("cluster inventory", "cluster.yaml", parse_cluster, load_cluster, path, text, name)
