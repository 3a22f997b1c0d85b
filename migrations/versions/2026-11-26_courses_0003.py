"""courses: course identities and versions, lessons, per-locale content, learner progress,
quiz attempts and the per-day attempt counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_course",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_course")),
        sa.UniqueConstraint("slug", name=op.f("uq_course_course_slug")),
    )
    op.create_table(
        "course_lesson",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course_course.id"],
            name=op.f("fk_course_lesson_course_id_course_course"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_lesson")),
        sa.UniqueConstraint("course_id", "slug", name=op.f("uq_course_lesson_course_id_slug")),
    )
    op.create_table(
        "course_progress",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course_course.id"],
            name=op.f("fk_course_progress_course_id_course_course"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_course_progress_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "course_id", name=op.f("pk_course_progress")),
    )
    op.create_index(
        op.f("ix_course_progress_course_id"), "course_progress", ["course_id"], unique=False
    )
    op.create_table(
        "course_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("level_rank", sa.SmallInteger(), nullable=False),
        sa.Column("min_risk_profile", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("prerequisites", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("locales", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("lesson_count", sa.Integer(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "min_risk_profile IN ('C1', 'C2', 'C3', 'C4', 'C5')",
            name=op.f("ck_course_version_risk"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'archived')", name=op.f("ck_course_version_status")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course_course.id"],
            name=op.f("fk_course_version_course_id_course_course"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_version")),
        sa.UniqueConstraint("course_id", "number", name=op.f("uq_course_version_course_id_number")),
    )
    # One published version per course: the one learners see.
    op.create_index(
        "uq_course_version_published",
        "course_version",
        ["course_id"],
        unique=True,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "course_lesson_content",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("cards", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("explanations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["course_lesson.id"],
            name=op.f("fk_course_lesson_content_lesson_id_course_lesson"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["course_version.id"],
            name=op.f("fk_course_lesson_content_version_id_course_version"),
        ),
        sa.PrimaryKeyConstraint(
            "version_id", "lesson_id", "locale", name=op.f("pk_course_lesson_content")
        ),
    )
    op.create_table(
        "course_lesson_progress",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quiz_passed_attempt_id", sa.Uuid(), nullable=True),
        sa.Column("quiz_perfect_attempt_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course_course.id"],
            name=op.f("fk_course_lesson_progress_course_id_course_course"),
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["course_lesson.id"],
            name=op.f("fk_course_lesson_progress_lesson_id_course_lesson"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_course_lesson_progress_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "lesson_id", name=op.f("pk_course_lesson_progress")),
        sa.CheckConstraint(
            "completed_at IS NULL OR opened_at IS NOT NULL",
            name=op.f("ck_course_lesson_progress_opened"),
        ),
    )
    op.create_index(
        op.f("ix_course_lesson_progress_lesson_id"),
        "course_lesson_progress",
        ["lesson_id"],
        unique=False,
    )
    op.create_table(
        "course_lesson_version",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("est_minutes", sa.Integer(), nullable=False),
        sa.Column("answer_key", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["course_lesson.id"],
            name=op.f("fk_course_lesson_version_lesson_id_course_lesson"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["course_version.id"],
            name=op.f("fk_course_lesson_version_version_id_course_version"),
        ),
        sa.PrimaryKeyConstraint("version_id", "lesson_id", name=op.f("pk_course_lesson_version")),
        sa.UniqueConstraint(
            "version_id", "position", name=op.f("uq_course_lesson_version_version_id_position")
        ),
    )
    op.create_index(
        op.f("ix_course_lesson_version_lesson_id"),
        "course_lesson_version",
        ["lesson_id"],
        unique=False,
    )
    op.create_table(
        "course_quiz_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("correct_question_ids", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["course_lesson.id"],
            name=op.f("fk_course_quiz_attempt_lesson_id_course_lesson"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_course_quiz_attempt_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["course_version.id"],
            name=op.f("fk_course_quiz_attempt_version_id_course_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_quiz_attempt")),
        sa.CheckConstraint(
            "score >= 0 AND score <= max_score", name=op.f("ck_course_quiz_attempt_score")
        ),
    )
    op.create_index(
        op.f("ix_course_quiz_attempt_lesson_id"), "course_quiz_attempt", ["lesson_id"], unique=False
    )
    op.create_index(
        "ix_course_quiz_attempt_user_id_created_at",
        "course_quiz_attempt",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "course_quiz_day",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("attempted_on", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint("attempts > 0", name=op.f("ck_course_quiz_day_attempts")),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["course_lesson.id"],
            name=op.f("fk_course_quiz_day_lesson_id_course_lesson"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_course_quiz_day_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "lesson_id", "attempted_on", name=op.f("pk_course_quiz_day")
        ),
    )
    op.create_table(
        "course_version_text",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["course_version.id"],
            name=op.f("fk_course_version_text_version_id_course_version"),
        ),
        sa.PrimaryKeyConstraint("version_id", "locale", name=op.f("pk_course_version_text")),
    )


def downgrade() -> None:
    op.drop_table("course_version_text")
    op.drop_table("course_quiz_day")
    op.drop_index("ix_course_quiz_attempt_user_id_created_at", table_name="course_quiz_attempt")
    op.drop_index(op.f("ix_course_quiz_attempt_lesson_id"), table_name="course_quiz_attempt")
    op.drop_table("course_quiz_attempt")
    op.drop_index(op.f("ix_course_lesson_version_lesson_id"), table_name="course_lesson_version")
    op.drop_table("course_lesson_version")
    op.drop_index(op.f("ix_course_lesson_progress_lesson_id"), table_name="course_lesson_progress")
    op.drop_table("course_lesson_progress")
    op.drop_table("course_lesson_content")
    op.drop_index(
        "uq_course_version_published",
        table_name="course_version",
        postgresql_where=sa.text("status = 'published'"),
    )
    op.drop_table("course_version")
    op.drop_index(op.f("ix_course_progress_course_id"), table_name="course_progress")
    op.drop_table("course_progress")
    op.drop_table("course_lesson")
    op.drop_table("course_course")
