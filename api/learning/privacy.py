"""The learning area's personal data: course and lesson progress and quiz attempts.

Kept on erasure: the rows name the learner only by id, so they become anonymous.
"""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from courses.models import CourseProgress, LessonProgress, QuizAttempt


async def export_learning(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    courses = await db.scalars(
        sa.select(CourseProgress).where(col(CourseProgress.user_id) == user_id)
    )
    lessons = await db.scalars(
        sa.select(LessonProgress).where(col(LessonProgress.user_id) == user_id)
    )
    attempts = await db.scalars(sa.select(QuizAttempt).where(col(QuizAttempt.user_id) == user_id))
    return {
        "course_progress": [row.model_dump() for row in courses],
        "lesson_progress": [row.model_dump() for row in lessons],
        "quiz_attempts": [row.model_dump() for row in attempts],
    }
