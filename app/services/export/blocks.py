"""A session as a list of document blocks, the one source the Markdown and PDF exports render.

Blocks say what a piece is (a heading, free text, Markdown the agent wrote, a table, a list, a structure to draw,
the title page); each renderer decides how it looks. Citations are gathered into a bibliography of the cited
documents with where each was cited (page, or section for documents without pages).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any

from app.db.models import utcnow
from app.services.export.session_file import SessionExport
from app.services.sessions import ArtifactInfo

MOLECULE_KEYS = (
    ("mol_weight", "Molecular weight"),
    ("exact_mass", "Exact mass"),
    ("logp", "logP (Crippen)"),
    ("tpsa", "TPSA"),
    ("hbd", "H-bond donors"),
    ("hba", "H-bond acceptors"),
    ("rotatable_bonds", "Rotatable bonds"),
    ("qed", "QED"),
    ("sa_score", "SA score"),
    ("lipinski_violations", "Lipinski violations"),
)


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
    result = call.get("result") or {}
    duration = f", {call['duration_s']:.2f} s" if isinstance(call.get("duration_s"), int | float) else ""
    if "error" in result:
        outcome = f"error: {shorten(result['error'], 160)}"
    elif result.get("refused"):
        outcome = "refused by the safety guard"
    else:
        outcome = "ok"
    return f"{call.get('name', '?')}({shorten(args, 120)}){duration}: {outcome}"


def _molecule_blocks(title: str, p: dict[str, Any]) -> list[Block]:
    units = p.get("units") or {}
    rows = [
        ["Formula", _fmt(p.get("formula"))],
        ["SMILES", _fmt(p.get("canonical_smiles"))],
        ["InChIKey", _fmt(p.get("inchikey"))],
    ]
    rows = [[*row, ""] for row in rows]
    rows += [[label, _fmt(p.get(key)), str(units.get(key, ""))] for key, label in MOLECULE_KEYS if key in p]
    blocks: list[Block] = [Heading(f"Molecule: {title}", 4)]
    if p.get("canonical_smiles"):
        blocks.append(Structure(str(p["canonical_smiles"])))
    blocks.append(Table(["Property", "Value", "Unit / scale"], rows))
    if (p.get("safety") or {}).get("flagged"):
        blocks.append(Para("Flagged by the safety screen: check the hazards before any work with it.", "warning"))
    if p.get("provenance"):
        blocks.append(Para(f"Provenance: {p['provenance']}", "caption"))
    return blocks


def _interval(p: dict[str, Any]) -> str:
    low, high = p.get("interval_low"), p.get("interval_high")
    if low is None or high is None:
        return "–"
    conf = p.get("interval_confidence")
    return f"[{_fmt(low)}, {_fmt(high)}]" + (f" ({conf * 100:.0f}%)" if isinstance(conf, int | float) else "")


def _domain(flag: Any) -> str:
    return {True: "in domain", False: "OUTSIDE domain"}.get(flag, "–")


def _table_blocks(title: str, p: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(title or "Table", 4)]
    if "predictions" in p:
        if p.get("smiles"):
            blocks += [Para(f"Structure: {p['smiles']}"), Structure(str(p["smiles"]))]
        rows = []
        for pred in p["predictions"]:
            model = f"{pred.get('model')} (test RMSE {_fmt(pred.get('test_rmse'))})" if pred.get("model") else "–"
            value = f"error: {pred['error']}" if pred.get("error") else _fmt(pred.get("value"))
            rows.append(
                [
                    _fmt(pred.get("label") or pred.get("property")),
                    value,
                    _interval(pred),
                    _fmt(pred.get("unit")),
                    _domain(pred.get("in_domain")),
                    model,
                ]
            )
        blocks.append(Table(["Property", "Predicted", "Interval", "Unit", "Applicability", "Model"], rows))
        if any(pred.get("in_domain") is False for pred in p["predictions"]):
            blocks.append(
                Para(
                    "Some predictions are outside the model's applicability domain: treat them with caution.", "warning"
                )
            )
    elif "rows" in p:
        rows = []
        for row in p["rows"]:
            preds = "; ".join(
                f"{name} {_fmt(pred.get('value'))} {_interval(pred)}"
                for name, pred in (row.get("predictions") or {}).items()
            )
            rows.append(
                [
                    _fmt(row.get("rank")),
                    _fmt(row.get("smiles")),
                    _fmt(row.get("passes")),
                    _domain(row.get("all_in_domain")),
                    preds,
                ]
            )
        blocks.append(Table(["Rank", "SMILES", "Passes", "Applicability", "Predictions (interval)"], rows))
    elif "hits" in p and p["hits"]:
        keys = [k for k in p["hits"][0] if not isinstance(p["hits"][0][k], dict | list)][:6]
        blocks.append(Table(keys, [[_fmt(hit.get(k)) for k in keys] for hit in p["hits"]]))
    else:
        blocks.append(Para("(empty table)", "caption"))
    if p.get("provenance"):
        blocks.append(Para(f"Provenance: {p['provenance']}", "caption"))
    return blocks


def _route_blocks(title: str, p: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(title or "Synthesis routes", 4)]
    if p.get("message"):
        blocks.append(Para(str(p["message"]), "caption"))
    for i, route in enumerate(p.get("routes", [])[:3], 1):
        steps = list(route.get("steps") or [])
        target = route.get("target") or p.get("target")
        if steps and steps[0].get("product") == target:
            steps.reverse()  # the planner lists target first; a chemist runs them starting-materials first
        solved = "all starting materials in stock" if route.get("solved") else "not all starting materials in stock"
        blocks.append(Para(f"Route {i}: {len(steps)} step(s), score {_fmt(route.get('score'))}, {solved}", "strong"))
        for n, step in enumerate(steps, 1):
            reactants = " + ".join(step.get("reactants", []))
            notes = [
                step.get("reaction_class_name") or step.get("reaction_class"),
                f"template {step['template_id']}" if step.get("template_id") else None,
                f"{len(step.get('precedents') or [])} precedent(s)" if step.get("precedents") is not None else None,
                f"score {_fmt(step.get('score'))}" if step.get("score") is not None else None,
            ]
            text = f"{reactants} → {step.get('product')} ({', '.join(str(note) for note in notes if note)})"
            blocks.append(Items([text], numbered=True, start=n))
            blocks.append(Structure(str(step.get("product")), tuple(step.get("reactants", []))))
        leaves = route.get("leaves") or []
        if leaves:
            stock = [
                f"{leaf.get('smiles')}"
                + (f" (in stock: {leaf.get('source')})" if leaf.get("in_stock") else " (not in stock)")
                for leaf in leaves
            ]
            blocks.append(Para("Starting materials: " + "; ".join(stock), "caption"))
    return blocks


def _citation_item(p: dict[str, Any], bib: Bibliography) -> str:
    ref = bib.add(p)
    passage = shorten(p.get("passage", ""), 300)
    return f"[{p.get('n')}] {p.get('title')}, {location(p)} (bibliography {ref}): “{passage}”"


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
        kind = a.kind.value
        if kind == "molecule":
            out += _molecule_blocks(a.title, a.payload)
        elif kind == "table":
            out += _table_blocks(a.title, a.payload)
        elif kind == "route":
            out += _route_blocks(a.title, a.payload)
        elif kind == "citation":
            citations.append(_citation_item(a.payload, bib))
        else:
            out += [Heading(a.title or kind, 4), Para(shorten(json.dumps(a.payload, default=str), 500), "caption")]
    if citations:
        out += [Para("Cited passages:", "strong"), Items(citations)]
    return out
