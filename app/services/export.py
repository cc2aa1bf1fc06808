"""Export a research session as Markdown, PDF or JSON, and import a JSON export as a new session.

Read access is enforced through `app.services.sessions` (owner, shared read-only, admin). Markdown and PDF are
rendered from one list of document blocks, so both say the same thing. The JSON format ("chemassist-session",
version 2) carries messages and artifacts exactly, with a SHA-256 checksum of its canonical JSON and an HMAC
signature made with this installation's key (`app.services.signing`): an edited file, or one signed by another
installation, is refused with a message that says which, even when its checksum was recomputed. An import
always creates a new session owned by the importer and writes it in one transaction (all or nothing).
Feedback rows travel in the file for the record but are not imported: they belong to the reviewers of the
installation they were given in (importing them would also duplicate fine-tuning examples).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

import tools.chem as chem
from app.db.engine import session_scope
from app.db.models import Artifact, ArtifactKind, Feedback, Message, ResearchSession, User, utcnow
from app.errors import ValidationFailed
from app.services import access, sessions, signing
from app.services.accounts import Account
from app.services.sessions import ArtifactInfo, MessageInfo, SessionInfo

FORMAT = "chemassist-session"
VERSION = 2  # 2: signed with the installation key (version 1 files carry only a checksum)
MAX_DEPTH = 64  # nesting of JSON objects and lists an import accepts (an export nests fewer than 20 deep)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
MESSAGE_ROLES = ("user", "assistant", "system", "tool")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_CELL = 400  # characters per PDF table cell; the full text is in the Markdown and JSON exports
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


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class SessionExport:
    """Everything exported about one session, read with the actor's access rights."""

    info: SessionInfo
    messages: list[MessageInfo]
    artifacts: list[ArtifactInfo]
    feedback: list[dict[str, Any]] = field(default_factory=list)
    exported_by: str = ""


@access.guarded
def load(actor: Account, session_id: int, *, include_feedback: bool = True) -> SessionExport:
    """The session, its messages, artifacts and (optionally) feedback; NotFound when the actor may not read it."""
    info = sessions.get_session(actor, session_id)
    messages = sessions.list_messages(actor, session_id)
    artifacts = sessions.list_artifacts(actor, session_id)
    rows: list[dict[str, Any]] = []
    if include_feedback and messages:
        reviewer = aliased(User)
        with session_scope() as db:
            stmt = (
                select(Feedback, User.username, reviewer.username)
                .join(User, Feedback.user_id == User.id)
                .outerjoin(reviewer, Feedback.reviewed_by_id == reviewer.id)
                .where(Feedback.message_id.in_([m.id for m in messages]))
                .order_by(Feedback.id)
            )
            for fb, username, reviewed_by in db.execute(stmt):
                if not access.can_see_feedback(actor, info.owner_id, fb.user_id):
                    continue  # a read-only viewer gets no one else's comments and corrections
                rows.append(
                    {
                        "message_id": fb.message_id,
                        "user": username,
                        "rating": fb.rating,
                        "comment": fb.comment,
                        "correction": fb.correction,
                        "reviewed": fb.reviewed,
                        "reviewed_by": reviewed_by,
                        "created_at": _iso(fb.created_at),
                    }
                )
    return SessionExport(info, messages, artifacts, rows, actor.username)


def filename(info: SessionInfo, extension: str) -> str:
    """A safe file name from the title: 'polyimide-tg-screen-12.md'."""
    slug = re.sub(r"[^a-z0-9]+", "-", info.title.lower()).strip("-")[:60] or "session"
    return f"{slug}-{info.id}.{extension}"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


# --------------------------------------------------------------------------- JSON


def canonical_json(data: Any) -> bytes:
    """The bytes the checksum is taken over: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def checksum(document: dict[str, Any]) -> str:
    rest = {k: v for k, v in document.items() if k not in ("checksum", "signature")}
    return "sha256:" + hashlib.sha256(canonical_json(rest)).hexdigest()


def _signed_bytes(document: dict[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in document.items() if k != "signature"})


def seal(document: dict[str, Any]) -> dict[str, Any]:
    """Set the document's checksum and this installation's signature (over everything but the signature)."""
    document["checksum"] = checksum(document)
    document["signature"] = signing.sign(_signed_bytes(document))
    return document


def to_document(export: SessionExport) -> dict[str, Any]:
    """The JSON export as a dict (see the module docstring); artifacts and feedback point at messages by index."""
    index = {m.id: i for i, m in enumerate(export.messages)}
    info = export.info
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(utcnow()),
        "exported_by": export.exported_by,
        "session": {
            "title": info.title,
            "owner": info.owner_username,
            "created_at": _iso(info.created_at),
            "updated_at": _iso(info.updated_at),
            "archived": info.archived,
        },
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "model": m.model,
                "tool_calls": m.tool_calls,
                "created_at": _iso(m.created_at),
            }
            for m in export.messages
        ],
        "artifacts": [
            {
                "kind": a.kind.value,
                "title": a.title,
                "payload": a.payload,
                "message": index.get(a.message_id) if a.message_id is not None else None,
                "created_at": _iso(a.created_at),
            }
            for a in export.artifacts
        ],
        "feedback": [
            {k: v for k, v in fb.items() if k != "message_id"} | {"message": index[fb["message_id"]]}
            for fb in export.feedback
            if fb["message_id"] in index
        ],
    }
    return seal(document)


@access.guarded
def to_json(actor: Account, session_id: int, *, include_feedback: bool = True) -> bytes:
    """The session as an indented JSON export (UTF-8 bytes)."""
    document = to_document(load(actor, session_id, include_feedback=include_feedback))
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class ImportResult:
    session: SessionInfo
    messages: int
    artifacts: int
    feedback_not_imported: int

    @property
    def summary(self) -> str:
        text = (
            f"Imported “{self.session.title}” as a new session: "
            f"{self.messages} message(s), {self.artifacts} artifact(s)."
        )
        if self.feedback_not_imported:
            text += (
                f" The file's {self.feedback_not_imported} feedback entries were not imported "
                "(feedback stays with the installation that reviewed it)."
            )
        return text


def _fail(where: str, what: str) -> ValidationFailed:
    return ValidationFailed(f"This export cannot be imported: {where} {what}. Nothing was imported.")


def _timestamp(value: Any, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, "has no valid created_at timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_document(data: bytes | str) -> dict[str, Any]:
    """Parse and check an export: size, JSON, format, version, checksum, then the shape of every record.

    Raises ValidationFailed with a message that says what is wrong; nothing is written.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            f"The file is too large to import ({len(raw) / 1e6:.1f} MB; the limit is {MAX_IMPORT_BYTES // 2**20} MB)."
        )
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"The file is not JSON ({exc}); choose a chemassist session export (.json).") from None
    except RecursionError:
        raise ValidationFailed(_TOO_DEEP) from None
    if _too_deep(document):
        raise ValidationFailed(_TOO_DEEP)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationFailed(
            f"The file is JSON but not a chemassist session export (its 'format' is not '{FORMAT}')."
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValidationFailed(f"The export has no valid version number (found {version!r}).")
    if version > VERSION:
        raise ValidationFailed(
            f"This file was exported by a newer chemassist (version {version}); upgrade first "
            f"(this installation reads versions up to {VERSION})."
        )
    if document.get("checksum") != checksum(document):
        raise ValidationFailed(
            "The checksum does not match: the file was modified after export (or is incomplete). Nothing was imported."
        )
    signing.verify(_signed_bytes(document), document.get("signature"), what="session export")
    _check_shape(document)
    return document


_TOO_DEEP = (
    f"The file nests its JSON more than {MAX_DEPTH} levels deep, which no chemassist export does. Nothing was imported."
)


def _too_deep(value: Any) -> bool:
    """True when lists and objects nest deeper than MAX_DEPTH (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _check_shape(document: dict[str, Any]) -> None:
    session = document.get("session")
    if not isinstance(session, dict) or not isinstance(session.get("title"), str):
        raise _fail("the 'session'", "has no title")
    messages, artifacts = document.get("messages"), document.get("artifacts")
    if not isinstance(messages, list) or not isinstance(artifacts, list):
        raise _fail("the file", "has no 'messages' and 'artifacts' lists")
    for i, m in enumerate(messages, 1):
        where = f"message {i}"
        if not isinstance(m, dict) or m.get("role") not in MESSAGE_ROLES:
            raise _fail(where, f"has no role among {', '.join(MESSAGE_ROLES)}")
        if not isinstance(m.get("content"), str):
            raise _fail(where, "has no text content")
        if m.get("model") is not None and (not isinstance(m["model"], str) or len(m["model"]) > 200):
            raise _fail(where, "has a model name that is not text of at most 200 characters")
        if m.get("tool_calls") is not None and not isinstance(m["tool_calls"], list):
            raise _fail(where, "has tool_calls that are not a list")
        _timestamp(m.get("created_at"), where)
    kinds = {k.value for k in ArtifactKind}
    for i, a in enumerate(artifacts, 1):
        where = f"artifact {i}"
        if not isinstance(a, dict) or a.get("kind") not in kinds:
            raise _fail(where, f"has no kind among {', '.join(sorted(kinds))}")
        if not isinstance(a.get("payload"), dict) or not isinstance(a.get("title", ""), str):
            raise _fail(where, "has no payload object")
        ref = a.get("message")
        if ref is not None and (not isinstance(ref, int) or isinstance(ref, bool) or not 0 <= ref < len(messages)):
            raise _fail(where, f"points at message {ref!r}, which the file does not hold")
        _timestamp(a.get("created_at"), where)


@access.guarded
def import_session(actor: Account, data: bytes | str, *, title: str | None = None) -> ImportResult:
    """Create a NEW session owned by `actor` from a JSON export (never overwrites); returns what was imported."""
    document = read_document(data)
    new_title = sessions.clean_title(title if title is not None else document["session"]["title"])
    with session_scope() as db:
        rs = ResearchSession(owner_id=actor.id, title=new_title)
        db.add(rs)
        db.flush()
        ids: list[int] = []
        for m in document["messages"]:
            row = Message(
                session_id=rs.id,
                role=m["role"],
                content=m["content"],
                model=m.get("model"),
                tool_calls=m.get("tool_calls"),
                created_at=_timestamp(m["created_at"], "message"),
            )
            db.add(row)
            db.flush()
            ids.append(row.id)
        for a in document["artifacts"]:
            ref = a.get("message")
            db.add(
                Artifact(
                    session_id=rs.id,
                    message_id=ids[ref] if ref is not None else None,
                    kind=ArtifactKind(a["kind"]),
                    title=a.get("title", "")[:200],
                    payload=a["payload"],
                    created_at=_timestamp(a["created_at"], "artifact"),
                )
            )
        db.flush()
        session_id = rs.id
    feedback = document.get("feedback") or []
    return ImportResult(
        session=sessions.get_session(actor, session_id),
        messages=len(document["messages"]),
        artifacts=len(document["artifacts"]),
        feedback_not_imported=len(feedback) if isinstance(feedback, list) else 0,
    )


# --------------------------------------------------------------------------- document blocks


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "normal"  # normal / quote / caption / strong / warning


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


Block = Heading | Para | Table | Items | Structure


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) >= 1e4 or (value and abs(value) < 1e-3) else f"{round(value, 4)}"
    return str(value)


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Bibliography:
    """Cited documents in order of first citation, deduplicated by document_id, with the pages cited."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, citation: dict[str, Any]) -> int:
        key = str(citation.get("document_id") or citation.get("title") or "unknown")
        entry = self.entries.setdefault(
            key, {"n": len(self.entries) + 1, "title": citation.get("title") or key, "pages": []}
        )
        page = citation.get("page")
        if page is not None and page not in entry["pages"]:
            entry["pages"].append(page)
        return int(entry["n"])

    def blocks(self) -> list[Block]:
        if not self.entries:
            return []
        items = []
        for key, entry in self.entries.items():
            pages = sorted(entry["pages"], key=lambda p: (not isinstance(p, int), p if isinstance(p, int) else 0))
            where = f", page{'s' if len(pages) > 1 else ''} {', '.join(str(p) for p in pages)}" if pages else ""
            items.append(f"{entry['title']} ({key}){where}")
        return [Heading("Bibliography", 2), Items(items, numbered=True)]


def _tool_summary(call: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in (call.get("args") or {}).items())
    result = call.get("result") or {}
    duration = f", {call['duration_s']:.2f} s" if isinstance(call.get("duration_s"), int | float) else ""
    if "error" in result:
        outcome = f"error: {_short(result['error'], 160)}"
    elif result.get("refused"):
        outcome = "refused by the safety guard"
    else:
        outcome = "ok"
    return f"{call.get('name', '?')}({_short(args, 120)}){duration}: {outcome}"


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
            blocks.append(Para(f"Structure: {p['smiles']}"))
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
    passage = _short(p.get("passage", ""), 300)
    return f"[{p.get('n')}] {p.get('title')}, page {p.get('page')} (bibliography {ref}): “{passage}”"


def blocks(export: SessionExport) -> list[Block]:
    """The session as document blocks, in conversation order, ending with the bibliography."""
    info = export.info
    out: list[Block] = [
        Heading(info.title, 1),
        Para(
            f"Owner: {info.owner_username} · created {info.created_at:%Y-%m-%d %H:%M} UTC · "
            f"updated {info.updated_at:%Y-%m-%d %H:%M} UTC · {len(export.messages)} message(s) · "
            f"exported {utcnow():%Y-%m-%d %H:%M} UTC by chemassist",
            "caption",
        ),
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
        out.append(Para(message.content))
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
            out += [Heading(a.title or kind, 4), Para(_short(json.dumps(a.payload, default=str), 500), "caption")]
    if citations:
        out += [Para("Cited passages:", "strong"), Items(citations)]
    return out


# --------------------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(items: list[Block]) -> str:
    lines: list[str] = []
    for block in items:
        match block:
            case Heading(text, level):
                lines += ["#" * level + " " + text, ""]
            case Para(text, "quote"):
                lines += ["> " + text.replace("\n", "\n> "), ""]
            case Para(text, "caption"):
                lines += [f"*{text}*", ""]
            case Para(text, "strong"):
                lines += [f"**{text}**", ""]
            case Para(text, "warning"):
                lines += [f"> **Warning:** {text}", ""]
            case Para(text, _):
                lines += [text, ""]
            case Table(header, rows):
                lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
                lines.append("|" + "---|" * len(header))
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
                lines.append("")
            case Items(entries, numbered, start):
                lines += [f"{i}. {e}" if numbered else f"- {e}" for i, e in enumerate(entries, start)]
                lines.append("")
            case Structure():
                continue  # pictures go into the PDF; the Markdown carries the SMILES in text
    return "\n".join(lines).rstrip() + "\n"


@access.guarded
def to_markdown(actor: Account, session_id: int) -> str:
    """The session as Markdown: conversation, tool calls, molecules, tables, routes and a bibliography."""
    return render_markdown(blocks(load(actor, session_id, include_feedback=False)))


# --------------------------------------------------------------------------- PDF

_LATIN1 = str.maketrans(
    {"→": "->", "⇐": "<=", "–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "·": "-", "•": "-"}
)


def _structure_png(structure: Structure) -> bytes | None:
    """PNG of a molecule (tools.chem) or of a reaction step; None when RDKit cannot draw it."""
    try:
        if not structure.reactants:
            return chem.to_png(chem.parse(structure.smiles), size=(360, 260))
        # tools.synthesis.depict draws SVG only; fpdf2 wants a raster, so the step is drawn with Cairo here.
        from rdkit.Chem import AllChem
        from rdkit.Chem.Draw import rdMolDraw2D

        rxn = AllChem.ReactionFromSmarts(  # type: ignore[attr-defined]
            f"{'.'.join(structure.reactants)}>>{structure.smiles}", useSmiles=True
        )
        drawer = rdMolDraw2D.MolDraw2DCairo(900, 240)
        drawer.DrawReaction(rxn)
        drawer.FinishDrawing()
        return bytes(drawer.GetDrawingText())
    except Exception:  # a picture we cannot draw leaves the text version, never a failed export
        return None


def _plain(text: str) -> str:
    return text.replace("**", "").replace("`", "")


def render_pdf(items: list[Block], *, title: str = "chemassist session", font_dir: Path | None = FONT_DIR) -> bytes:
    """A PDF of the blocks (fpdf2): DejaVu Sans for Unicode when installed, else core fonts with text sanitised."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("chemassist")
    pdf.set_auto_page_break(True, margin=15)
    regular = font_dir / "DejaVuSans.ttf" if font_dir else None
    if regular is not None and regular.is_file():
        family = "DejaVu"
        pdf.add_font(family, "", str(regular))
        for style, name in (("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf")):
            path = font_dir / name  # type: ignore[operator]
            pdf.add_font(family, style, str(path if path.is_file() else regular))

        def clean(text: str) -> str:
            return _plain(text)
    else:
        family = "helvetica"

        def clean(text: str) -> str:
            return _plain(text).translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    width = pdf.epw

    def write(
        text: str, *, style: str = "", size: float = 10, height: float = 5, color: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.multi_cell(width, height, clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)

    for block in items:
        match block:
            case Heading(text, level):
                pdf.ln(2 if level > 2 else 4)
                write(text, style="B", size={1: 18, 2: 14, 3: 12}.get(level, 11), height=7 if level <= 2 else 6)
                pdf.ln(1)
            case Para(text, "quote"):
                pdf.set_x(pdf.l_margin + 4)
                pdf.set_font(family, "I", 10)
                pdf.multi_cell(width - 4, 5, clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            case Para(text, "caption"):
                write(text, size=8, height=4, color=(90, 90, 90))
            case Para(text, "strong"):
                write(text, style="B")
            case Para(text, "warning"):
                write("Warning: " + text, style="B", color=(170, 60, 0))
            case Para(text, _):
                write(text)
            case Table(header, rows):
                pdf.set_font(family, "", 8)
                narrow = width * 0.8 if len(header) <= 3 else width
                cells = [[clean(_short(str(v), MAX_CELL)) for v in values] for values in [header, *rows]]
                try:
                    with pdf.table(width=narrow, align="LEFT", text_align="LEFT", line_height=4.5, padding=1) as table:
                        for values in cells:
                            row = table.row()
                            for value in values:
                                row.cell(value)
                except ValueError:  # a row taller than a page: fpdf2 cannot split it, so write the rows as text
                    for values in cells[1:]:
                        write(" · ".join(f"{h}: {v}" for h, v in zip(cells[0], values, strict=False)), size=8)
                pdf.ln(2)
            case Items(entries, numbered, start):
                pdf.set_font(family, "", 9.5)
                for i, entry in enumerate(entries, start):
                    bullet = f"{i}. " if numbered else "• "
                    pdf.set_x(pdf.l_margin + 3)
                    pdf.multi_cell(width - 3, 5, clean(bullet + entry), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1)
            case Structure(_, reactants):
                png = _structure_png(block)
                if png is None:
                    continue
                w = 150 if reactants else 55
                h = w * (240 / 900 if reactants else 260 / 360)
                if pdf.get_y() + h > pdf.page_break_trigger:
                    pdf.add_page()
                pdf.image(io.BytesIO(png), x=pdf.l_margin, w=w, h=h)
                pdf.ln(1)
    return bytes(pdf.output())


@access.guarded
def to_pdf(actor: Account, session_id: int) -> bytes:
    """The session as a PDF with structure pictures, tables, numbered route steps and a bibliography."""
    export = load(actor, session_id, include_feedback=False)
    return render_pdf(blocks(export), title=export.info.title)
