"""Research sessions: create, list, search, rename, archive, delete and share, with access enforced here.

Every function takes the acting account and asks `app.services.access` (which re-reads the account on each
call, so a deactivated account can do nothing more). A chemist sees their own sessions and those shared with them;
sessions of others are reported as not found (their existence is not revealed). Shared sessions are
read-only for the people they are shared with. Admins may read every session (they run the installation)
but change only their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from app.db.engine import session_scope
from app.db.models import (
    Artifact,
    ArtifactKind,
    Message,
    ResearchSession,
    SessionShare,
    User,
    Visibility,
    WorkshopSessionShare,
    utcnow,
)
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.services import access as policy
from app.services.accounts import Account, normalize_username

MAX_TITLE = 200
Access = policy.SessionAccess


@dataclass(frozen=True)
class SessionInfo:
    id: int
    title: str
    owner_id: int
    owner_username: str
    created_at: datetime
    updated_at: datetime
    archived: bool
    shared_with: tuple[str, ...]
    access: Access
    message_count: int = 0

    @property
    def can_edit(self) -> bool:
        return self.access == "owner"


@dataclass(frozen=True)
class MessageInfo:
    id: int
    role: str
    content: str
    model: str | None
    tool_calls: list[dict[str, Any]] | None
    created_at: datetime


@dataclass(frozen=True)
class ArtifactInfo:
    id: int
    kind: ArtifactKind
    title: str
    payload: dict[str, Any]
    message_id: int | None
    created_at: datetime


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed("A session needs a title.")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"A title has at most {MAX_TITLE} characters (this one has {len(title)}).")
    return title


def imported_title(original: str, when: datetime | None = None) -> str:
    """'Polyimide Tg screen (imported 2026-12-04)': an imported copy never carries its original's exact title.

    A title that would pass MAX_TITLE is shortened with '…' before the suffix; an empty one becomes 'Session'.
    """
    day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
    suffix = f" (imported {day})"
    base = " ".join((original or "").split()) or "Session"
    if len(base) + len(suffix) > MAX_TITLE:
        base = base[: MAX_TITLE - len(suffix) - 1].rstrip() + "…"
    return clean_title(base + suffix)


def _load(db: Session, actor: Account, session_id: int, *, write: bool = False) -> tuple[ResearchSession, Access]:
    rs = db.get(ResearchSession, session_id)
    access = policy.session_access(db, actor, rs) if rs is not None else None
    if rs is None or access is None:
        raise NotFound(f"Research session {session_id} does not exist or is not shared with you.")
    if write and access != "owner":
        raise PermissionDenied("This session is shared with you read-only; only its owner can change it.")
    return rs, access


def _infos(db: Session, rows: list[tuple[ResearchSession, Access]]) -> list[SessionInfo]:
    """SessionInfo for many sessions with three queries in all (owners, shares, message counts)."""
    ids = [rs.id for rs, _ in rows]
    if not ids:
        return []
    owners = dict(db.execute(select(User.id, User.username).where(User.id.in_({rs.owner_id for rs, _ in rows}))).all())
    shared: dict[int, list[str]] = {}
    for session_id, username in db.execute(
        select(SessionShare.session_id, User.username)
        .join(User, SessionShare.user_id == User.id)
        .where(SessionShare.session_id.in_(ids))
        .order_by(User.username)
    ):
        shared.setdefault(session_id, []).append(username)
    counts = dict(
        db.execute(
            select(Message.session_id, func.count(Message.id))
            .where(Message.session_id.in_(ids))
            .group_by(Message.session_id)
        ).all()
    )
    return [
        SessionInfo(
            id=rs.id,
            title=rs.title,
            owner_id=rs.owner_id,
            owner_username=owners[rs.owner_id],
            created_at=rs.created_at,
            updated_at=rs.updated_at,
            archived=rs.archived,
            shared_with=tuple(shared.get(rs.id, ())),
            access=access,
            message_count=counts.get(rs.id, 0),
        )
        for rs, access in rows
    ]


def _info(db: Session, rs: ResearchSession, access: Access) -> SessionInfo:
    return _infos(db, [(rs, access)])[0]


@policy.guarded
def create_session(actor: Account, title: str = "New research session") -> SessionInfo:
    with session_scope() as db:
        rs = ResearchSession(owner_id=actor.id, title=clean_title(title))
        db.add(rs)
        db.flush()
        return _info(db, rs, "owner")


@policy.guarded
def get_session(actor: Account, session_id: int) -> SessionInfo:
    with session_scope() as db:
        rs, access = _load(db, actor, session_id)
        return _info(db, rs, access)


@policy.guarded
def list_sessions(
    actor: Account,
    *,
    query: str = "",
    include_archived: bool = False,
    scope: Literal["mine", "shared", "all"] = "all",
) -> list[SessionInfo]:
    """Sessions the actor owns or that are shared with them (directly or with a workshop group they belong to),
    newest first; `query` matches titles and messages."""
    with session_scope() as db:
        shared_to_me = or_(
            exists().where(SessionShare.session_id == ResearchSession.id, SessionShare.user_id == actor.id),
            exists().where(
                WorkshopSessionShare.session_id == ResearchSession.id,
                WorkshopSessionShare.workshop_id.in_(policy.group_workshop_ids(actor.id)),
            ),
        )
        mine = ResearchSession.owner_id == actor.id
        where = {"mine": mine, "shared": shared_to_me, "all": or_(mine, shared_to_me)}[scope]
        stmt = select(ResearchSession).where(where)
        if not include_archived:
            stmt = stmt.where(ResearchSession.archived.is_(False))
        needle = query.strip()
        if needle:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            in_messages = exists().where(
                Message.session_id == ResearchSession.id, Message.content.ilike(pattern, escape="\\")
            )
            stmt = stmt.where(or_(ResearchSession.title.ilike(pattern, escape="\\"), in_messages))
        stmt = stmt.order_by(ResearchSession.updated_at.desc(), ResearchSession.id.desc())
        return _infos(db, [(rs, "owner" if rs.owner_id == actor.id else "shared") for rs in db.scalars(stmt)])


@policy.guarded
def rename_session(actor: Account, session_id: int, title: str) -> SessionInfo:
    with session_scope() as db:
        rs, access = _load(db, actor, session_id, write=True)
        rs.title = clean_title(title)
        rs.updated_at = utcnow()
        return _info(db, rs, access)


@policy.guarded
def set_archived(actor: Account, session_id: int, archived: bool = True) -> SessionInfo:
    with session_scope() as db:
        rs, access = _load(db, actor, session_id, write=True)
        rs.archived = archived
        rs.updated_at = utcnow()
        return _info(db, rs, access)


@policy.guarded
def delete_session(actor: Account, session_id: int, *, confirm_title: str) -> None:
    """Delete a session with its messages and artifacts; the caller must repeat the title to confirm."""
    with session_scope() as db:
        rs, _ = _load(db, actor, session_id, write=True)
        if " ".join(confirm_title.split()) != rs.title:
            raise ValidationFailed("To delete, type the session's title exactly; nothing was deleted.")
        db.delete(rs)


@policy.guarded
def share_session(actor: Account, session_id: int, username: str) -> SessionInfo:
    """Give a named user read-only access."""
    with session_scope() as db:
        rs, access = _load(db, actor, session_id, write=True)
        name = normalize_username(username)
        user = db.scalar(select(User).where(User.username == name, User.active.is_(True)))
        if user is None:
            raise ValidationFailed(f"No active user named '{name}'.")
        if user.id == actor.id:
            raise ValidationFailed("You already own this session.")
        already = db.scalar(
            select(SessionShare.id).where(SessionShare.session_id == rs.id, SessionShare.user_id == user.id)
        )
        if already is None:
            db.add(SessionShare(session_id=rs.id, user_id=user.id))
        rs.visibility = Visibility.shared
        db.flush()
        return _info(db, rs, access)


@policy.guarded
def unshare_session(actor: Account, session_id: int, username: str) -> SessionInfo:
    with session_scope() as db:
        rs, access = _load(db, actor, session_id, write=True)
        name = normalize_username(username)
        user_id = db.scalar(select(User.id).where(User.username == name))
        if user_id is not None:
            db.execute(delete(SessionShare).where(SessionShare.session_id == rs.id, SessionShare.user_id == user_id))
        db.flush()
        if not db.scalar(select(SessionShare.id).where(SessionShare.session_id == rs.id)):
            rs.visibility = Visibility.private
        return _info(db, rs, access)


@policy.guarded
def add_message(
    actor: Account,
    session_id: int,
    role: str,
    content: str,
    *,
    model: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
) -> MessageInfo:
    if role not in {"user", "assistant", "system", "tool"}:
        raise ValidationFailed(f"Unknown message role '{role}'.")
    with session_scope() as db:
        rs, _ = _load(db, actor, session_id, write=True)
        msg = Message(session_id=rs.id, role=role, content=content, model=model, tool_calls=tool_calls)
        db.add(msg)
        rs.updated_at = utcnow()
        db.flush()
        return MessageInfo(msg.id, msg.role, msg.content, msg.model, msg.tool_calls, msg.created_at)


@policy.guarded
def list_messages(actor: Account, session_id: int) -> list[MessageInfo]:
    with session_scope() as db:
        rs, _ = _load(db, actor, session_id)
        return [MessageInfo(m.id, m.role, m.content, m.model, m.tool_calls, m.created_at) for m in rs.messages]


@policy.guarded
def add_artifact(
    actor: Account,
    session_id: int,
    kind: str | ArtifactKind,
    payload: dict[str, Any],
    *,
    title: str = "",
    message_id: int | None = None,
) -> ArtifactInfo:
    try:
        kind = ArtifactKind(kind)
    except ValueError:
        raise ValidationFailed(f"Unknown artifact kind '{kind}'.") from None
    with session_scope() as db:
        rs, _ = _load(db, actor, session_id, write=True)
        art = Artifact(session_id=rs.id, kind=kind, title=title[:200], payload=payload, message_id=message_id)
        db.add(art)
        rs.updated_at = utcnow()
        db.flush()
        return ArtifactInfo(art.id, art.kind, art.title, art.payload, art.message_id, art.created_at)


@policy.guarded
def list_artifacts(actor: Account, session_id: int) -> list[ArtifactInfo]:
    with session_scope() as db:
        rs, _ = _load(db, actor, session_id)
        return [ArtifactInfo(a.id, a.kind, a.title, a.payload, a.message_id, a.created_at) for a in rs.artifacts]
