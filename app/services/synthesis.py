"""Synthesis planning for the UI and the CLI: one cached planner, searches with progress and a stop flag,
the lab's inventory kept under ``<data_dir>/synthesis/inventory.csv`` on top of the shipped stock.

Domain errors from tools.synthesis come out as ``ValidationFailed`` with the chemist-facing message.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.errors import ValidationFailed
from app.settings import get_settings
from tools.synthesis import (
    InventoryReport,
    Planner,
    SafetyCheck,
    SearchLimits,
    SearchProgress,
    SearchResult,
    SingleStepResult,
    Stock,
    SynthesisError,
    TemplateLibrary,
)
from tools.synthesis.classifier import train_classifier
from tools.synthesis.depict import route_svgs

MAX_UPLOAD_BYTES = 20_000_000


def cache_dir() -> Path:
    """Where trained artifacts and the inventory live: ``<data_dir>/synthesis``."""
    return get_settings().data_dir / "synthesis"


def inventory_path() -> Path:
    return cache_dir() / "inventory.csv"


_planners: dict[tuple[Path, str, bool], Planner] = {}
_lock = threading.Lock()


def _planner(data_dir: Path, model: str, use_zinc: bool) -> Planner:
    with _lock:
        key = (data_dir, model, use_zinc)
        if key not in _planners:
            planner = Planner.default(cache_dir=data_dir / "synthesis", model=model, use_zinc=use_zinc)
            inventory = data_dir / "synthesis" / "inventory.csv"
            if inventory.exists():
                planner.stock.add_inventory(inventory)
            _planners[key] = planner
        return _planners[key]


def get_planner(model: str = "auto", use_zinc: bool = False, safety_check: SafetyCheck | None = None) -> Planner:
    """The planner for the configured data dir (loaded once per process, a few seconds)."""
    try:
        planner = _planner(get_settings().data_dir, model, use_zinc)
    except SynthesisError as exc:
        raise ValidationFailed(str(exc)) from exc
    planner.safety_check = safety_check
    return planner


def reset_planners() -> None:
    """Forget loaded planners (after training a classifier, or in tests)."""
    with _lock:
        _planners.clear()


def single_step(smiles: str, top_k: int = 10, model: str = "auto", **kwargs: Any) -> SingleStepResult:
    try:
        return get_planner(model, **kwargs).single_step(smiles, top_k)
    except SynthesisError as exc:
        raise ValidationFailed(str(exc)) from exc


def search(
    smiles: str,
    time_limit_s: float = 60.0,
    max_iterations: int = 2000,
    max_routes: int = 5,
    max_depth: int = 6,
    algorithm: str = "best-first",
    model: str = "auto",
    progress: Callable[[SearchProgress], None] | None = None,
    stop: threading.Event | None = None,
    **kwargs: Any,
) -> SearchResult:
    """Run a route search; the page passes a progress callback and sets ``stop`` to end it early."""
    try:
        limits = SearchLimits(
            time_limit_s=time_limit_s, max_iterations=max_iterations, max_routes=max_routes, max_depth=max_depth
        )
        planner = get_planner(model, **kwargs)
        return planner.search(smiles, limits, algorithm, progress, stop.is_set if stop else None)
    except SynthesisError as exc:
        raise ValidationFailed(str(exc)) from exc


def add_inventory(upload: str | bytes | Path) -> InventoryReport:
    """Check an inventory CSV (path, text or uploaded bytes; columns smiles[,name]) and add it to the lab's stock."""
    if isinstance(upload, Path):
        upload = upload.read_bytes() if upload.exists() else b""
        if not upload:
            raise ValidationFailed("The inventory file is missing or empty.")
    if isinstance(upload, bytes):
        if len(upload) > MAX_UPLOAD_BYTES:
            raise ValidationFailed(f"The inventory file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB.")
        try:
            upload = upload.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("The inventory file is not UTF-8 text; save it as CSV (UTF-8).") from exc
    check = Stock()
    try:
        report = check.add_inventory(io.StringIO(upload))
    except SynthesisError as exc:
        raise ValidationFailed(str(exc)) from exc
    rows = list(csv.DictReader(io.StringIO(upload)))
    path = inventory_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if new_file:
            writer.writerow(["smiles", "name"])
        for row in rows:
            norm = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            if norm.get("smiles") and norm["smiles"] not in report.skipped:
                writer.writerow([norm["smiles"], norm.get("name", "")])
    data_dir = get_settings().data_dir
    for (planner_dir, _, _), planner in list(_planners.items()):
        if planner_dir == data_dir:
            planner.stock.add_inventory(io.StringIO(upload))
    return report


def train(epochs: int = 12, progress: Callable[[str], None] | None = None) -> Path:
    """Train the template classifier into the cache dir (a few minutes on CPU); later planners use it."""
    path = train_classifier(TemplateLibrary.load(), cache_dir(), epochs=epochs, progress=progress)
    reset_planners()
    return path


def svgs(result: SearchResult, route_index: int = 0) -> list[str]:
    if not 0 <= route_index < len(result.routes):
        raise ValidationFailed(f"There is no route {route_index + 1}; the search returned {len(result.routes)}.")
    return route_svgs(result.routes[route_index])
