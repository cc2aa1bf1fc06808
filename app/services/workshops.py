"""Running workshops: create from a pack, join with a code, exercise sessions, automatic checks, progress.

Access rules, enforced here: an instructor or admin creates a workshop and is its instructor; any signed-in
user joins with the code while it is open and unexpired. Each participant's exercise runs in their own
research session, readable (read-only) by the workshop's instructor and by nobody else in the workshop;
a session its owner shares "with the workshop group" is readable by every member. Workshops a user neither
runs nor joined are reported as not found.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.engine import session_scope
from app.db.models import (
    ResearchSession,
    Role,
    User,
    Workshop,
    WorkshopParticipant,
    WorkshopProgress,
    WorkshopSessionShare,
    utcnow,
)
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.services import access, sessions
from app.services.accounts import Account
from app.workshops import Exercise, Pack, find_pack
from app.workshops.checks import Evidence, SessionArtifact, SessionTurn, accepts_answer, run_check

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or off a projector is typed right the first time.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
DEFAULT_HOURS = 8.0
MAX_HOURS = 24 * 14
Status = Literal["not started", "started", "passed", "failed"]


@dataclass(frozen=True)
class WorkshopInfo:
    id: int
    title: str
    pack: Pack
    instructor_id: int
    instructor_username: str
    join_code: str
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    role: Literal["instructor", "participant", "admin"]
    participant_count: int

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def code_valid(self) -> bool:
        return self.closed_at is None and self.expires_at > utcnow()

    @property
    def display_code(self) -> str:
        return format_code(self.join_code)

    @property
    def runs_it(self) -> bool:
        return self.role in ("instructor", "admin")


@dataclass(frozen=True)
class ExerciseProgress:
    exercise_id: str
    status: Status
    session_id: int | None = None
    attempts: int = 0
    answer: str | None = None
    explanation: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ParticipantProgress:
    user_id: int
    username: str
    display_name: str
    joined_at: datetime
    exercises: dict[str, ExerciseProgress]

    @property
    def passed(self) -> int:
        return sum(p.status == "passed" for p in self.exercises.values())


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    explanation: str
    progress: ExerciseProgress


def normalize_code(code: str) -> str:
    """'acd-efg ' -> 'ACDEFG' (dashes, spaces and case do not matter)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:3]}-{code[3:]}" if len(code) == CODE_LENGTH else code


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _pack_of(ws: Workshop) -> Pack:
    return Pack.model_validate(ws.pack)


def _role(db: Session, actor: Account, ws: Workshop) -> Literal["instructor", "participant", "admin"] | None:
    if ws.instructor_id == actor.id:
        return "instructor"
    if _is_participant(db, ws.id, actor.id):
        return "participant"
    if actor.role == Role.admin:
        return "admin"
    return None


def _is_participant(db: Session, workshop_id: int, user_id: int) -> bool:
    return (
        db.scalar(
            select(WorkshopParticipant.id).where(
                WorkshopParticipant.workshop_id == workshop_id, WorkshopParticipant.user_id == user_id
            )
        )
        is not None
    )


def _info(db: Session, ws: Workshop, role: Literal["instructor", "participant", "admin"]) -> WorkshopInfo:
    count = len(db.scalars(select(WorkshopParticipant.id).where(WorkshopParticipant.workshop_id == ws.id)).all())
    return WorkshopInfo(
        id=ws.id,
        title=ws.title,
        pack=_pack_of(ws),
        instructor_id=ws.instructor_id,
        instructor_username=db.get(User, ws.instructor_id).username,  # type: ignore[union-attr]
        join_code=ws.join_code,
        created_at=ws.created_at,
        expires_at=ws.expires_at,
        closed_at=ws.closed_at,
        role=role,
        participant_count=count,
    )


def _load(db: Session, actor: Account, workshop_id: int, *, manage: bool = False) -> tuple[Workshop, str]:
    ws = db.get(Workshop, workshop_id)
    role = _role(db, actor, ws) if ws is not None else None
    if ws is None or role is None:
        raise NotFound(f"Workshop {workshop_id} does not exist or you have not joined it.")
    if manage and role == "participant":
        raise PermissionDenied("Only the workshop's instructor (or an administrator) can do this.")
    return ws, role


@access.guarded
def create_workshop(actor: Account, pack: str | Pack, *, title: str = "", hours: float = DEFAULT_HOURS) -> WorkshopInfo:
    """A new workshop from a pack (built-in id or a Pack); its join code stays valid for `hours`."""
    if not access.can_run_workshops(actor):
        raise PermissionDenied("Only instructors and administrators can run workshops.")
    if not 0 < hours <= MAX_HOURS:
        raise ValidationFailed(f"A join code is valid for more than 0 and at most {MAX_HOURS} hours.")
    pack = pack if isinstance(pack, Pack) else find_pack(pack)
    title = sessions.clean_title(title or pack.title)
    for _ in range(10):
        try:
            with session_scope() as db:
                ws = Workshop(
                    pack_id=pack.id,
                    pack_version=pack.version,
                    pack=pack.model_dump(mode="json"),
                    title=title,
                    instructor_id=actor.id,
                    join_code=_new_code(),
                    expires_at=utcnow() + timedelta(hours=hours),
                )
                db.add(ws)
                db.flush()
                return _info(db, ws, "instructor")
        except IntegrityError:  # the code was taken by a live workshop: draw another
            continue
    raise ValidationFailed("Could not draw a free join code; try again.")


@access.guarded
def get_workshop(actor: Account, workshop_id: int) -> WorkshopInfo:
    with session_scope() as db:
        ws, role = _load(db, actor, workshop_id)
        return _info(db, ws, role)  # type: ignore[arg-type]


@access.guarded
def find_by_code(actor: Account, code: str) -> WorkshopInfo:
    """A workshop the actor runs or joined, by its join code (CLI convenience)."""
    with session_scope() as db:
        ws = db.scalar(select(Workshop).where(Workshop.join_code == normalize_code(code)))
        role = _role(db, actor, ws) if ws is not None else None
        if ws is None or role is None:
            raise NotFound(f"No workshop of yours has the code '{code}'.")
        return _info(db, ws, role)


@access.guarded
def list_workshops(actor: Account, *, include_closed: bool = True) -> list[WorkshopInfo]:
    """Workshops the actor runs or joined, newest first (admins: all)."""
    with session_scope() as db:
        joined = select(WorkshopParticipant.workshop_id).where(WorkshopParticipant.user_id == actor.id)
        stmt = select(Workshop)
        if actor.role != Role.admin:
            stmt = stmt.where(or_(Workshop.instructor_id == actor.id, Workshop.id.in_(joined)))
        if not include_closed:
            stmt = stmt.where(Workshop.closed_at.is_(None))
        rows = db.scalars(stmt.order_by(Workshop.created_at.desc(), Workshop.id.desc())).all()
        return [_info(db, ws, _role(db, actor, ws)) for ws in rows]  # type: ignore[arg-type]


@access.guarded
def join_workshop(actor: Account, code: str) -> WorkshopInfo:
    """Join with a code; wrong, expired and closed codes get a message that says which and what to do."""
    normalized = normalize_code(code)
    if not normalized:
        raise ValidationFailed("Type the join code your instructor gave you (six letters and digits).")
    with session_scope() as db:
        ws = db.scalar(select(Workshop).where(Workshop.join_code == normalized))
        if ws is None:
            raise ValidationFailed(
                f"No workshop has the join code '{code.strip()}'. Check it with your instructor "
                "(codes have six characters, e.g. ACD-EFG)."
            )
        if ws.instructor_id == actor.id:
            raise ValidationFailed("You run this workshop; open it from your list of workshops.")
        if _is_participant(db, ws.id, actor.id):
            return _info(db, ws, "participant")
        if ws.closed_at is not None:
            raise ValidationFailed(f"The workshop “{ws.title}” has been closed by its instructor.")
        if ws.expires_at <= utcnow():
            raise ValidationFailed(
                f"The join code of “{ws.title}” expired on {ws.expires_at:%Y-%m-%d at %H:%M} UTC. "
                "Ask your instructor for a new code."
            )
        db.add(WorkshopParticipant(workshop_id=ws.id, user_id=actor.id))
        try:
            db.flush()
        except IntegrityError:  # joined twice at once (double click)
            db.rollback()
        return _info(db, ws, "participant")


@access.guarded
def close_workshop(actor: Account, workshop_id: int) -> WorkshopInfo:
    """No more joining or checking; progress and sessions are kept."""
    with session_scope() as db:
        ws, role = _load(db, actor, workshop_id, manage=True)
        if ws.closed_at is None:
            ws.closed_at = utcnow()
        return _info(db, ws, role)  # type: ignore[arg-type]


@access.guarded
def reopen_workshop(actor: Account, workshop_id: int, *, hours: float = DEFAULT_HOURS) -> WorkshopInfo:
    """Open again with a fresh code valid for `hours` (the old code stops working)."""
    if not 0 < hours <= MAX_HOURS:
        raise ValidationFailed(f"A join code is valid for more than 0 and at most {MAX_HOURS} hours.")
    with session_scope() as db:
        ws, role = _load(db, actor, workshop_id, manage=True)
        ws.closed_at = None
        ws.join_code = _new_code()
        ws.expires_at = utcnow() + timedelta(hours=hours)
        db.flush()
        return _info(db, ws, role)  # type: ignore[arg-type]


def _exercise(ws: Workshop, exercise_id: str) -> Exercise:
    try:
        return _pack_of(ws).exercise(exercise_id)
    except KeyError:
        raise NotFound(f"The workshop “{ws.title}” has no exercise '{exercise_id}'.") from None


def _progress(row: WorkshopProgress | None, exercise_id: str) -> ExerciseProgress:
    if row is None:
        return ExerciseProgress(exercise_id, "not started")
    return ExerciseProgress(
        exercise_id=row.exercise_id,
        status=row.status,  # type: ignore[arg-type]
        session_id=row.session_id,
        attempts=row.attempts,
        answer=row.answer,
        explanation=row.explanation,
        updated_at=row.updated_at,
    )


def _participant_row(db: Session, actor: Account, workshop_id: int) -> tuple[Workshop, WorkshopParticipant]:
    ws, role = _load(db, actor, workshop_id)
    row = db.scalar(
        select(WorkshopParticipant).where(
            WorkshopParticipant.workshop_id == ws.id, WorkshopParticipant.user_id == actor.id
        )
    )
    if row is None:
        raise PermissionDenied("Exercises are for participants: join the workshop with its code first.")
    return ws, row


def _session_exists(db: Session, session_id: int | None, owner_id: int) -> bool:
    if session_id is None:
        return False
    rs = db.get(ResearchSession, session_id)
    return rs is not None and rs.owner_id == owner_id


@access.guarded
def start_exercise(actor: Account, workshop_id: int, exercise_id: str) -> ExerciseProgress:
    """The participant's session for this exercise, created on first use ("Workshop <title> · <exercise>")."""
    with session_scope() as db:
        ws, _ = _participant_row(db, actor, workshop_id)
        exercise = _exercise(ws, exercise_id)
        title = ws.title
        row = db.scalar(
            select(WorkshopProgress).where(
                WorkshopProgress.workshop_id == ws.id,
                WorkshopProgress.user_id == actor.id,
                WorkshopProgress.exercise_id == exercise.id,
            )
        )
        if row is not None and _session_exists(db, row.session_id, actor.id):
            return _progress(row, exercise.id)
    created = sessions.create_session(actor, _session_title(title, exercise.title))
    with session_scope() as db:
        row = db.scalar(
            select(WorkshopProgress).where(
                WorkshopProgress.workshop_id == workshop_id,
                WorkshopProgress.user_id == actor.id,
                WorkshopProgress.exercise_id == exercise.id,
            )
        )
        if row is None:
            row = WorkshopProgress(workshop_id=workshop_id, user_id=actor.id, exercise_id=exercise.id)
            db.add(row)
        row.session_id = created.id
        row.updated_at = utcnow()
        db.flush()
        return _progress(row, exercise.id)


@access.guarded
def practice_session(actor: Account, workshop_id: int) -> int:
    """The participant's session for the example prompts of the sections (created on first use)."""
    with session_scope() as db:
        ws, row = _participant_row(db, actor, workshop_id)
        if row.session_id is not None and _session_exists(db, row.session_id, actor.id):
            return row.session_id
        title = ws.title
    created = sessions.create_session(actor, _session_title(title, "examples"))
    with session_scope() as db:
        _, row = _participant_row(db, actor, workshop_id)
        row.session_id = created.id
    return created.id


def _session_title(workshop_title: str, part: str) -> str:
    title = f"Workshop {workshop_title} · {part}"
    return title if len(title) <= sessions.MAX_TITLE else title[: sessions.MAX_TITLE - 1] + "…"


@access.guarded
def check_exercise(actor: Account, workshop_id: int, exercise_id: str, answer: str | None = None) -> CheckOutcome:
    """Run the exercise's automatic check on the participant's session (and typed answer) and store the result."""
    with session_scope() as db:
        ws, _ = _participant_row(db, actor, workshop_id)
        if ws.closed_at is not None:
            raise ValidationFailed(f"The workshop “{ws.title}” is closed: checks are no longer recorded.")
        exercise = _exercise(ws, exercise_id)
    progress = start_exercise(actor, workshop_id, exercise_id)
    assert progress.session_id is not None
    answer = (answer or "").strip() or None
    if answer and not accepts_answer(exercise.check):
        answer = None
    if answer and len(answer) > 2000:
        raise ValidationFailed("An answer has at most 2000 characters.")
    evidence = Evidence(
        answer=answer,
        messages=[
            SessionTurn(m.role, m.content, m.model, m.tool_calls)
            for m in sessions.list_messages(actor, progress.session_id)
        ],
        artifacts=[
            SessionArtifact(a.kind.value, a.payload) for a in sessions.list_artifacts(actor, progress.session_id)
        ],
    )
    result = run_check(exercise.check, evidence)
    now = utcnow()
    with session_scope() as db:
        row = db.scalar(
            select(WorkshopProgress).where(
                WorkshopProgress.workshop_id == workshop_id,
                WorkshopProgress.user_id == actor.id,
                WorkshopProgress.exercise_id == exercise.id,
            )
        )
        assert row is not None
        row.attempts += 1
        row.answer = answer
        row.explanation = result.explanation
        row.updated_at = now
        if result.passed:
            row.status = "passed"
            row.passed_at = row.passed_at or now
        elif row.status != "passed":  # a later failed try does not undo a pass
            row.status = "failed"
        db.flush()
        return CheckOutcome(result.passed, result.explanation, _progress(row, exercise.id))


@access.guarded
def my_progress(actor: Account, workshop_id: int) -> dict[str, ExerciseProgress]:
    with session_scope() as db:
        ws, _ = _participant_row(db, actor, workshop_id)
        rows = db.scalars(
            select(WorkshopProgress).where(WorkshopProgress.workshop_id == ws.id, WorkshopProgress.user_id == actor.id)
        ).all()
        by_id = {r.exercise_id: r for r in rows}
        return {e.id: _progress(by_id.get(e.id), e.id) for _, e in _pack_of(ws).exercises}


@access.guarded
def dashboard(actor: Account, workshop_id: int) -> list[ParticipantProgress]:
    """Progress of every participant on every exercise (instructor and admins only)."""
    with session_scope() as db:
        ws, _ = _load(db, actor, workshop_id, manage=True)
        exercises = [e.id for _, e in _pack_of(ws).exercises]
        people = db.execute(
            select(WorkshopParticipant, User)
            .join(User, WorkshopParticipant.user_id == User.id)
            .where(WorkshopParticipant.workshop_id == ws.id)
            .order_by(User.username)
        ).all()
        rows: dict[tuple[int, str], WorkshopProgress] = {
            (r.user_id, r.exercise_id): r
            for r in db.scalars(select(WorkshopProgress).where(WorkshopProgress.workshop_id == ws.id))
        }
        return [
            ParticipantProgress(
                user_id=user.id,
                username=user.username,
                display_name=user.display_name,
                joined_at=part.joined_at,
                exercises={e: _progress(rows.get((user.id, e)), e) for e in exercises},
            )
            for part, user in people
        ]


@access.guarded
def share_with_group(actor: Account, session_id: int, workshop_id: int) -> None:
    """Give every member of the workshop read-only access to one of the actor's own sessions."""
    with session_scope() as db:
        ws, _ = _load(db, actor, workshop_id)
        rs = db.get(ResearchSession, session_id)
        if rs is None or rs.owner_id != actor.id:
            raise NotFound(f"Research session {session_id} does not exist or is not yours to share.")
        exists = db.scalar(
            select(WorkshopSessionShare.id).where(
                WorkshopSessionShare.workshop_id == ws.id, WorkshopSessionShare.session_id == rs.id
            )
        )
        if exists is None:
            db.add(WorkshopSessionShare(workshop_id=ws.id, session_id=rs.id))


@access.guarded
def unshare_from_group(actor: Account, session_id: int, workshop_id: int) -> None:
    with session_scope() as db:
        ws, role = _load(db, actor, workshop_id)
        rs = db.get(ResearchSession, session_id)
        if rs is None or (rs.owner_id != actor.id and role not in ("instructor", "admin")):
            raise NotFound(f"Research session {session_id} does not exist or is not yours to unshare.")
        db.execute(
            delete(WorkshopSessionShare).where(
                WorkshopSessionShare.workshop_id == ws.id, WorkshopSessionShare.session_id == rs.id
            )
        )


@dataclass(frozen=True)
class GroupSession:
    session_id: int
    title: str
    owner_username: str
    shared_at: datetime


@access.guarded
def group_sessions(actor: Account, workshop_id: int) -> list[GroupSession]:
    """Sessions shared with the workshop group, newest first."""
    with session_scope() as db:
        ws, _ = _load(db, actor, workshop_id)
        rows = db.execute(
            select(WorkshopSessionShare, ResearchSession, User)
            .join(ResearchSession, WorkshopSessionShare.session_id == ResearchSession.id)
            .join(User, ResearchSession.owner_id == User.id)
            .where(WorkshopSessionShare.workshop_id == ws.id)
            .order_by(WorkshopSessionShare.created_at.desc(), WorkshopSessionShare.id.desc())
        ).all()
        return [GroupSession(rs.id, rs.title, user.username, share.created_at) for share, rs, user in rows]


@access.operator
def instructor_account(ref: str) -> Account:
    """The instructor of a workshop given by id or join code, for the local CLI (the trusted operator)."""
    from app.services.accounts import get_account

    with session_scope() as db:
        ws = db.get(Workshop, int(ref)) if ref.strip().isdigit() else None
        ws = ws or db.scalar(select(Workshop).where(Workshop.join_code == normalize_code(ref)))
        if ws is None:
            raise NotFound(f"No workshop with id or join code '{ref}'.")
        instructor_id = ws.instructor_id
    return get_account(instructor_id)
