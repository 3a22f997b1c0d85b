"""Quiz attempts: server grading, bad answers, the daily cap, and the events learning emits."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.tokens import issue_access_token
from api.settings import Settings
from core.clock import FrozenClock
from courses.events import CourseCompleted, LessonCompleted, QuizPassed, QuizPerfect
from courses.importing import import_course, publish_course
from courses.lessons import complete_lesson, open_lesson
from courses.models import QuizAttempt, QuizDay
from courses.sources import bundle_source
from courses.validation import validate_course
from gamification.rewards.quizzes import submit_quiz_attempt
from gamification.rewards.service import RewardPolicy
from tests.factories import UserFactory
from tests.helpers import Publish, answers_for, bundle_doc


def attempts_url(lesson_id: object) -> str:
    return f"/v1/lessons/{lesson_id}/quiz-attempts"


async def test_an_attempt_is_graded_with_correct_choices_and_explanations(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory(locale="en")
    response = await client.post(
        attempts_url(lessons["lesson-0"]),
        json={"answers": answers_for(0, wrong=["multiple"])},
        headers=learner.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["score"], body["max_score"], body["passed"], body["perfect"]) == (
        2,
        3,
        True,
        False,
    )
    assert body["results"][1] == {
        "question_id": "q0-multiple",
        "correct": False,
        "correct_choice_ids": ["a", "b"],
        "explanation": "English because multiple 0",
    }
    assert body["attempts_left_today"] == 4


async def test_answers_that_do_not_fit_the_quiz_are_422_with_field_errors(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    response = await client.post(
        attempts_url(lessons["lesson-0"]),
        json={"answers": {"q9-nope": ["a"], "q0-single": ["a", "b"], "q0-tf": ["maybe"]}},
        headers=learner.headers,
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-answers")
    assert {e["field"] for e in response.json()["errors"]} == {
        "answers.q9-nope",
        "answers.q0-single",
        "answers.q0-tf",
    }
    malformed = await client.post(
        attempts_url(lessons["lesson-0"]),
        json={"answers": {"q0-single": "a"}},
        headers=learner.headers,
    )
    assert malformed.status_code in (400, 422)
    async with sessionmaker() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0
        assert await db.scalar(sa.select(sa.func.count()).select_from(QuizDay)) == 0


async def test_attempts_beyond_the_daily_cap_are_429_until_the_learners_next_day(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory(timezone="Asia/Shanghai")  # the clock reads 09:30 there
    url, body = attempts_url(lessons["lesson-0"]), {"answers": answers_for(0, wrong=["tf"])}
    statuses = [
        (await client.post(url, json=body, headers=learner.headers)).status_code for _ in range(5)
    ]
    assert statuses == [200] * 5
    refused = await client.post(url, json=body, headers=learner.headers)
    assert refused.status_code == 429
    assert refused.json()["type"].endswith("/quiz-attempts-exhausted")
    assert refused.headers["retry-after"] == str(14 * 3600 + 30 * 60)
    other_quiz = await client.post(
        attempts_url(lessons["lesson-1"]), json={"answers": answers_for(1)}, headers=learner.headers
    )
    assert other_quiz.status_code == 200
    clock.advance(timedelta(hours=14, minutes=30))  # midnight in Shanghai
    token = issue_access_token(
        settings.secret_key.get_secret_value(),
        user_id=learner.id,
        session_id=learner.session_id,
        now=clock.now(),
        lifetime=timedelta(minutes=5),
    )
    fresh = {"Authorization": f"Bearer {token}"}
    assert (await client.post(url, json=body, headers=fresh)).status_code == 200


@pytest.mark.committing
async def test_concurrent_attempts_beyond_the_cap_succeed_exactly_cap_times(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FrozenClock,
) -> None:
    bundle, _ = validate_course(bundle_source(bundle_doc()))
    assert bundle is not None
    async with sessionmaker.begin() as db:
        await import_course(db, bundle, now=clock.now(), imported_by=None)
        await publish_course(db, bundle.slug, now=clock.now())
    async with sessionmaker() as db:
        lesson_id = await db.scalar(sa.text("SELECT id FROM course_lesson WHERE slug = 'lesson-0'"))
    learner = await user_factory()
    responses = await asyncio.gather(
        *(
            client.post(
                attempts_url(lesson_id), json={"answers": answers_for(0)}, headers=learner.headers
            )
            for _ in range(settings.quiz_daily_attempts + 7)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * settings.quiz_daily_attempts + [429] * 7
    async with sessionmaker() as db:
        stored = await db.scalar(
            sa.select(sa.func.count()).where(col(QuizAttempt.user_id) == learner.id)
        )
        counter = await db.scalar(sa.select(col(QuizDay.attempts)))
    assert stored == counter == settings.quiz_daily_attempts
    first_passes = [r for r in responses if r.status_code == 200]
    assert len(first_passes) == settings.quiz_daily_attempts


Attempt = Callable[[dict[str, list[str]]], Awaitable[list[type]]]


@pytest.fixture
async def attempt(
    db: AsyncSession, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> Attempt:
    """One learner's attempts at lesson-0's quiz, each giving the types of its events."""
    lessons = await publish(bundle_doc())
    learner = await user_factory()

    async def run(answers: dict[str, list[str]]) -> list[type]:
        now = clock.now()
        graded, paid = await submit_quiz_attempt(
            db,
            lessons["lesson-0"],
            answers,
            user_id=learner.id,
            risk_profile=None,
            locale="zh-CN",
            timezone="Asia/Shanghai",
            now=now,
            daily_attempts=10,
            policy=RewardPolicy(),
        )
        outcome = graded.outcome(
            paid.recorded,
            user_id=learner.id,
            timezone="Asia/Shanghai",
            now=now,
            daily_attempts=10,
        )
        return [type(event) for event in outcome.events]

    return run


async def test_a_perfect_first_attempt_is_a_first_pass_and_a_perfect_score(
    attempt: Attempt,
) -> None:
    assert await attempt(answers_for(0)) == [QuizPassed, QuizPerfect]
    assert await attempt(answers_for(0)) == []


async def test_only_the_first_pass_is_an_event_after_a_first_attempt_that_was_not_perfect(
    attempt: Attempt,
) -> None:
    """Every attempt shows the right answers, so a perfect score after it proves nothing."""
    assert await attempt(answers_for(0, wrong=["single", "tf"])) == []  # failed
    assert await attempt(answers_for(0, wrong=["tf"])) == [QuizPassed]
    assert await attempt(answers_for(0, wrong=["tf"])) == []
    assert await attempt(answers_for(0)) == []


async def test_a_perfect_attempt_after_a_failed_one_passes_but_is_not_perfect(
    attempt: Attempt,
) -> None:
    assert await attempt(answers_for(0, wrong=["single", "multiple"])) == []  # failed
    assert await attempt(answers_for(0)) == [QuizPassed]


async def test_a_partial_submission_is_422_naming_the_missing_questions_and_uses_no_attempt(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    url = attempts_url(lessons["lesson-0"])
    partial = answers_for(0)
    del partial["q0-multiple"]
    partial["q0-tf"] = []  # an empty choice list answers nothing either
    refused = await client.post(url, json={"answers": partial}, headers=learner.headers)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/unanswered-questions")
    assert "q0-multiple, q0-tf" in problem["detail"]
    assert {e["field"] for e in problem["errors"]} == {"answers.q0-multiple", "answers.q0-tf"}
    empty = await client.post(url, json={"answers": {}}, headers=learner.headers)
    assert empty.status_code == 422
    async with sessionmaker() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0
        assert await db.scalar(sa.select(sa.func.count()).select_from(QuizDay)) == 0
    whole = await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
    assert whole.json()["attempts_left_today"] == 4


async def test_lesson_and_course_completion_are_events_once(
    db: AsyncSession, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    lessons = await publish(bundle_doc(lessons=2))
    learner = await user_factory()
    emitted = []
    for slug in ("lesson-0", "lesson-1", "lesson-1"):
        lesson_id: uuid.UUID = lessons[slug]
        await open_lesson(
            db,
            lesson_id,
            user_id=learner.id,
            risk_profile=None,
            locale="en",
            now=clock.now(),
            min_read_factor=0.3,
        )
        clock.advance(timedelta(minutes=2))
        completion = await complete_lesson(
            db,
            lesson_id,
            user_id=learner.id,
            risk_profile=None,
            now=clock.now(),
            min_read_factor=0.3,
        )
        emitted.append(completion.events)
    first, second, again = emitted
    assert [type(e) for e in first] == [LessonCompleted]
    assert [type(e) for e in second] == [LessonCompleted, CourseCompleted]
    assert again == []
    completed = second[1]
    assert isinstance(completed, CourseCompleted)
    assert completed.course_slug == "test-course"
    assert completed.key == f"course:{learner.id}:{completed.course_id}"
    lesson_event = first[0]
    assert isinstance(lesson_event, LessonCompleted)
    assert lesson_event.key == f"lesson:{learner.id}:{lessons['lesson-0']}"


async def test_an_answer_with_a_nul_character_is_422(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    """The answers go to the database as JSON in the attempt's one statement: text PostgreSQL
    cannot store is refused there (the statement writes nothing), a 422 and not a 500."""
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    answers = answers_for(0) | {"q0-single": ["a\u0000"]}
    response = await client.post(
        attempts_url(lessons["lesson-0"]), json={"answers": answers}, headers=learner.headers
    )
    assert response.status_code == 422, response.text
