"""workshops: workshops, participants, exercise progress, sessions shared with a workshop group

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:20:15.655471
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.String(length=100), nullable=False),
        sa.Column("pack_version", sa.String(length=40), nullable=False),
        sa.Column("pack", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructor_id", sa.Integer(), nullable=False),
        sa.Column("join_code", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["instructor_id"], ["users.id"], name=op.f("fk_workshops_instructor_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
        sa.UniqueConstraint("join_code", name=op.f("uq_workshops_join_code")),
    )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshops_instructor_id"), ["instructor_id"], unique=False)

    op.create_table(
        "workshop_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["research_sessions.id"],
            name=op.f("fk_workshop_participants_session_id_research_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_workshop_participants_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_participants_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_participants")),
        sa.UniqueConstraint("workshop_id", "user_id", name="uq_workshop_participants_workshop_user"),
    )
    with op.batch_alter_table("workshop_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_participants_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_participants_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "workshop_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=100), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("passed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["research_sessions.id"],
            name=op.f("fk_workshop_progress_session_id_research_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_workshop_progress_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_progress_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_progress")),
        sa.UniqueConstraint(
            "workshop_id", "user_id", "exercise_id", name="uq_workshop_progress_workshop_user_exercise"
        ),
    )
    with op.batch_alter_table("workshop_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_progress_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_progress_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_progress_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "workshop_session_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["research_sessions.id"],
            name=op.f("fk_workshop_session_shares_session_id_research_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_session_shares_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_session_shares")),
        sa.UniqueConstraint("workshop_id", "session_id", name="uq_workshop_session_shares_workshop_session"),
    )
    with op.batch_alter_table("workshop_session_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_session_shares_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_session_shares_workshop_id"), ["workshop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workshop_session_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_session_shares_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_workshop_session_shares_session_id"))

    op.drop_table("workshop_session_shares")
    with op.batch_alter_table("workshop_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_progress_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_workshop_progress_user_id"))
        batch_op.drop_index(batch_op.f("ix_workshop_progress_session_id"))

    op.drop_table("workshop_progress")
    with op.batch_alter_table("workshop_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_participants_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_workshop_participants_user_id"))

    op.drop_table("workshop_participants")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshops_instructor_id"))

    op.drop_table("workshops")
