"""A session's JSON export and import: load what the actor may read, seal it, check and import a file.

Read access is enforced through `app.services.sessions` (owner, shared read-only, admin). The JSON format
("chemassist-session", version 2) carries messages and artifacts exactly, with a SHA-256 checksum of its canonical
JSON and an HMAC signature made with this installation's key (`app.services.signing`): an edited file, or one
signed by another installation, is refused with a message that says which, even when its checksum was recomputed.
An import always creates a new session owned by the importer and writes it in one transaction (all or nothing).
Feedback rows travel in the file for the record but are not imported: they belong to the reviewers of the
installation they were given in (importing them would also duplicate fine-tuning examples).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

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
    new_title = sessions.clean_title(
        title if title is not None else sessions.imported_title(document["session"]["title"])
    )
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
