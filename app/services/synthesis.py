"""Synthesis planning for the UI and the CLI: one cached planner, searches with progress and a stop flag,
the lab's inventory kept under ``<data_dir>/synthesis/inventory.csv`` on top of the shipped stock.

Targets are read by tools.chem (SMILES, chemical name or InChI) and screened by tools.chem's full safety screen
before any planning; a flagged target raises ``TargetRefused`` naming the list entry and its source. Domain
errors from tools.synthesis come out as ``ValidationFailed`` with the chemist-facing message.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tools.chem as chem
from app.errors import ValidationFailed
from app.settings import get_settings
from tools.synthesis import (
    InventoryReport,
    Planner,
    SafetyCheck,
    SafetyVerdict,
    SearchLimits,
    SearchProgress,
    SearchResult,
    SingleStepResult,
    Stock,
    Suggestion,
    SynthesisError,
    TemplateLibrary,
    load_model,
)
from tools.synthesis import TargetRefused as PlannerRefused
from tools.synthesis.classifier import ClassifierConfig, train_classifier
from tools.synthesis.depict import route_svgs, step_svg
from tools.synthesis.single_step import ExpansionModel

MAX_UPLOAD_BYTES = 20_000_000


def cache_dir() -> Path:
    """Where trained artifacts and the inventory live: ``<data_dir>/synthesis``."""
    return get_settings().data_dir / "synthesis"


def inventory_path() -> Path:
    return cache_dir() / "inventory.csv"


class TargetRefused(ValidationFailed):
    """The safety screen flagged the target: no routes are planned. ``hits`` name each list entry and its source."""

    def __init__(self, smiles: str, reason: str, hits: Sequence[dict[str, Any]] = ()):
        self.smiles = smiles
        self.reason = reason
        self.hits = list(hits)
        super().__init__(f"Synthesis planning refused for {smiles}: {reason}")


@dataclass(frozen=True)
class Target:
    """A target as the chemist typed it, its canonical SMILES, and how it was read ('SMILES', 'OPSIN', ...)."""

    text: str
    smiles: str
    read_as: str


def resolve_target(text: str) -> Target:
    """Read a SMILES, chemical name or InChI with tools.chem; raises ValidationFailed saying what was wrong."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Enter a target: a SMILES string, a chemical name or an InChI.")
    try:
        parsed = chem.parse_input(text)
    except chem.InvalidSmiles as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise ValidationFailed(f"{text[:60]!r} is not a valid SMILES string: {reason}") from None
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    return Target(text, chem.to_smiles(parsed.mol), parsed.source)


def _hits(smiles: str) -> list[dict[str, Any]]:
    try:
        result = chem.screen(chem.parse(smiles))
    except chem.ChemError:
        return []  # unreadable input is reported by the planner, not screened
    return [h.to_dict() for h in result.hits]


def _reason(hits: Sequence[dict[str, Any]]) -> str:
    listed = "; ".join(
        f"{h['name']} ({h['category'].replace('_', ' ')}; {h['note'] + '; ' if h.get('note') else ''}"
        f"source: {h['source']})"
        for h in hits
    )
    return f"flagged by the safety screen as {listed}. chemassist does not plan syntheses of such substances."


def chem_safety_check(smiles: str) -> SafetyVerdict:
    """tools.chem's full safety screen as the planner's SafetyCheck: listed substances and the hazard motifs its
    rules do not clear (an azide with (C + O) / N >= 3 or a single peroxide is a routine intermediate)."""
    hits = _hits(smiles)
    return SafetyVerdict(True, _reason(hits)) if hits else SafetyVerdict(False)


def screen_target(smiles: str) -> None:
    """Raise TargetRefused (with the hits) when tools.chem's safety screen flags ``smiles``."""
    if hits := _hits(smiles):
        raise TargetRefused(smiles, _reason(hits), hits)


_models: dict[tuple[Path, str], tuple[TemplateLibrary, ExpansionModel]] = {}
_planners: dict[tuple[Path, str, bool], Planner] = {}
_lock = threading.Lock()
_preload_lock = threading.Lock()


def _planner(data_dir: Path, model: str, use_zinc: bool) -> Planner:
    with _lock:
        key = (data_dir, model, use_zinc)
        if key not in _planners:
            # Planners with and without ZINC share one library and model: loading them is the slow part.
            if (data_dir, model) not in _models:
                library = TemplateLibrary.load()
                _models[(data_dir, model)] = (library, load_model(library, model, data_dir / "synthesis"))
            library, expansion = _models[(data_dir, model)]
            planner = Planner(library, expansion, Stock.default(use_zinc=use_zinc))
            inventory = data_dir / "synthesis" / "inventory.csv"
            if inventory.exists():
                planner.stock.add_inventory(inventory)
            _planners[key] = planner
        return _planners[key]


def get_planner(
    model: str = "auto", use_zinc: bool = False, safety_check: SafetyCheck | None = chem_safety_check
) -> Planner:
    """The planner for the configured data dir (loaded once per process, a few seconds), screening targets with
    tools.chem's safety screen unless another ``safety_check`` is given (the built-in CWC list always runs)."""
    try:
        planner = _planner(get_settings().data_dir, model, use_zinc)
    except SynthesisError as exc:
        raise ValidationFailed(str(exc)) from exc
    planner.safety_check = safety_check
    return planner


def is_loaded(model: str = "auto", use_zinc: bool = False) -> bool:
    """Whether the planner is in memory already (the first search of a process loads it first)."""
    return (get_settings().data_dir, model, use_zinc) in _planners


_preloading: set[tuple[Path, str, bool]] = set()


def preload(model: str = "auto", use_zinc: bool = False) -> None:
    """Load the planner in a background thread, so that a page's first search does not wait for it."""
    key = (get_settings().data_dir, model, use_zinc)
    with _preload_lock:
        if key in _planners or key in _preloading:
            return
        _preloading.add(key)
    threading.Thread(target=_quiet_load, args=(key,), name="synthesis-preload", daemon=True).start()


def _quiet_load(key: tuple[Path, str, bool]) -> None:
    try:
        with contextlib.suppress(Exception):  # the search that needs the planner reports the failure
            _planner(*key)
    finally:
        with _preload_lock:
            _preloading.discard(key)


def reset_planners() -> None:
    """Forget loaded planners (after training a classifier, or in tests)."""
    with _lock:
        _planners.clear()
        _models.clear()


def _refusal(exc: PlannerRefused) -> TargetRefused:
    return TargetRefused(exc.smiles, exc.reason, _hits(exc.smiles))


def single_step(smiles: str, top_k: int = 10, model: str = "auto", **kwargs: Any) -> SingleStepResult:
    """Top-k one-step disconnections of a target (SMILES, name or InChI); raises TargetRefused or ValidationFailed."""
    target = resolve_target(smiles)
    screen_target(target.smiles)
    try:
        return get_planner(model, **kwargs).single_step(target.smiles, top_k)
    except PlannerRefused as exc:
        raise _refusal(exc) from exc
    except SynthesisError as exc:
        raise ValidationFailed(str(exc)) from exc


ALGORITHMS = ("best-first", "breadth-first")


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
    stop_at_stock: bool = False,
    **kwargs: Any,
) -> SearchResult:
    """Search routes to a target (SMILES, name or InChI); the page passes a progress callback and sets ``stop`` to
    end it early. A target in stock gets routes from other building blocks (with a note where it can be bought)
    unless ``stop_at_stock``. Raises TargetRefused for a flagged target, ValidationFailed for bad input or limits.
    ``result.extra`` holds the input text and how it was read."""
    try:
        limits = SearchLimits(
            time_limit_s=time_limit_s, max_iterations=max_iterations, max_routes=max_routes, max_depth=max_depth
        )
        limits.validate()
        if algorithm not in ALGORITHMS:
            raise ValidationFailed(f"Unknown search algorithm '{algorithm}': use {' or '.join(ALGORITHMS)}.")
        target = resolve_target(smiles)
        screen_target(target.smiles)
        planner = get_planner(model, **kwargs)
        result = planner.search(
            target.smiles, limits, algorithm, progress, stop.is_set if stop else None, stop_at_stock=stop_at_stock
        )
    except PlannerRefused as exc:
        raise _refusal(exc) from exc
    except SynthesisError as exc:
        raise ValidationFailed(str(exc)) from exc
    result.extra.update(input=target.text, read_as=target.read_as)
    return result


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


def train(epochs: int | None = None, progress: Callable[[str], None] | None = None) -> Path:
    """Train the template classifier into the cache dir (about 10 minutes on two CPU cores); later planners use it
    instead of the shipped one. ``epochs`` overrides the shipped configuration's 8."""
    config = ClassifierConfig() if epochs is None else ClassifierConfig(epochs=epochs)
    path = train_classifier(TemplateLibrary.load(), cache_dir(), config, progress=progress)
    reset_planners()
    return path


def svgs(result: SearchResult, route_index: int = 0) -> list[str]:
    """One reaction SVG per step of a route (target first)."""
    if not 0 <= route_index < len(result.routes):
        raise ValidationFailed(f"There is no route {route_index + 1}; the search returned {len(result.routes)}.")
    return route_svgs(result.routes[route_index])


def reaction_svg(reactants: Sequence[str], product: str, width: int = 700, height: int = 220) -> str:
    """SVG of one forward step ``reactants >> product`` (for steps stored as dicts, e.g. in a route artifact)."""
    step = Suggestion(product, tuple(reactants), 0.0, -1, "", None)
    try:
        return step_svg(step, width, height)
    except Exception as exc:  # RDKit raises plain ValueErrors for SMILES it cannot read
        raise ValidationFailed(f"Could not draw {'.'.join(reactants)}>>{product}: {exc}") from None


_SVG_OPEN = re.compile(r"<svg\b")


def route_svg(route: dict[str, Any], width: int = 700, step_height: int = 220) -> str:
    """One SVG document with every step of a route (``Route.to_dict()`` shape), starting materials first."""
    steps = list(reversed(route.get("steps") or []))
    label_h = 28
    parts, y = [], 0
    for n, step in enumerate(steps, 1):
        name = step.get("reaction_class_name") or "reaction class unknown"
        label = f"Step {n}: {name}, template {step.get('template_id')}, score {step.get('score')}"
        parts.append(f"<text x='10' y='{y + 20}' font-family='sans-serif' font-size='15'>{_xml(label)}</text>")
        body = reaction_svg(step.get("reactants", []), step["product"], width, step_height)
        body = body[body.find("<svg") :]
        parts.append(_SVG_OPEN.sub(f"<svg x='0' y='{y + label_h}'", body, count=1))
        y += label_h + step_height
    title = f"Route to {route.get('target', '')}: {len(steps)} step(s), score {route.get('score')}"
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f"<svg xmlns='http://www.w3.org/2000/svg' version='1.1' width='{width}' height='{max(y, 1)}' "
        f"viewBox='0 0 {width} {max(y, 1)}'><title>{_xml(title)}</title><rect width='100%' height='100%' "
        f"fill='white'/>{''.join(parts)}</svg>\n"
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def inventory_count() -> int:
    """How many molecules the lab has added to its inventory (rows of inventory.csv)."""
    path = inventory_path()
    if not path.exists():
        return 0
    with open(path, newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))
