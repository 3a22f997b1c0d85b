"""A quiz attempt pays and counts inside `quiz_attempt_submit` (migration 0034) exactly as
the Python path pays and counts the same events (`award_for_events`: the rules, the streak day,
then `record_engagement`): the same rewards, counters, day counts, badges, quests, league XP,
streak and balances, attempt after attempt."""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.tokens import issue_access_token
from api.rewards.wallets import reward_policy
from api.settings import Settings
from core.clock import FrozenClock
from courses.events import LearningEvent, QuizPassed, QuizPerfect
from gamification.rewards.service import award_for_events
from tests.engagement.conftest import LoadCatalogue
from tests.factories import TestUser, UserFactory
from tests.helpers import Publish, answers_for, bundle_doc

Event = Callable[[uuid.UUID, uuid.UUID, datetime], LearningEvent]
STATE = sa.text(
    "SELECT (SELECT array_agg(kind || '=' || value ORDER BY kind) FROM engagement_counter "
    "WHERE user_id = :u) AS counters, "
    "(SELECT array_agg(kind || '@' || day || '=' || count ORDER BY kind, day) "
    "FROM engagement_day_count WHERE user_id = :u) AS days, "
    "(SELECT array_agg(badge_id ORDER BY badge_id) FROM badge_award WHERE user_id = :u) "
    "AS badges, "
    "(SELECT array_agg(quest_id ORDER BY quest_id) FROM quest_completion WHERE user_id = :u) "
    "AS quests, "
    "(SELECT sum(xp) FROM league_member WHERE user_id = :u) AS league_xp, "
    "(SELECT array_agg(current || '/' || longest || '/' || freezes) FROM reward_streak "
    "WHERE user_id = :u) AS streak, "
    "(SELECT array_agg(a.currency || '=' || a.balance ORDER BY a.currency) "
    "FROM ledger_account a WHERE a.user_id = :u) AS balances"
)


async def test_a_quiz_attempt_counts_what_the_python_path_counts_for_its_events(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
    publish: Publish,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    lessons = await publish(bundle_doc())
    through_sql, through_python = await user_factory(), await user_factory()
    policy = reward_policy(settings)
    # Each attempt with the events it makes. Day 1: a failed attempt, then a first pass (not
    # perfect: not the first attempt); day 2: a perfect first attempt; day 3: a pass already
    # paid (the streak day only).
    days: list[list[tuple[str, dict[str, list[str]], list[Event]]]] = [
        [
            ("lesson-0", answers_for(0, wrong=["single", "tf"]), []),
            ("lesson-0", answers_for(0), [_passed]),
        ],
        [("lesson-1", answers_for(1), [_passed, _perfect])],
        [("lesson-0", answers_for(0), [])],
    ]
    for day, attempts in enumerate(days):
        for slug, answers, made in attempts:
            response = await client.post(
                f"/v1/lessons/{lessons[slug]}/quiz-attempts",
                json={"answers": answers},
                headers=_headers(settings, through_sql, clock),
            )
            assert response.status_code == 200, response.text
            body = response.json()
            lesson_id = lessons[slug]
            events: list[LearningEvent] = [
                kind(through_python.id, lesson_id, clock.now()) for kind in made
            ]
            async with sessionmaker.begin() as db:
                rewards, wallet = await award_for_events(
                    db,
                    user_id=through_python.id,
                    timezone="Asia/Shanghai",  # the factory's
                    events=events,
                    now=clock.now(),
                    policy=policy,
                    active=True,
                )
            paid = sorted((r["kind"], r["points"], r["xp"]) for r in body["rewards"])
            assert paid == sorted((r.kind, r.points, r.xp) for r in rewards), (day, slug)
            assert body["wallet"]["points"] == wallet.points
            assert body["wallet"]["streak"]["current"] == wallet.streak.current
        clock.advance(timedelta(days=1))
    async with sessionmaker() as db:
        sql_state = (await db.execute(STATE, {"u": through_sql.id})).one()
        python_state = (await db.execute(STATE, {"u": through_python.id})).one()
    assert tuple(sql_state) == tuple(python_state)
    assert sql_state.quests  # the catalogue's quests were reached


def _passed(user_id: uuid.UUID, lesson_id: uuid.UUID, at: datetime) -> QuizPassed:
    return QuizPassed(user_id, lesson_id, "test-course", uuid.uuid4(), 3, 3, at)


def _perfect(user_id: uuid.UUID, lesson_id: uuid.UUID, at: datetime) -> QuizPerfect:
    return QuizPerfect(user_id, lesson_id, "test-course", uuid.uuid4(), 3, at)


def _headers(settings: Settings, user: TestUser, clock: FrozenClock) -> dict[str, str]:
    """A token fresh on the frozen clock's day (the test moves it by days)."""
    token = issue_access_token(
        settings.secret_key.get_secret_value(),
        user_id=user.id,
        session_id=user.session_id,
        now=clock.now(),
        lifetime=timedelta(minutes=5),
    )
    return {"Authorization": f"Bearer {token}"}
