"""A session as a list of document blocks, the one source the Markdown and PDF exports render.

Blocks say what a piece is (a heading, free text, Markdown the agent wrote, a table, a list, a structure to draw,
the title page); each renderer decides how it looks. Citations are gathered into a bibliography of the cited
documents with where each was cited (page, or section for documents without pages).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any

from app.db.models import utcnow
from app.services.export.session_file import SessionExport
from app.services.sessions import ArtifactInfo
from tools import results
from tools.chem.quantities import DESCRIPTORS, SUMMARY


@dataclass(frozen=True)
class Cover:
    """The title page: what the session is, whose, when, and which chemassist wrote the file."""

    title: str
    owner: str
    created: datetime
    updated: datetime
    exported: datetime
    exported_by: str
    messages: int
    artifacts: int
    version: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Para:
    """Text shown exactly as written (a user's question, a caption): never read as Markdown."""

    text: str
    style: str = "normal"  # normal / quote / caption / strong / warning


@dataclass(frozen=True)
class Markdown:
    """Markdown the agent wrote (an answer): its tables, lists and emphasis are formatting."""

    text: str


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Items:
    items: list[str]
    numbered: bool = False
    start: int = 1


@dataclass(frozen=True)
class Structure:
    """A 2D depiction (PDF only): one molecule, or a reaction when `reactants` is set."""

    smiles: str
    reactants: tuple[str, ...] = ()


Block = Cover | Heading | Para | Markdown | Table | Items | Structure


def chemassist_version() -> str:
    try:
        return metadata.version("chemassist")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) >= 1e4 or (value and abs(value) < 1e-3) else f"{round(value, 4)}"
    return str(value)


def shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def location(citation: dict[str, Any]) -> str:
    """Where a citation points, as tools.literature words it: 'page 3, Methods', or 'section “Results”' for a
    document without pages (exports from before sections were recorded count as paged)."""
    from tools.literature.models import location as where  # the literature package loads its store lazily

    page = citation.get("page")
    return where(
        bool(citation.get("paged", True)), int(page) if isinstance(page, int) else 1, str(citation.get("section") or "")
    )


@dataclass
class Bibliography:
    """Cited documents in order of first citation, deduplicated by document_id, with the places cited."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, citation: dict[str, Any]) -> int:
        key = str(citation.get("document_id") or citation.get("title") or "unknown")
        entry = self.entries.setdefault(
            key, {"n": len(self.entries) + 1, "title": citation.get("title") or key, "places": []}
        )
        page = citation.get("page")
        paged = bool(citation.get("paged", True))
        place = (paged, page if isinstance(page, int) else 0, str(citation.get("section") or ""))
        if ((paged and page is not None) or place[2]) and place not in entry["places"]:
            entry["places"].append(place)
        return int(entry["n"])

    @staticmethod
    def _where(places: list[tuple[bool, int, str]]) -> str:
        if not places:
            return ""
        places = sorted(places, key=lambda p: (not p[0], p[1], p[2]))
        if all(paged and not section for paged, _, section in places):  # the common case: "pages 3, 7"
            pages = ", ".join(str(page) for _, page, _ in places)
            return f", page{'s' if len(places) > 1 else ''} {pages}"
        return ", " + "; ".join(location({"paged": p, "page": n, "section": s}) for p, n, s in places)

    def blocks(self) -> list[Block]:
        if not self.entries:
            return []
        items = [
            f"{entry['title']} (document {key}){self._where(entry['places'])}" for key, entry in self.entries.items()
        ]
        return [Heading("Bibliography", 2), Items(items, numbered=True)]


def _tool_summary(call: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in (call.get("args") or {}).items())
    result = results.parse(str(call.get("name") or ""), call.get("result") or {})
    duration = f", {call['duration_s']:.2f} s" if isinstance(call.get("duration_s"), int | float) else ""
    if isinstance(result, results.ToolError):
        outcome = f"error: {shorten(result.error, 160)}"
    elif results.refused(result):
        outcome = "refused by the safety guard"
    else:
        outcome = "ok"
    return f"{call.get('name', '?')}({shorten(args, 120)}){duration}: {outcome}"


def _molecule_blocks(title: str, m: results.MoleculeResult) -> list[Block]:
    rows = [
        ["Formula", _fmt(m.formula or None), ""],
        ["SMILES", _fmt(m.canonical_smiles or None), ""],
        ["InChIKey", _fmt(m.inchikey), ""],
    ]
    for key in SUMMARY:
        if m.value(key) is not None:
            label = DESCRIPTORS[key].label
            rows.append([label[0].upper() + label[1:], _fmt(m.value(key)), m.units.get(key, DESCRIPTORS[key].unit)])
    out: list[Block] = [Heading(f"Molecule: {title}", 4)]
    if m.canonical_smiles:
        out.append(Structure(m.canonical_smiles))
    out.append(Table(["Property", "Value", "Unit / scale"], rows))
    if m.safety.flagged:
        out.append(Para("Flagged by the safety screen: check the hazards before any work with it.", "warning"))
    if m.provenance:
        out.append(Para(f"Provenance: {m.provenance}", "caption"))
    return out


def _interval(p: results.Prediction) -> str:
    if p.interval_low is None or p.interval_high is None:
        return "–"
    conf = p.interval_confidence
    return f"[{_fmt(p.interval_low)}, {_fmt(p.interval_high)}]" + (f" ({conf * 100:.0f}%)" if conf is not None else "")


def _domain(flag: bool | None) -> str:
    return {True: "in domain", False: "OUTSIDE domain"}.get(flag, "–") if flag is not None else "–"


def _provenance(text: str) -> list[Block]:
    return [Para(f"Provenance: {text}", "caption")] if text else []


def _prediction_blocks(title: str, r: results.PredictionResult) -> list[Block]:
    out: list[Block] = [Heading(title or "Predicted properties", 4)]
    if r.smiles:
        out += [Para(f"Structure: {r.smiles}"), Structure(r.smiles)]
    rows = []
    for pred in r.predictions:
        model = f"{pred.model} (test RMSE {_fmt(pred.test_rmse)})" if pred.model else "–"
        value = f"error: {pred.error}" if pred.error else _fmt(pred.value)
        rows.append([_fmt(pred.name), value, _interval(pred), _fmt(pred.unit), _domain(pred.in_domain), model])
    out.append(Table(["Property", "Predicted", "Interval", "Unit", "Applicability", "Model"], rows))
    if r.out_of_domain:
        out.append(
            Para("Some predictions are outside the model's applicability domain: treat them with caution.", "warning")
        )
    return out + _provenance(r.provenance)


def _screen_blocks(title: str, r: results.ScreenResult) -> list[Block]:
    rows = []
    for row in r.rows:
        preds = "; ".join(f"{name} {_fmt(p.value)} {_interval(p)}" for name, p in row.predictions.items())
        rows.append([_fmt(row.rank), _fmt(row.smiles), _fmt(row.passes), _domain(row.all_in_domain), preds])
    table: Block = (
        Table(["Rank", "SMILES", "Passes", "Applicability", "Predictions (interval)"], rows)
        if rows
        else Para("(empty table)", "caption")
    )
    return [Heading(title or "Screen", 4), table, *_provenance(r.provenance)]


def _similarity_blocks(title: str, r: results.SimilarityResult) -> list[Block]:
    rows = [[_fmt(h.name), h.smiles, _fmt(h.similarity), _fmt(h.source), _fmt(h.measured)] for h in r.hits]
    table: Block = (
        Table(["Name", "SMILES", "Similarity", "Source", "Measured"], rows)
        if rows
        else Para("(empty table)", "caption")
    )
    return [Heading(title or "Similar molecules", 4), table, *_provenance(r.provenance)]


def _step_notes(step: results.RouteStep) -> str:
    """The step's facts as every view words them (tools.results.RouteStep.facts), and how many precedents."""
    facts = step.facts()
    if step.precedents:
        facts.insert(-1 - len(step.protection_notes), f"{len(step.precedents)} precedent(s)")
    return "; ".join(facts)


def _route_blocks(title: str, r: results.RouteSearchResult) -> list[Block]:
    out: list[Block] = [Heading(title or "Synthesis routes", 4)]
    if r.message:
        out.append(Para(r.message, "caption"))
    for i, route in enumerate(r.routes[:3], 1):
        steps = route.forward_steps(r.target_smiles or r.target)
        out.append(Para(f"Route {i}: " + " · ".join(route.facts()), "strong"))
        if route.score_text:
            out.append(Para(f"Score: {route.score_text}", "caption"))
        for n, step in enumerate(steps, 1):
            reactants = " + ".join(step.reactants)
            out.append(Items([f"{reactants} → {step.product} ({_step_notes(step)})"], numbered=True, start=n))
            out.append(Structure(step.product, tuple(step.reactants)))
        if route.leaves:
            materials = "; ".join(f"{leaf.smiles} ({leaf.stock_text})" for leaf in route.leaves)
            out.append(Para("Starting materials: " + materials, "caption"))
    return out


def _citation_item(c: results.Citation, bib: Bibliography) -> str:
    ref = bib.add(results.dump(c))
    return f"[{c.n}] {c.title}, {c.location} (bibliography {ref}): “{shorten(c.passage, 300)}”"


def _unknown_blocks(title: str, r: results.ToolResult) -> list[Block]:
    data = r.data if isinstance(r, results.UnknownResult) else results.dump(r)
    return [Heading(title or r.kind, 4), Para(shorten(json.dumps(data, default=str), 500), "caption")]


# The document blocks of each kind of result (tools.results kinds): the Markdown and PDF exports render them.
RENDERERS: dict[str, Callable[[str, Any], list[Block]]] = {
    "molecule": _molecule_blocks,
    "prediction": _prediction_blocks,
    "screen": _screen_blocks,
    "similarity": _similarity_blocks,
    "route_search": _route_blocks,
}


def blocks(export: SessionExport) -> list[Block]:
    """The session as document blocks, in conversation order, ending with the bibliography."""
    info = export.info
    out: list[Block] = [
        Cover(
            title=info.title,
            owner=info.owner_username,
            created=info.created_at,
            updated=info.updated_at,
            exported=utcnow(),
            exported_by=export.exported_by,
            messages=len(export.messages),
            artifacts=len(export.artifacts),
            version=chemassist_version(),
        )
    ]
    by_message: dict[int | None, list[ArtifactInfo]] = {}
    for artifact in export.artifacts:
        by_message.setdefault(artifact.message_id, []).append(artifact)
    bib = Bibliography()
    turn = 0
    for message in export.messages:
        if message.role == "user":
            turn += 1
            out += [Heading(f"{turn}. Question", 2), Para(message.content, "quote")]
            continue
        if message.role != "assistant":
            out += [Heading(f"{message.role.capitalize()} message", 3), Para(message.content)]
            continue
        out.append(Heading(f"Answer ({message.model or 'unknown model'}, {message.created_at:%Y-%m-%d %H:%M} UTC)", 3))
        if message.tool_calls:
            out += [Para("Tools used:", "strong"), Items([_tool_summary(c) for c in message.tool_calls])]
        out.append(Markdown(message.content))
        out += _artifact_blocks(by_message.pop(message.id, []), bib)
    leftover = [a for arts in by_message.values() for a in arts]
    if leftover:
        out += [Heading("Other results", 2), *_artifact_blocks(leftover, bib)]
    return out + bib.blocks()


def _artifact_blocks(artifacts: Iterable[ArtifactInfo], bib: Bibliography) -> list[Block]:
    out: list[Block] = []
    citations = []
    for a in artifacts:
        result = results.stored(a.kind.value, a.payload)
        if isinstance(result, results.Citation):
            citations.append(_citation_item(result, bib))
        else:
            out += RENDERERS.get(result.kind, _unknown_blocks)(a.title, result)
    if citations:
        out += [Para("Cited passages:", "strong"), Items(citations)]
    return out
