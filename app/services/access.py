"""The one access policy: who may do what to research sessions, workshops, library documents, feedback,
exports, model servers and accounts.

Every service function that acts for a signed-in user is wrapped with `guarded`. Before the function runs,
the wrapper re-reads the acting account from the database, so a deactivated account is refused at its very
next action and a changed role counts at once, whatever Account object the caller (a browser session, the
CLI) still holds. The rules themselves are the small functions below; services ask them instead of comparing
roles and owner ids on their own.

Three kinds of entry point exist, and each public service function that touches user data says which it is
(tests/security enumerates app/services and fails on one that says nothing):

- `guarded`: acts for an account (the web app, the CLI with --as USER).
- `operator`: the local operator at the server's shell (the CLI), or the process's own wiring (stores, the
  agent's tools): trusted, never called by pages/ or app/ui.
- `sign_in`: runs before anyone is signed in (password check, browser token, SSO).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Literal, ParamSpec, TypeVar, overload

from sqlalchemy import CompoundSelect, select
from sqlalchemy.orm import Session

from app.db.engine import session_scope
from app.db.models import (
    ResearchSession,
    Role,
    SessionShare,
    User,
    Workshop,
    WorkshopParticipant,
    WorkshopProgress,
    WorkshopSessionShare,
)
from app.errors import AccountDisabled, PermissionDenied
from app.services.identity import Account, account_of

P = ParamSpec("P")
R = TypeVar("R")
EntryKind = Literal["guarded", "operator", "sign_in"]
SessionAccess = Literal["owner", "shared", "admin"]
ACTOR_PARAMS = ("actor", "account")
# Accounts already re-read in the current call chain: a guarded service calling another re-reads once.
_fresh: ContextVar[dict[int, Account] | None] = ContextVar("chemassist_fresh_accounts", default=None)


# --------------------------------------------------------------------------- the actor, as the database has it


def current(actor: Account) -> Account:
    """The acting account re-read from the database; AccountDisabled when it was deactivated or deleted."""
    fresh = _fresh.get()
    if fresh is not None and actor.id in fresh:
        return fresh[actor.id]
    with session_scope() as db:
        user = db.get(User, actor.id)
        if user is None or not user.active or user.username != actor.username:
            raise AccountDisabled(
                "Your account is deactivated (or no longer exists), so nothing was done. "
                "Ask an administrator if this is a mistake."
            )
        account = account_of(user)
    if fresh is not None:
        fresh[actor.id] = account
    return account


def _actor_param(fn: Callable[..., Any]) -> str:
    names = [p for p in inspect.signature(fn).parameters if p in ACTOR_PARAMS]
    if len(names) != 1:
        raise TypeError(f"{fn.__qualname__}: a guarded service takes exactly one 'actor' or 'account' parameter")
    return names[0]


@overload
def guarded(fn: Callable[P, R], *, requires: Role | None = None) -> Callable[P, R]: ...


@overload
def guarded(fn: None = None, *, requires: Role | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def guarded(
    fn: Callable[P, R] | None = None, *, requires: Role | None = None
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a service function that acts for an account: re-read the account first (refusing a deactivated one)
    and, with `requires`, refuse anyone below that role (admin > instructor > chemist). An actor of None is
    the local operator (CLI); only functions whose signature allows None accept it."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        name = _actor_param(func)
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            actor = bound.arguments.get(name)
            token = None
            if _fresh.get() is None:
                token = _fresh.set({})
            try:
                if actor is not None:
                    if not isinstance(actor, Account):
                        raise TypeError(f"{func.__qualname__}: '{name}' must be an Account")
                    actor = current(actor)
                    if requires is not None:
                        require_role(actor, requires)
                    bound.arguments[name] = actor
                return func(*bound.args, **bound.kwargs)
            finally:
                if token is not None:
                    _fresh.reset(token)

        wrapper.__access__ = "guarded"  # type: ignore[attr-defined]
        wrapper.__access_actor__ = name  # type: ignore[attr-defined]
        wrapper.__access_requires__ = requires  # type: ignore[attr-defined]
        return wrapper

    return wrap(fn) if fn is not None else wrap


def operator(fn: Callable[P, R]) -> Callable[P, R]:
    """Mark a service function for the trusted local operator (the CLI at the server's shell); pages/ and
    app/ui never call it (tests/security checks)."""
    fn.__access__ = "operator"  # type: ignore[attr-defined]
    return fn


def sign_in(fn: Callable[P, R]) -> Callable[P, R]:
    """Mark a service function that runs before anyone is signed in (it establishes who the user is)."""
    fn.__access__ = "sign_in"  # type: ignore[attr-defined]
    return fn


def entry_kind(fn: Callable[..., Any]) -> EntryKind | None:
    return getattr(fn, "__access__", None)


# --------------------------------------------------------------------------- roles

_RANK = {Role.chemist: 0, Role.instructor: 1, Role.admin: 2}
_ROLE_WORDS = {
    Role.admin: "an administrator",
    Role.instructor: "an instructor or administrator",
    Role.chemist: "a signed-in user",
}


def require_role(actor: Account, role: Role) -> None:
    if _RANK[actor.role] < _RANK[role]:
        raise PermissionDenied(f"Only {_ROLE_WORDS[role]} may do this (you are signed in as a {actor.role.value}).")


def can_review(actor: Account) -> bool:
    """Feedback review and the fine-tuning export: instructors and admins."""
    return actor.role in (Role.admin, Role.instructor)


def can_run_workshops(actor: Account) -> bool:
    return actor.role in (Role.admin, Role.instructor)


def can_control_servers(actor: Account) -> bool:
    """Starting and stopping model servers changes the lab's GPUs for everyone: administrators only."""
    return actor.role == Role.admin


# --------------------------------------------------------------------------- research sessions


def session_access(db: Session, actor: Account, rs: ResearchSession) -> SessionAccess | None:
    """How the actor may see a session: its owner; shared with them (directly, through a workshop group, or an
    exercise session for its instructor); an administrator (reads every session, changes only their own);
    or not at all (None)."""
    if rs.owner_id == actor.id:
        return "owner"
    if db.scalar(select(SessionShare.id).where(SessionShare.session_id == rs.id, SessionShare.user_id == actor.id)):
        return "shared"
    if reads_session_through_workshop(db, actor.id, rs.id):
        return "shared"
    if actor.role == Role.admin:
        return "admin"
    return None


def reads_session_through_workshop(db: Session, user_id: int, session_id: int) -> bool:
    """Read-only access through a workshop: the instructor of a workshop where this is a participant's
    exercise or practice session, or a member of a workshop group it was shared with."""
    runs = select(Workshop.id).where(Workshop.instructor_id == user_id)
    as_instructor = db.scalar(
        select(WorkshopProgress.id)
        .where(WorkshopProgress.session_id == session_id, WorkshopProgress.workshop_id.in_(runs))
        .limit(1)
    ) or db.scalar(
        select(WorkshopParticipant.id)
        .where(WorkshopParticipant.session_id == session_id, WorkshopParticipant.workshop_id.in_(runs))
        .limit(1)
    )
    if as_instructor:
        return True
    return (
        db.scalar(
            select(WorkshopSessionShare.id)
            .where(
                WorkshopSessionShare.session_id == session_id,
                WorkshopSessionShare.workshop_id.in_(group_workshop_ids(user_id)),
            )
            .limit(1)
        )
        is not None
    )


def group_workshop_ids(user_id: int) -> CompoundSelect:
    """The workshops whose group shares reach the user: those they joined and those they run."""
    return (
        select(WorkshopParticipant.workshop_id)
        .where(WorkshopParticipant.user_id == user_id)
        .union(select(Workshop.id).where(Workshop.instructor_id == user_id))
    )


def can_see_feedback(actor: Account, session_owner_id: int, feedback_user_id: int) -> bool:
    """Feedback (thumbs, comments, corrections) is seen by the person who gave it, the session's owner, and
    reviewers; a read-only viewer of a shared session sees none of anyone else's."""
    return actor.id in (session_owner_id, feedback_user_id) or can_review(actor)


# --------------------------------------------------------------------------- library documents


def can_read_document(actor: Account, visibility: str, owner: str) -> bool:
    """Lab documents are read by everyone; a private document only by its owner (admins included: private
    means private)."""
    return visibility == "lab" or owner == actor.username


def can_delete_document(actor: Account, visibility: str, owner: str) -> bool:
    """Admins may delete any document; others only a private document of their own (a lab document belongs to
    the lab once added: its uploader may replace it with a new version, but not take it away)."""
    return actor.is_admin or (visibility == "private" and owner == actor.username)


def can_replace_document(actor: Account, visibility: str, owner: str) -> bool:
    """A new version of a document replaces the old one only for an admin or the document's uploader; a
    private upload never replaces anything but the uploader's own private document."""
    if visibility == "private":
        return owner == actor.username
    return actor.is_admin or owner == actor.username
