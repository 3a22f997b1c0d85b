"""Events become points and XP once, within the daily caps, with streaks on the learner's days."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from courses.events import LearningEvent
from gamification.ledger.queries import balances
from gamification.rewards.caps import forget_days_before, points_earned_on
from gamification.rewards.models import ALL_RULES
from gamification.rewards.rules import CampaignMultiplier, RewardEvent
from gamification.rewards.service import Reward, RewardPolicy, Wallet, award_for_events
from tests.factories import UserFactory
from tests.helpers import (
    LoadRules,
    course_done,
    lesson_done,
    points_history,
    quiz_passed,
    quiz_perfect,
)

SHANGHAI = "Asia/Shanghai"
NOON_SHANGHAI = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


async def award(
    db: AsyncSession,
    user_id: uuid.UUID,
    *events: LearningEvent | RewardEvent,
    at: datetime = NOON_SHANGHAI,
    timezone: str = SHANGHAI,
    policy: RewardPolicy | None = None,
    active: bool | None = None,
) -> tuple[list[Reward], Wallet]:
    return await award_for_events(
        db,
        user_id=user_id,
        timezone=timezone,
        events=list(events),
        now=at,
        policy=policy or RewardPolicy(),
        active=active,
    )


async def test_first_completion_pays_the_rule_and_returns_the_wallet(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    rewards, wallet = await award(db, user.id, lesson_done(user.id, NOON_SHANGHAI))
    assert [(r.kind, r.points, r.xp) for r in rewards] == [("lesson_completed", 10, 20)]
    assert rewards[0].reason == {
        "code": "lesson_completed",
        "course": "basics",
        "lesson": "lesson-a",
    }
    assert (wallet.points, wallet.xp, wallet.level, wallet.xp_to_next_level) == (10, 20, 1, 80)
    assert (wallet.streak.current, wallet.streak.longest, wallet.streak.freezes) == (1, 1, 0)
    assert wallet.points_expiring == []  # a year away


async def test_a_replayed_event_earns_nothing_and_takes_nothing_from_the_cap(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    event = lesson_done(user.id, NOON_SHANGHAI)
    await award(db, user.id, event)
    rewards, wallet = await award(db, user.id, event, event)
    assert rewards == []
    assert (wallet.points, wallet.xp) == (10, 20)
    today = NOON_SHANGHAI.date()
    assert await points_earned_on(db, user_id=user.id, day=today, scope=ALL_RULES) == 10


async def test_an_award_crossing_the_daily_cap_is_reduced_to_what_is_left(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules(lesson_completed={"points": 30})
    user = await user_factory()
    policy = RewardPolicy(daily_points_cap=100)
    paid = []
    for _ in range(5):
        rewards, wallet = await award(
            db, user.id, lesson_done(user.id, NOON_SHANGHAI), policy=policy
        )
        paid += [(r.points, r.xp, r.reason.get("capped_from")) for r in rewards]
    # 30 + 30 + 30, then the 10 left, then nothing: XP is never capped.
    assert paid == [(30, 20, None), (30, 20, None), (30, 20, None), (10, 20, 30), (0, 20, 30)]
    assert (wallet.points, wallet.xp) == (100, 100)
    assert await points_history(db, user.id) == [30, 30, 30, 10]
    # The next local day has a fresh allowance.
    tomorrow = NOON_SHANGHAI + timedelta(days=1)
    rewards, wallet = await award(
        db, user.id, lesson_done(user.id, tomorrow), at=tomorrow, policy=policy
    )
    assert [r.points for r in rewards] == [30]


async def test_a_rule_cap_holds_below_the_global_cap(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules(post_published={"points": 10, "daily_cap": 25})
    user = await user_factory()
    posts = [
        RewardEvent("post_published", user.id, f"post:{uuid.uuid4()}", NOON_SHANGHAI)
        for _ in range(4)
    ]
    rewards, wallet = await award(db, user.id, *posts)
    assert [r.points for r in rewards] == [10, 10, 5, 0]
    assert wallet.points == 25
    assert wallet.streak.current == 0  # an approved post is not learning: no streak day
    # What the rule cap refused was given back to the global allowance.
    day = NOON_SHANGHAI.date()
    assert await points_earned_on(db, user_id=user.id, day=day, scope=ALL_RULES) == 25
    rewards, _ = await award(db, user.id, lesson_done(user.id, NOON_SHANGHAI))
    assert [r.points for r in rewards] == [10]


async def test_quiz_and_course_events_pay_their_rules_once(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    lesson = uuid.uuid4()
    events: list[LearningEvent] = [
        lesson_done(user.id, NOON_SHANGHAI, lesson),
        quiz_passed(user.id, NOON_SHANGHAI, lesson),
        quiz_perfect(user.id, NOON_SHANGHAI, lesson),
        course_done(user.id, NOON_SHANGHAI),
    ]
    rewards, wallet = await award(db, user.id, *events)
    assert [(r.kind, r.points, r.xp) for r in rewards] == [
        ("lesson_completed", 10, 20),
        ("quiz_passed", 10, 15),
        ("quiz_perfect", 10, 10),
        ("course_completed", 50, 100),
    ]
    assert (wallet.points, wallet.xp, wallet.level) == (80, 145, 2)
    # Another attempt passing the same quiz has the same key: nothing more.
    rewards, _ = await award(db, user.id, quiz_passed(user.id, NOON_SHANGHAI, lesson))
    assert rewards == []


async def test_a_campaign_multiplier_scales_points_but_not_xp(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    seen = []

    def double_lessons(kind: str, user_id: uuid.UUID, at: datetime) -> Decimal:
        seen.append((kind, user_id, at))
        return Decimal("2.5") if kind == "lesson_completed" else Decimal(1)

    async def lookup(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> CampaignMultiplier:
        return double_lessons

    policy = RewardPolicy(multipliers=lookup)
    rewards, _ = await award(
        db,
        user.id,
        lesson_done(user.id, NOON_SHANGHAI),
        course_done(user.id, NOON_SHANGHAI),
        policy=policy,
    )
    assert [(r.kind, r.points, r.xp) for r in rewards] == [
        ("lesson_completed", 25, 20),
        ("course_completed", 50, 100),
    ]
    assert seen[0] == ("lesson_completed", user.id, NOON_SHANGHAI)


async def test_a_disabled_or_unknown_rule_pays_nothing(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules(lesson_completed={"enabled": False})
    user = await user_factory()
    rewards, wallet = await award(
        db,
        user.id,
        lesson_done(user.id, NOON_SHANGHAI),
        RewardEvent("no_such_rule", user.id, "thing:1", NOON_SHANGHAI),
    )
    assert rewards == []
    assert (wallet.points, wallet.streak.current) == (0, 1)  # the day still counts


async def test_points_are_earned_in_a_lot_that_expires_after_the_configured_days(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    _, wallet = await award(
        db, user.id, lesson_done(user.id, NOON_SHANGHAI), policy=RewardPolicy(lot_days=20)
    )
    assert wallet.points_expiring == [(10, NOON_SHANGHAI + timedelta(days=20))]
    later = await balances(db, user.id, now=NOON_SHANGHAI + timedelta(days=21))
    assert later.points == 0


async def test_a_failed_quiz_attempt_counts_the_day_when_the_caller_says_so(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    rewards, wallet = await award(db, user.id, active=True)
    assert rewards == []
    assert wallet.streak.current == 1


async def test_counters_of_past_days_can_be_forgotten(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    yesterday = NOON_SHANGHAI - timedelta(days=1)
    await award(db, user.id, lesson_done(user.id, yesterday), at=yesterday)
    await award(db, user.id, lesson_done(user.id, NOON_SHANGHAI))
    assert await forget_days_before(db, NOON_SHANGHAI.date()) == 1
    assert (
        await points_earned_on(db, user_id=user.id, day=NOON_SHANGHAI.date(), scope=ALL_RULES) == 10
    )


async def test_changing_time_zone_does_not_open_a_second_capped_day(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    policy = RewardPolicy(daily_points_cap=20)
    evening = datetime(
        2026, 3, 2, 11, 0, tzinfo=UTC
    )  # 19:00 in Shanghai, 01:00 next day in Kiritimati
    for timezone in (SHANGHAI, SHANGHAI, SHANGHAI, "Pacific/Kiritimati", "Pacific/Kiritimati"):
        event = lesson_done(user.id, evening)
        await award(db, user.id, event, at=evening, policy=policy, timezone=timezone)
    assert (await balances(db, user.id, now=evening)).points == 20
