"""The write functions of migration 0019 called directly in SQL (`reward_award`,
`quiz_attempt_record`), and that a graded quiz attempt is one read of the lesson and one call
of `quiz_attempt_submit` (migration 0034), which runs them with the engagement's."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.factories import UserFactory
from tests.helpers import LoadRules, Publish, answers_for, bundle_doc
from tests.statements import statements_sent

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)

AWARD = sa.text(
    "SELECT * FROM reward_award(:user_id, :now, :today, :today, :active, :kinds, :refs, :keys, "
    "CAST(:instances AS text[]), CAST(:details AS jsonb[]), CAST(:mkinds AS text[]), "
    "CAST(:multipliers AS numeric[]), :cap, 365, CAST(:now AS timestamptz) + interval '30 days')"
)


async def sql_award(
    db: AsyncSession,
    user_id: uuid.UUID,
    *occurrences: tuple[str, str],  # (kind, key)
    active: bool = True,
    cap: int = 500,
    multipliers: dict[str, str] | None = None,
    today: date = TODAY,
) -> Any:
    params = {
        "user_id": user_id,
        "now": NOW,
        "today": today,
        "active": active,
        "kinds": [kind for kind, _ in occurrences],
        "refs": [f"ref:{key}" for _, key in occurrences],
        "keys": [key for _, key in occurrences],
        "instances": ["i"] * len(occurrences),
        "details": ['{"course": "basics"}'] * len(occurrences),
        "mkinds": list(multipliers or {}),
        "multipliers": list((multipliers or {}).values()),
        "cap": cap,
    }
    return (await db.execute(AWARD, params)).one()


async def test_an_award_pays_each_rule_once_within_the_cap_and_counts_the_day(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules(lesson_completed={"points": 10, "xp": 20}, quiz_passed={"points": 30})
    user = await user_factory()
    first = await sql_award(
        db, user.id, ("lesson_completed", "l:1"), ("quiz_passed", "q:1"), ("unknown", "u"), cap=35
    )
    assert [(r["kind"], r["points"], r["xp"]) for r in first.rewards] == [
        ("lesson_completed", 10, 20),
        ("quiz_passed", 25, first.rewards[1]["xp"]),
    ]
    assert first.rewards[1]["reason"] == {
        "code": "quiz_passed",
        "course": "basics",
        "capped_from": 30,
    }
    assert (first.streak_current, first.streak_last_active_on) == (1, TODAY)
    assert (first.points, first.expiring_points, first.expiring_at) == (35, [], [])
    again = await sql_award(db, user.id, ("lesson_completed", "l:1"), cap=35)
    assert again.rewards == []
    caps = await db.scalar(
        sa.text("SELECT points FROM reward_daily_points WHERE user_id = :u AND scope = '*'"),
        {"u": user.id},
    )
    assert caps == 35  # the replay took nothing from the cap


async def test_an_inactive_award_reads_the_streak_and_applies_the_multiplier(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules(lesson_completed={"points": 10, "xp": 0})
    user = await user_factory()
    row = await sql_award(
        db,
        user.id,
        ("lesson_completed", "l:1"),
        active=False,
        multipliers={"lesson_completed": "2.55"},
    )
    assert [(r["kind"], r["points"]) for r in row.rewards] == [("lesson_completed", 25)]
    assert (row.streak_current, row.streak_longest, row.streak_last_active_on) == (0, 0, None)


async def test_the_third_day_in_a_row_pays_the_streak_milestone(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    for day in (1, 2, 3):
        row = await sql_award(db, user.id, today=date(2026, 3, day))
    assert row.streak_current == 3
    assert [r["kind"] for r in row.rewards] == ["streak_3"]
    assert row.rewards[0]["reason"] == {"code": "streak_3", "days": 3}


RECORD = sa.text(
    "SELECT * FROM quiz_attempt_record(:user_id, :lesson_id, :course_id, :version_id, :day, "
    ":cap, :attempt_id, CAST(:answers AS jsonb), CAST(:correct AS text[]), :score, 3, :passed, "
    "false, false, :now)"
)


async def test_quiz_attempt_record_takes_the_cap_and_records_the_first_pass_once(
    db: AsyncSession, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc())
    user = await user_factory()
    lesson = (
        await db.execute(
            sa.text(
                "SELECT l.id, l.course_id, v.id AS version_id FROM course_lesson l "
                "JOIN course_version v ON v.course_id = l.course_id AND v.status = 'published' "
                "WHERE l.id = :id"
            ),
            {"id": lessons["lesson-0"]},
        )
    ).one()

    async def attempt(score: int) -> Any:
        params = {
            "user_id": user.id,
            "lesson_id": lesson.id,
            "course_id": lesson.course_id,
            "version_id": lesson.version_id,
            "day": TODAY,
            "cap": 2,
            "attempt_id": uuid.uuid4(),
            "answers": "{}",
            "correct": [],
            "score": score,
            "passed": score >= 2,
            "now": NOW,
        }
        return (await db.execute(RECORD, params)).one()

    failed, perfect, refused = await attempt(1), await attempt(3), await attempt(3)
    assert (failed.attempts_used, failed.first_pass, failed.first_perfect) == (1, False, False)
    # A perfect score after an attempt was made proves nothing: a first pass only.
    assert (perfect.attempts_used, perfect.first_pass, perfect.first_perfect) == (2, True, False)
    assert refused.attempts_used is None
    stored = await db.scalar(
        sa.text("SELECT count(*) FROM course_quiz_attempt WHERE user_id = :u"), {"u": user.id}
    )
    assert stored == 2


async def test_a_quiz_attempt_is_one_statement_after_the_token_check(
    client: AsyncClient,
    engine: AsyncEngine,
    user_factory: UserFactory,
    publish: Publish,
    load_rules: LoadRules,
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    with statements_sent(engine) as sent:
        response = await client.post(
            f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts",
            json={"answers": answers_for(0)},
            headers=learner.headers,
        )
    assert response.status_code == 200
    assert [r["kind"] for r in response.json()["rewards"]] == ["quiz_passed", "quiz_perfect"]
    statements = [s for s in sent if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # The token's check (no session cache here: no listener), then one statement: the
    # lesson's read and, on its row, the grading, the attempt, its rewards, then the
    # engagement (the counters and the badges they earn, the quests they complete and the
    # league week's XP), and the wallet. Every write is inside the function.
    assert len(statements) == 2
    assert statements[0].startswith("SELECT user_account.id,")
    assert statements[1].startswith("WITH lesson AS")
    assert "JOIN LATERAL quiz_attempt_grade_submit(" in statements[1]
    assert not any("quest_template" in s for s in sent)
