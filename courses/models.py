"""Tables of the learning domain.

Identity and content are apart: `course_course` and `course_lesson` are the stable identities
(a course slug; a lesson slug within its course) that progress points at, while every content
change is a new `course_version` with its lessons (`course_lesson_version`, structure and the
answer key) and per-locale text (`course_version_text`, `course_lesson_content`). So progress
survives new versions and language switches. Question identity is the lesson plus the
question id from the bundle, the same in every locale and version.
"""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp

# draft: imported, not yet live; published: the one version learners see; unpublished: was
# live until an editor took the course down; archived: replaced by a later publish.
VERSION_STATUSES = ("draft", "published", "unpublished", "archived")
USER_FK = "user_account.id"


class Course(SQLModel, table=True):
    __tablename__ = "course_course"

    id: uuid.UUID = id_field()
    slug: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_timestamp()


class CourseVersion(SQLModel, table=True):
    __tablename__ = "course_version"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "number"),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'unpublished', 'archived')", name="status"
        ),
        sa.CheckConstraint("min_risk_profile IN ('C1', 'C2', 'C3', 'C4', 'C5')", name="risk"),
        # At most one published version per course: the one learners see.
        sa.Index(
            "uq_course_version_published",
            "course_id",
            unique=True,
            postgresql_where=sa.text("status = 'published'"),
        ),
    )

    id: uuid.UUID = id_field()
    course_id: uuid.UUID = Field(foreign_key="course_course.id")
    number: int
    status: str = Field(max_length=16)
    content_hash: str = Field(max_length=64)
    level: str = Field(max_length=16)
    level_rank: int = Field(sa_type=sa.SmallInteger)
    min_risk_profile: str = Field(max_length=2)
    tags: list[str] = Field(sa_type=ARRAY(sa.String(32)))
    prerequisites: list[str] = Field(sa_type=ARRAY(sa.String(64)))
    locales: list[str] = Field(sa_type=ARRAY(sa.String(8)))
    lesson_count: int
    question_count: int
    imported_by: uuid.UUID | None = None
    created_at: datetime = utc_timestamp()
    published_at: datetime | None = utc_timestamp(nullable=True)


class CourseVersionText(SQLModel, table=True):
    __tablename__ = "course_version_text"

    version_id: uuid.UUID = Field(foreign_key="course_version.id", primary_key=True)
    locale: str = Field(max_length=8, primary_key=True)
    title: str = Field(max_length=120)
    summary: str = Field(max_length=500)


class Lesson(SQLModel, table=True):
    __tablename__ = "course_lesson"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: uuid.UUID = id_field()
    course_id: uuid.UUID = Field(foreign_key="course_course.id")
    slug: str = Field(max_length=64)
    created_at: datetime = utc_timestamp()


class LessonVersion(SQLModel, table=True):
    """A lesson as it is in one course version: its place, length, answer key, and whether
    every learner may take it whatever the course's gate (`open_to_all`)."""

    __tablename__ = "course_lesson_version"
    __table_args__ = (sa.UniqueConstraint("version_id", "position"),)

    version_id: uuid.UUID = Field(foreign_key="course_version.id", primary_key=True)
    lesson_id: uuid.UUID = Field(foreign_key="course_lesson.id", primary_key=True, index=True)
    position: int
    est_minutes: int
    answer_key: dict[str, Any] = Field(sa_type=JSONB)
    open_to_all: bool


class LessonContent(SQLModel, table=True):
    """A lesson's text in one version and locale, ready to serve: cards, and the quiz
    questions without their answers; the explanations apart, shown only after answering."""

    __tablename__ = "course_lesson_content"

    version_id: uuid.UUID = Field(foreign_key="course_version.id", primary_key=True)
    lesson_id: uuid.UUID = Field(foreign_key="course_lesson.id", primary_key=True)
    locale: str = Field(max_length=8, primary_key=True)
    title: str = Field(max_length=120)
    cards: list[dict[str, Any]] = Field(sa_type=JSONB)
    questions: list[dict[str, Any]] = Field(sa_type=JSONB)
    explanations: dict[str, Any] = Field(sa_type=JSONB)


class CourseProgress(SQLModel, table=True):
    """A learner in a course; the row also serialises concurrent completions of one course."""

    __tablename__ = "course_progress"

    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True, ondelete="CASCADE")
    course_id: uuid.UUID = Field(foreign_key="course_course.id", primary_key=True, index=True)
    started_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()
    completed_at: datetime | None = utc_timestamp(nullable=True)


class LessonProgress(SQLModel, table=True):
    __tablename__ = "course_lesson_progress"
    __table_args__ = (
        sa.CheckConstraint("completed_at IS NULL OR opened_at IS NOT NULL", name="opened"),
    )

    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True, ondelete="CASCADE")
    lesson_id: uuid.UUID = Field(foreign_key="course_lesson.id", primary_key=True, index=True)
    course_id: uuid.UUID = Field(foreign_key="course_course.id")
    opened_at: datetime | None = utc_timestamp(nullable=True)
    completed_at: datetime | None = utc_timestamp(nullable=True)
    quiz_passed_attempt_id: uuid.UUID | None = None
    quiz_perfect_attempt_id: uuid.UUID | None = None


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "course_quiz_attempt"
    __table_args__ = (
        sa.Index("ix_course_quiz_attempt_user_id_created_at", "user_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key=USER_FK, ondelete="CASCADE")
    lesson_id: uuid.UUID = Field(foreign_key="course_lesson.id", index=True)
    version_id: uuid.UUID = Field(foreign_key="course_version.id")
    answers: dict[str, Any] = Field(sa_type=JSONB)  # question id -> chosen choice ids
    correct_question_ids: list[str] = Field(sa_type=ARRAY(sa.String(64)))
    score: int
    max_score: int
    passed: bool
    created_at: datetime = utc_timestamp()


class QuizDay(SQLModel, table=True):
    """Attempts per learner, quiz and local day: the counter the daily cap is taken from."""

    __tablename__ = "course_quiz_day"
    __table_args__ = (sa.CheckConstraint("attempts > 0", name="attempts"),)

    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True, ondelete="CASCADE")
    lesson_id: uuid.UUID = Field(foreign_key="course_lesson.id", primary_key=True)
    attempted_on: date = Field(primary_key=True)
    attempts: int


__all__ = [
    "Course",
    "CourseProgress",
    "CourseVersion",
    "CourseVersionText",
    "Lesson",
    "LessonContent",
    "LessonProgress",
    "LessonVersion",
    "QuizAttempt",
    "QuizDay",
]
