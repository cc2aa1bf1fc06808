"""Feedback on assistant messages (thumbs up/down, comment, correction), kept for reviewers and fine-tuning."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db.engine import session_scope
from app.db.models import Feedback, Message
from app.errors import NotFound, ValidationFailed
from app.services import access
from app.services.accounts import Account
from app.services.sessions import get_session

MAX_COMMENT = 4000


@dataclass(frozen=True)
class FeedbackInfo:
    id: int
    message_id: int
    rating: int
    comment: str
    correction: str | None
    reviewed: bool


@access.guarded
def give_feedback(
    account: Account, message_id: int, rating: int, comment: str = "", correction: str | None = None
) -> FeedbackInfo:
    """Record (or update) this user's feedback on an assistant message they can read."""
    if rating not in (-1, 1):
        raise ValidationFailed("A rating is +1 (helpful) or -1 (not helpful).")
    if len(comment) > MAX_COMMENT or (correction and len(correction) > MAX_COMMENT):
        raise ValidationFailed(f"Comments and corrections have at most {MAX_COMMENT} characters.")
    with session_scope() as db:
        message = db.get(Message, message_id)
        if message is None or message.role != "assistant":
            raise NotFound("That answer does not exist.")
        session_id = message.session_id
    get_session(account, session_id)  # raises NotFound when the user may not read it
    with session_scope() as db:
        row = db.scalar(select(Feedback).where(Feedback.message_id == message_id, Feedback.user_id == account.id))
        if row is None:
            row = Feedback(message_id=message_id, user_id=account.id, rating=rating)
            db.add(row)
        row.rating, row.comment, row.correction, row.reviewed = rating, comment.strip(), correction, False
        db.flush()
        return FeedbackInfo(row.id, message_id, row.rating, row.comment, row.correction, row.reviewed)


@access.guarded
def feedback_for(account: Account, message_ids: list[int]) -> dict[int, FeedbackInfo]:
    """This user's feedback on these messages, by message id."""
    if not message_ids:
        return {}
    with session_scope() as db:
        rows = db.scalars(select(Feedback).where(Feedback.user_id == account.id, Feedback.message_id.in_(message_ids)))
        return {
            r.message_id: FeedbackInfo(r.id, r.message_id, r.rating, r.comment, r.correction, r.reviewed) for r in rows
        }
