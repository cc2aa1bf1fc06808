"""The feedback review queue (instructors and admins) and the fine-tuning export of reviewed examples.

Reviewers list thumbs-up/down feedback with the question and the answer it was about, edit the correction and
mark it reviewed. Only reviewed feedback becomes training data: OpenAI chat-format JSONL
(`{"messages": [system, user, assistant]}`), the reviewer's correction replacing the answer when there is one,
thumbs-down answers without a correction skipped. Next to it goes an Axolotl QLoRA config (serve.finetune).

The model role of an answer is read from the message's `model` field, which the agent writes as
"<served model> (<role>)", e.g. "chem-lora (chemistry)"; the offline model's answers have role "offline", and
answers from the safety guard or the step or time limit have no role (they are never training data for a role).
A reviewer's correction of an offline-mode answer is a person's answer, not the template's: it goes to the role
the router gives its question (what a served model would have answered as); the offline template's own text never
becomes training data. Whatever reviewed feedback a role's set leaves out is counted with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from agents.offline import OFFLINE_MODEL_NAME
from agents.router import route
from app.db.engine import session_scope
from app.db.models import Feedback, Message, ResearchSession, Role, User
from app.errors import NotFound, ValidationFailed
from app.services import access
from app.services.accounts import Account
from app.services.feedback import MAX_COMMENT

CHAT_ROLES = ("chemistry", "materials", "general")
MODEL_ROLES = (*CHAT_ROLES, "offline")
Status = Literal["unreviewed", "reviewed", "all"]
_ROLE_SUFFIX = re.compile(r"\((chemistry|materials|general)\)\s*$")
# The agent prefixes an answer with this note when a model failed over; it is not part of the answer.
_FAILOVER_NOTE = re.compile(r"^\*[^\n]*Answered by [^\n]*\*\n\n")


def role_of_model(model: str | None) -> str | None:
    """'chem-lora (chemistry)' -> 'chemistry'; the offline model -> 'offline'; anything else -> None."""
    if not model:
        return None
    if model == OFFLINE_MODEL_NAME or model.startswith("offline"):
        return "offline"
    found = _ROLE_SUFFIX.search(model)
    return found.group(1) if found else None


def _day_start(value: date | datetime | None) -> datetime | None:
    """A date means the start of that day, UTC; a naive datetime is taken as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class ReviewItem:
    """One piece of feedback with what it is about."""

    feedback_id: int
    message_id: int
    session_id: int
    session_title: str
    author: str
    rating: int
    comment: str
    correction: str | None
    reviewed: bool
    reviewed_by: str | None
    created_at: datetime
    question: str
    answer: str
    model: str | None

    @property
    def model_role(self) -> str | None:
        return role_of_model(self.model)


def _query() -> Select[Any]:
    author, reviewer, question = aliased(User), aliased(User), aliased(Message)
    last_question = (
        select(question.content)
        .where(question.session_id == Message.session_id, question.role == "user", question.id < Message.id)
        .order_by(question.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(Feedback, Message, ResearchSession.title, author.username, reviewer.username, last_question)
        .join(Message, Feedback.message_id == Message.id)
        .join(ResearchSession, Message.session_id == ResearchSession.id)
        .join(author, Feedback.user_id == author.id)
        .outerjoin(reviewer, Feedback.reviewed_by_id == reviewer.id)
    )


def _item(row: Any) -> ReviewItem:
    fb, message, title, author, reviewer, question = row
    return ReviewItem(
        feedback_id=fb.id,
        message_id=message.id,
        session_id=message.session_id,
        session_title=title,
        author=author,
        rating=fb.rating,
        comment=fb.comment,
        correction=fb.correction,
        reviewed=fb.reviewed,
        reviewed_by=reviewer,
        created_at=fb.created_at,
        question=question or "",
        answer=message.content,
        model=message.model,
    )


def _role_filter(stmt: Select[Any], role: str | None) -> Select[Any]:
    if role is None:
        return stmt
    if role not in MODEL_ROLES:
        raise ValidationFailed(f"Unknown model role '{role}'. Choose one of: {', '.join(MODEL_ROLES)}.")
    if role == "offline":
        return stmt.where(Message.model.like("offline%"))
    return stmt.where(Message.model.like(f"%({role})"))


@access.guarded(requires=Role.instructor)
def list_feedback(
    actor: Account,
    *,
    status: Status = "unreviewed",
    rating: int | None = None,
    role: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    limit: int = 200,
) -> list[ReviewItem]:
    """Feedback for reviewers, newest first. `until` is exclusive (a date means up to the start of that day)."""
    if rating not in (None, 1, -1):
        raise ValidationFailed("Filter ratings by +1 (helpful) or -1 (not helpful).")
    stmt = _role_filter(_query(), role)
    if status != "all":
        stmt = stmt.where(Feedback.reviewed.is_(status == "reviewed"))
    if rating is not None:
        stmt = stmt.where(Feedback.rating == rating)
    if (start := _day_start(since)) is not None:
        stmt = stmt.where(Feedback.created_at >= start)
    if (end := _day_start(until)) is not None:
        stmt = stmt.where(Feedback.created_at < end)
    stmt = stmt.order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(max(1, min(limit, 2000)))
    with session_scope() as db:
        return [_item(row) for row in db.execute(stmt)]


@access.guarded(requires=Role.instructor)
def get_item(actor: Account, feedback_id: int) -> ReviewItem:
    with session_scope() as db:
        row = db.execute(_query().where(Feedback.id == feedback_id)).first()
        if row is None:
            raise NotFound(f"Feedback {feedback_id} does not exist.")
        return _item(row)


@access.guarded(requires=Role.instructor)
def mark_reviewed(actor: Account, feedback_id: int, reviewed: bool = True) -> ReviewItem:
    """Mark feedback reviewed by `actor` (or back to unreviewed)."""
    with session_scope() as db:
        fb = db.get(Feedback, feedback_id)
        if fb is None:
            raise NotFound(f"Feedback {feedback_id} does not exist.")
        fb.reviewed = reviewed
        fb.reviewed_by_id = actor.id if reviewed else None
    return get_item(actor, feedback_id)


@access.guarded(requires=Role.instructor)
def set_correction(
    actor: Account, feedback_id: int, correction: str | None, *, reviewed: bool | None = None
) -> ReviewItem:
    """Replace the correction (empty text removes it); optionally mark the feedback reviewed at the same time."""
    text = (correction or "").strip() or None
    if text and len(text) > MAX_COMMENT:
        raise ValidationFailed(f"A correction has at most {MAX_COMMENT} characters (this one has {len(text)}).")
    with session_scope() as db:
        fb = db.get(Feedback, feedback_id)
        if fb is None:
            raise NotFound(f"Feedback {feedback_id} does not exist.")
        fb.correction = text
        if reviewed is not None:
            fb.reviewed = reviewed
            fb.reviewed_by_id = actor.id if reviewed else None
    return get_item(actor, feedback_id)


# --------------------------------------------------------------------------- fine-tuning export


@dataclass
class FinetuneSet:
    """Training examples and why the other reviewed feedback was left out."""

    examples: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _system_prompt() -> str:
    from agents.graph import SYSTEM_PROMPT  # the prompt the served model sees, so training matches serving

    return SYSTEM_PROMPT


@access.guarded(requires=Role.instructor)
def finetune_examples(role: str, *, since: date | datetime | None = None, actor: Account | None = None) -> FinetuneSet:
    """Reviewed feedback on answers of ROLE's model (feedback given on or after `since`) as chat examples.

    One example per answer: the latest correction wins over the original answer; without a correction the
    original answer is used only when every reviewed rating of it is thumbs-up.
    `actor` None means the server operator (CLI).
    """
    if role not in MODEL_ROLES:
        raise ValidationFailed(f"Unknown model role '{role}'. Choose one of: {', '.join(MODEL_ROLES)}.")
    out = FinetuneSet()
    system = _system_prompt()
    for group in _reviewed_by_answer(role, since).values():
        corrected = [i for i in group if i.correction]
        question = group[0].question.strip()
        if not question:
            out.skip("no question before the answer")
            continue
        if group[0].model_role == "offline" and role != "offline":
            if not corrected:
                out.skip("offline-mode answer without a correction (template text is not training data)")
                continue
            if (routed := route(question).role) != role:
                out.skip(f"correction of an offline-mode answer, in the {routed} set (by its question)")
                continue
        if corrected:
            answer = corrected[-1].correction or ""
        elif all(i.rating > 0 for i in group):
            answer = _FAILOVER_NOTE.sub("", group[0].answer)
        else:  # someone found it wrong and nobody wrote the right answer: not a training example
            out.skip("thumbs down without a correction")
            continue
        out.examples.append(
            {
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer.strip()},
                ]
            }
        )
        for _ in group[1:]:
            out.skip("more feedback on the same answer (merged into one example)")
    return out


def _reviewed_by_answer(role: str, since: date | datetime | None) -> dict[int, list[ReviewItem]]:
    """Reviewed feedback on ROLE's answers (and, for a chat role, on offline-mode answers), grouped by answer."""
    stmt = _query().where(Feedback.reviewed.is_(True))
    if role in CHAT_ROLES:
        stmt = stmt.where(Message.model.like(f"%({role})") | Message.model.like("offline%"))
    else:
        stmt = _role_filter(stmt, role)
    if (start := _day_start(since)) is not None:
        stmt = stmt.where(Feedback.created_at >= start)
    with session_scope() as db:
        items = [_item(row) for row in db.execute(stmt.order_by(Message.id, Feedback.id))]
    by_answer: dict[int, list[ReviewItem]] = {}
    for item in items:
        by_answer.setdefault(item.message_id, []).append(item)
    return by_answer


@dataclass(frozen=True)
class FinetuneFiles:
    data: Path
    config: Path
    examples: int
    skipped: dict[str, int]


def config_path_for(data_path: Path) -> Path:
    """FILE.jsonl -> FILE.axolotl.yaml beside it."""
    stem = data_path.name[: -len(".jsonl")] if data_path.name.endswith(".jsonl") else data_path.name
    return data_path.with_name(f"{stem}.axolotl.yaml")


def to_jsonl(examples: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(example, ensure_ascii=False) + "\n" for example in examples)


def qlora_config(role: str, dataset_name: str, base_model: str | None = None) -> Any:
    """The QLoRA config for a role's data set (Axolotl; see serve.finetune)."""
    from serve.finetune import DEFAULT_BASE_MODEL, QLoraConfig

    return QLoraConfig(
        base_model=base_model or DEFAULT_BASE_MODEL,
        dataset_path=dataset_name,
        output_dir=f"./outputs/chemassist-{role}-lora",
    )


def axolotl_yaml(role: str, dataset_name: str, base_model: str | None = None) -> str:
    """The Axolotl QLoRA config text for a role's data set file."""
    from serve.finetune import axolotl_yaml as render

    return render(qlora_config(role, dataset_name, base_model))


@access.guarded(requires=Role.instructor)
def write_finetune(
    path: Path | str,
    role: str,
    *,
    since: date | datetime | None = None,
    base_model: str | None = None,
    actor: Account | None = None,
) -> FinetuneFiles:
    """Write the JSONL of reviewed examples and an Axolotl QLoRA config beside it; refuse an empty set."""
    from serve.finetune import write_axolotl_config

    if role == "offline":
        raise ValidationFailed("The offline model is not trained; choose chemistry, materials or general.")
    data = Path(path)
    found = finetune_examples(role, since=since, actor=actor)
    if not found.examples:
        when = f" since {since:%Y-%m-%d}" if since else ""
        left_out = "".join(f" Left out: {n} × {reason}." for reason, n in sorted(found.skipped.items()))
        raise ValidationFailed(
            f"No reviewed examples for role {role}{when}: review feedback first (Feedback review page). "
            f"Nothing was written.{left_out}"
        )
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text(to_jsonl(found.examples), encoding="utf-8")
    config = write_axolotl_config(config_path_for(data), qlora_config(role, data.name, base_model))
    return FinetuneFiles(data, config, len(found.examples), found.skipped)
