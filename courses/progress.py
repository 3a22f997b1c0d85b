"""A learner's progress across courses, and what they did last."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from courses.catalogue import PUBLISHED_COURSES, Progress
from courses.models import Course, CourseProgress, Lesson, LessonProgress, QuizAttempt

RECENT_ACTIVITY = 10


@dataclass(frozen=True)
class CourseProgressView:
    slug: str
    title: str
    progress: Progress
    completed_at: datetime | None
    last_activity_at: datetime | None


@dataclass(frozen=True)
class Activity:
    kind: str  # lesson_opened | lesson_completed | quiz_attempted
    course_slug: str
    lesson_id: uuid.UUID
    lesson_slug: str
    at: datetime
    score: int | None = None
    max_score: int | None = None
    passed: bool | None = None


@dataclass(frozen=True)
class ProgressOverview:
    courses: list[CourseProgressView]
    recent_activity: list[Activity]


async def my_progress(db: AsyncSession, *, user_id: uuid.UUID, locale: str) -> ProgressOverview:
    started = (
        sa.select(
            col(LessonProgress.course_id),
            sa.func.greatest(
                sa.func.max(col(LessonProgress.opened_at)),
                sa.func.max(col(LessonProgress.completed_at)),
            ).label("last_activity_at"),
        )
        .where(col(LessonProgress.user_id) == user_id)
        .group_by(col(LessonProgress.course_id))
        .subquery()
    )
    rows = await db.execute(
        PUBLISHED_COURSES.add_columns(started.c.last_activity_at, col(CourseProgress.completed_at))
        .join(started, started.c.course_id == col(Course.id))
        .outerjoin(
            CourseProgress,
            sa.and_(
                col(CourseProgress.user_id) == user_id,
                col(CourseProgress.course_id) == col(Course.id),
            ),
        )
        .order_by(started.c.last_activity_at.desc().nulls_last(), col(Course.slug)),
        {"user_id": user_id, "locale": locale},
    )
    courses = [
        CourseProgressView(
            r.slug,
            r.title,
            Progress(r.completed_lessons, r.lesson_count),
            r.completed_at,
            r.last_activity_at,
        )
        for r in rows
    ]
    return ProgressOverview(courses, await _recent_activity(db, user_id))


async def _recent_activity(db: AsyncSession, user_id: uuid.UUID) -> list[Activity]:
    lessons: Any = await db.execute(
        sa.select(
            col(Course.slug).label("course_slug"),
            col(Lesson.id),
            col(Lesson.slug),
            col(LessonProgress.opened_at),
            col(LessonProgress.completed_at),
        )
        .select_from(LessonProgress)
        .join(Lesson, col(Lesson.id) == col(LessonProgress.lesson_id))
        .join(Course, col(Course.id) == col(Lesson.course_id))
        .where(col(LessonProgress.user_id) == user_id)
        .order_by(
            sa.func.coalesce(col(LessonProgress.completed_at), col(LessonProgress.opened_at))
            .desc()
            .nulls_last()
        )
        .limit(RECENT_ACTIVITY)
    )
    activity: list[Activity] = []
    for r in lessons:
        if r.completed_at is not None:
            activity.append(
                Activity("lesson_completed", r.course_slug, r.id, r.slug, r.completed_at)
            )
        elif r.opened_at is not None:
            activity.append(Activity("lesson_opened", r.course_slug, r.id, r.slug, r.opened_at))
    activity += await _recent_attempts(db, user_id)
    activity.sort(key=lambda item: item.at, reverse=True)
    return activity[:RECENT_ACTIVITY]


async def _recent_attempts(db: AsyncSession, user_id: uuid.UUID) -> list[Activity]:
    attempts: Any = await db.execute(
        sa.select(
            col(Course.slug).label("course_slug"),
            col(Lesson.id),
            col(Lesson.slug),
            col(QuizAttempt.created_at),
            col(QuizAttempt.score),
            col(QuizAttempt.max_score),
            col(QuizAttempt.passed),
        )
        .select_from(QuizAttempt)
        .join(Lesson, col(Lesson.id) == col(QuizAttempt.lesson_id))
        .join(Course, col(Course.id) == col(Lesson.course_id))
        .where(col(QuizAttempt.user_id) == user_id)
        .order_by(col(QuizAttempt.created_at).desc())
        .limit(RECENT_ACTIVITY)
    )
    return [
        Activity(
            "quiz_attempted",
            r.course_slug,
            r.id,
            r.slug,
            r.created_at,
            r.score,
            r.max_score,
            r.passed,
        )
        for r in attempts
    ]
