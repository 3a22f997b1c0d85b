"""What editors learn from learners: per lesson, opens and completions; per question,
attempts, accuracy and the most chosen wrong answer, so a confusing question can be fixed.

Numbers cover every version: a lesson and a question keep their identity (slug, id) across
versions. Opens count learners who opened the lesson; attempts count quiz submissions.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from courses.bundle import ORIGINAL_LOCALE
from courses.errors import CourseNotFound
from courses.models import (
    Course,
    CourseVersion,
    Lesson,
    LessonContent,
    LessonProgress,
    LessonVersion,
)


@dataclass(frozen=True)
class ChoiceCount:
    id: str
    text: str
    count: int


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    prompt: str
    attempts: int
    correct: int
    accuracy: float | None
    most_chosen_wrong_choice: ChoiceCount | None


@dataclass(frozen=True)
class LessonStats:
    lesson_id: uuid.UUID
    slug: str
    title: str
    opens: int
    completions: int
    quiz_attempts: int
    quiz_passes: int
    pass_rate: float | None
    questions: list[QuestionStats]


@dataclass(frozen=True)
class CourseStats:
    slug: str
    version: int
    status: str
    lessons: list[LessonStats]


_QUESTION_COUNTS = sa.text(
    "SELECT a.lesson_id, q.key AS question_id, count(*) AS attempts, "
    "count(*) FILTER (WHERE q.key = ANY(a.correct_question_ids)) AS correct "
    "FROM course_quiz_attempt a CROSS JOIN LATERAL jsonb_each(a.answers) q "
    "WHERE a.lesson_id = ANY(:lesson_ids) GROUP BY a.lesson_id, q.key"
)
_CHOICE_COUNTS = sa.text(
    "SELECT a.lesson_id, q.key AS question_id, c.choice, count(*) AS chosen "
    "FROM course_quiz_attempt a CROSS JOIN LATERAL jsonb_each(a.answers) q "
    "CROSS JOIN LATERAL jsonb_array_elements_text(q.value) AS c(choice) "
    "WHERE a.lesson_id = ANY(:lesson_ids) GROUP BY a.lesson_id, q.key, c.choice"
)
_QUIZ_COUNTS = sa.text(
    "SELECT lesson_id, count(*) AS attempts, count(*) FILTER (WHERE passed) AS passes "
    "FROM course_quiz_attempt WHERE lesson_id = ANY(:lesson_ids) GROUP BY lesson_id"
)


async def course_stats(db: AsyncSession, slug: str, *, locale: str) -> CourseStats:
    """Stats laid out on the published version (or the latest, before the first publish)."""
    version = (
        await db.execute(
            sa.select(
                col(CourseVersion.id),
                col(CourseVersion.number),
                col(CourseVersion.status),
                col(CourseVersion.locales),
            )
            .join(Course, col(Course.id) == col(CourseVersion.course_id))
            .where(col(Course.slug) == slug)
            .order_by(
                (col(CourseVersion.status) == "published").desc(), col(CourseVersion.number).desc()
            )
            .limit(1)
        )
    ).first()
    if version is None:
        raise CourseNotFound(slug=slug)
    lessons = (
        await db.execute(
            sa.select(
                col(Lesson.id),
                col(Lesson.slug),
                col(LessonVersion.answer_key),
                col(LessonContent.title),
                col(LessonContent.questions),
            )
            .select_from(LessonVersion)
            .join(Lesson, col(Lesson.id) == col(LessonVersion.lesson_id))
            .join(
                LessonContent,
                sa.and_(
                    col(LessonContent.version_id) == col(LessonVersion.version_id),
                    col(LessonContent.lesson_id) == col(LessonVersion.lesson_id),
                    col(LessonContent.locale)
                    == (locale if locale in version.locales else ORIGINAL_LOCALE),
                ),
            )
            .where(col(LessonVersion.version_id) == version.id)
            .order_by(col(LessonVersion.position))
        )
    ).all()
    counts = await _counts(db, [lesson.id for lesson in lessons])
    return CourseStats(
        slug, version.number, version.status, [_lesson_stats(row, counts) for row in lessons]
    )


@dataclass(frozen=True)
class _Counts:
    progress: dict[uuid.UUID, tuple[int, int]]
    quizzes: dict[uuid.UUID, tuple[int, int]]
    questions: dict[tuple[uuid.UUID, str], tuple[int, int]]
    choices: dict[tuple[uuid.UUID, str], dict[str, int]]


async def _counts(db: AsyncSession, lesson_ids: list[uuid.UUID]) -> _Counts:
    progress = await db.execute(
        sa.select(
            col(LessonProgress.lesson_id),
            sa.func.count(col(LessonProgress.opened_at)),
            sa.func.count(col(LessonProgress.completed_at)),
        )
        .where(col(LessonProgress.lesson_id).in_(lesson_ids))
        .group_by(col(LessonProgress.lesson_id))
    )
    params = {"lesson_ids": lesson_ids}
    quizzes = await db.execute(_QUIZ_COUNTS, params)
    questions = await db.execute(_QUESTION_COUNTS, params)
    choices: dict[tuple[uuid.UUID, str], dict[str, int]] = defaultdict(dict)
    for row in await db.execute(_CHOICE_COUNTS, params):
        choices[(row.lesson_id, row.question_id)][row.choice] = row.chosen
    return _Counts(
        progress={row[0]: (row[1], row[2]) for row in progress},
        quizzes={row.lesson_id: (row.attempts, row.passes) for row in quizzes},
        questions={
            (row.lesson_id, row.question_id): (row.attempts, row.correct) for row in questions
        },
        choices=choices,
    )


def _lesson_stats(row: Any, counts: _Counts) -> LessonStats:
    opens, completions = counts.progress.get(row.id, (0, 0))
    attempts, passes = counts.quizzes.get(row.id, (0, 0))
    correct_ids = {q["id"]: set(q["correct"]) for q in row.answer_key["questions"]}
    questions = []
    for question in row.questions:
        key = (row.id, question["id"])
        answered, right = counts.questions.get(key, (0, 0))
        questions.append(
            QuestionStats(
                question_id=question["id"],
                prompt=question["prompt"],
                attempts=answered,
                correct=right,
                accuracy=_ratio(right, answered),
                most_chosen_wrong_choice=most_chosen_wrong(
                    question["choices"],
                    correct_ids.get(question["id"], set()),
                    counts.choices.get(key, {}),
                ),
            )
        )
    return LessonStats(
        row.id,
        row.slug,
        row.title,
        opens,
        completions,
        attempts,
        passes,
        _ratio(passes, attempts),
        questions,
    )


def most_chosen_wrong(
    choices: list[dict[str, Any]], correct: set[str], chosen: dict[str, int]
) -> ChoiceCount | None:
    """The wrong choice picked most often (the first in the question on a tie)."""
    wrong = [(chosen.get(c["id"], 0), c) for c in choices if c["id"] not in correct]
    wrong = [(count, choice) for count, choice in wrong if count > 0]
    if not wrong:
        return None
    count, choice = max(wrong, key=lambda pair: pair[0])
    return ChoiceCount(choice["id"], choice["text"], count)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
