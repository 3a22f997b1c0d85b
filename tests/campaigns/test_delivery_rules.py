"""What a run may deliver: quiet hours, the daily message cap, multipliers under the caps,
the welcome series by sign-up day, and the index-drop trigger."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.rewards.wallets import reward_policy
from api.settings import Settings
from core.clock import FrozenClock
from gamification.campaigns.inbox import unread_count
from gamification.campaigns.multipliers import campaign_multiplier
from gamification.rewards.caps import points_earned_on
from gamification.rewards.models import ALL_RULES
from gamification.rewards.rules import RewardEvent
from gamification.rewards.service import award_for_events
from tests.campaigns.campaign_helpers import (
    MESSAGE,
    make_campaign,
    make_segment,
    marketer_of,
    runs_of,
    tick,
)
from tests.engagement.catalogue import save_catalogue
from tests.factories import UserFactory
from tests.helpers import (
    Publish,
    answers_for,
    bundle_doc,
    funder_for,
    lesson_done,
    product_factory_for,
    redeem,
    remaining_stock,
    rules_loader,
    vouchers_of,
)

EN = {"field": "locale", "op": "eq", "value": "en"}


async def inbox(client: AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/v1/me/inbox", headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_a_message_in_quiet_hours_waits_for_eight_in_the_learners_zone(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai, 15:00 in London
    marketer = await marketer_of(user_factory)
    shanghai = await user_factory(locale="en")
    london = await user_factory(locale="en", timezone="Europe/London")
    segment_id = await make_segment(client, marketer, EN)
    at = {"timezone": "Asia/Shanghai", "at": "2026-03-02T15:00:00Z"}
    await make_campaign(client, marketer, segment_id, action=MESSAGE, schedule=at)
    await tick(sessionmaker, clock, settings)
    (item,) = (await inbox(client, london.headers))["items"]
    assert item["title"] == f"Hello {london.email.partition('@')[0]}"
    assert item["body"] == "You have 0 points"
    assert item["link"] == {"kind": "course", "id": "risk-basics"}
    assert (await inbox(client, shanghai.headers)) == {
        "items": [],
        "next_cursor": None,
        "unread": 0,
    }
    clock.set(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai
    async with sessionmaker() as db:  # (the access token has expired by now)
        assert await unread_count(db, shanghai.id, now=clock.now()) == 1


async def test_messages_beyond_the_daily_cap_are_skipped(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    learner = await user_factory(locale="en")
    segment_id = await make_segment(client, marketer, EN)
    campaigns = [
        await make_campaign(client, marketer, segment_id, action=MESSAGE) for _ in range(3)
    ]
    await tick(sessionmaker, clock, settings.model_copy(update={"campaign_messages_per_day": 2}))
    assert len((await inbox(client, learner.headers))["items"]) == 2
    runs = [(await runs_of(client, marketer, c["id"]))[0] for c in campaigns]
    assert sorted((run["delivered"], run["skipped"]) for run in runs) == [(0, 1), (1, 0), (1, 0)]


async def test_a_multiplier_scales_rewards_and_the_daily_cap_still_holds(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    await rules_loader(sessionmaker, clock)()  # lesson_completed pays 10 points
    marketer = await marketer_of(user_factory)
    learner = await user_factory(locale="en")
    outsider = await user_factory(locale="zh-CN")
    segment_id = await make_segment(client, marketer, EN)
    action = {
        "type": "points_multiplier",
        "factor": "3",
        "rules": ["lesson_completed"],
        "starts_at": "2026-03-02T00:00:00Z",
        "ends_at": "2026-03-09T00:00:00Z",
    }
    await make_campaign(client, marketer, segment_id, action=action)
    await tick(sessionmaker, clock, settings)
    now = clock.now()
    async with sessionmaker.begin() as db:
        multiplier = await campaign_multiplier(db, learner.id, now)
        assert multiplier("lesson_completed", learner.id, now) == Decimal(3)
        assert multiplier("quiz_passed", learner.id, now) == Decimal(1)
        assert (await campaign_multiplier(db, outsider.id, now))(
            "lesson_completed", outsider.id, now
        ) == 1
        policy = replace(reward_policy(settings), daily_points_cap=50)
        events = [lesson_done(learner.id, now) for _ in range(3)]
        rewards, wallet = await award_for_events(
            db, user_id=learner.id, timezone=None, events=events, now=now, policy=policy
        )
    assert [r.points for r in rewards if r.kind == "lesson_completed"] == [30, 20, 0][
        : len(rewards)
    ]
    assert wallet.points == 50  # three lessons at 30 each, capped at 50 for the day


async def test_a_multiplier_reaches_every_rewards_path_it_names_within_the_caps(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    """Rules paid by the learning routes, by other domains' events (a contest joined) and
    quests (`quest`), completed by a lesson or by a reported event: each under the policy every
    area pays with, so the multiplier reaches them all and the daily cap still holds."""
    async with sessionmaker.begin() as db:
        await save_catalogue(db, clock)  # daily quests: one lesson (10), keep the streak (10)
    await rules_loader(sessionmaker, clock)()
    marketer = await marketer_of(user_factory)
    learner = await user_factory(locale="en")
    capped = await user_factory(locale="en")
    outsider = await user_factory(locale="zh-CN")
    action = {
        "type": "points_multiplier",
        "factor": "2",
        "rules": ["lesson_completed", "contest_joined", "quest"],
        "starts_at": "2026-03-02T00:00:00Z",
        "ends_at": "2026-03-09T00:00:00Z",
    }
    await make_campaign(client, marketer, await make_segment(client, marketer, EN), action=action)
    await tick(sessionmaker, clock, settings)
    now = clock.now()
    policy = reward_policy(settings)  # as every route and job builds it

    async def paid(user_id: uuid.UUID, *events: Any, cap: int | None = None) -> list[Any]:
        used = policy if cap is None else replace(policy, daily_points_cap=cap)
        async with sessionmaker.begin() as db:
            rewards, _ = await award_for_events(
                db, user_id=user_id, timezone=None, events=events, now=now, policy=used
            )
        return sorted((r.kind, r.points) for r in rewards)

    joined = RewardEvent("contest_joined", learner.id, "contest:spring", now)
    assert await paid(learner.id, lesson_done(learner.id, now), joined) == [
        ("contest_joined", 20),
        ("lesson_completed", 20),
        ("quest", 20),  # the daily lesson quest: 10, doubled
        ("quest", 20),  # the daily streak quest: 10, doubled
    ]
    assert await paid(outsider.id, lesson_done(outsider.id, now)) == [
        ("lesson_completed", 10),
        ("quest", 10),
        ("quest", 10),
    ]
    # The cap takes its share after the multiplier: 20 + 20 + 20 asked, 50 let through.
    assert sum(p for _, p in await paid(capped.id, lesson_done(capped.id, now), cap=50)) == 50
    async with sessionmaker.begin() as db:
        earned = await points_earned_on(
            db, user_id=capped.id, day=date(2026, 3, 2), scope=ALL_RULES
        )
    assert earned == 50
    # Quests completed by reported events (a post read, a practice order, a redemption) are
    # paid by the same SQL (`engagement_record`), which reads the same multiplier.


async def test_the_welcome_series_reaches_each_learner_on_day_zero_and_day_seven(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    clock.set(datetime(2026, 3, 2, 2, 5, tzinfo=UTC))  # 10:05 in Shanghai: no quiet hours
    marketer = await marketer_of(user_factory)
    segment_id = await make_segment(client, marketer, EN)
    await make_campaign(
        client,
        marketer,
        segment_id,
        action=MESSAGE,
        schedule={"timezone": "Asia/Shanghai"},
        trigger={"type": "lifecycle", "days_after_signup": [0, 7]},
    )
    clock.advance(timedelta(minutes=3))
    joined_now = await user_factory(locale="en")
    week_old = await user_factory(locale="en", created_days_ago=7)
    month_old = await user_factory(locale="en", created_days_ago=30)
    clock.set(datetime(2026, 3, 2, 2, 15, 1, tzinfo=UTC))  # the 10:15 slot is due
    await tick(sessionmaker, clock, settings)
    assert (await inbox(client, joined_now.headers))["unread"] == 1
    assert (await inbox(client, week_old.headers))["unread"] == 1
    assert (await inbox(client, month_old.headers))["unread"] == 0
    clock.advance(timedelta(hours=1))  # four more slots: nobody is served twice
    await tick(sessionmaker, clock, settings)
    async with sessionmaker() as db:
        assert await unread_count(db, joined_now.id, now=clock.now()) == 1
        assert await unread_count(db, week_old.id, now=clock.now()) == 1


async def test_an_index_drop_runs_the_campaign_once_that_trading_day(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    learner = await user_factory(locale="en")
    segment_id = await make_segment(client, marketer, EN)
    campaign = await make_campaign(
        client,
        marketer,
        segment_id,
        action=MESSAGE,
        schedule={"timezone": "Asia/Shanghai"},
        trigger={"type": "index_drop", "pct": "2.5"},
    )
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text(
                "INSERT INTO contest_market_index (code, name_zh, name_en, trading_day, "
                "prev_close, level, as_of) VALUES ('CSI300', '沪深300', 'CSI 300', :day, 4000, "
                "3950, :now)"
            ),
            {"day": datetime(2026, 3, 2).date(), "now": clock.now()},
        )
    await tick(sessionmaker, clock, settings)
    assert await runs_of(client, marketer, campaign["id"]) == []  # down 1.25%: not yet
    async with sessionmaker.begin() as db:
        await db.execute(sa.text("UPDATE contest_market_index SET level = 3880"))  # down 3%
    await tick(sessionmaker, clock, settings)
    clock.advance(timedelta(minutes=5))
    await tick(sessionmaker, clock, settings)
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert run["scheduled_for"] == "2026-03-02T01:30:00.000Z"  # 09:30 in Shanghai
    assert (await inbox(client, learner.headers))["unread"] == 1
    detail = (
        await client.get(f"/v1/admin/campaigns/{campaign['id']}", headers=marketer.headers)
    ).json()
    assert detail["status"] == "scheduled"  # it keeps watching the index


async def test_a_voucher_drop_takes_stock_and_skips_whom_limit_or_stock_leave_out(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    product = await product_factory_for(sessionmaker, clock)(total_stock=4, per_user_limit=1)
    holder = await user_factory(locale="en")
    await funder_for(sessionmaker, clock)(holder.id, 100)
    assert (await redeem(client, holder.headers, product.id)).status_code == 201
    others = [await user_factory(locale="en") for _ in range(4)]
    segment_id = await make_segment(client, marketer, EN)
    campaign = await make_campaign(
        client, marketer, segment_id, action={"type": "voucher_drop", "product_id": str(product.id)}
    )
    dry = await client.post(
        f"/v1/admin/campaigns/{campaign['id']}/dry-run", headers=marketer.headers
    )
    assert (dry.json()["vouchers"], dry.json()["warnings"]) == (3, ["stock_short"])
    await tick(sessionmaker, clock, settings)
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["targeted"], run["delivered"], run["skipped"], run["failed"]) == (5, 3, 2, 0)
    assert await remaining_stock(sessionmaker, product.id) == 0
    vouchers = await vouchers_of(sessionmaker, product.id)
    granted = [v for v in vouchers if v.grant_reference is not None]
    assert len(granted) == 3
    assert {v.user_id for v in granted} < {u.id for u in others}
    assert {v.points_price for v in granted} == {0}
    async with sessionmaker() as db:
        reasons = await db.execute(
            sa.text("SELECT user_id, reason FROM campaign_delivery WHERE status = 'skipped'")
        )
        skipped = {row.user_id: row.reason for row in reasons}
    assert skipped[holder.id] == "limit_reached"
    assert sorted(skipped.values()) == ["limit_reached", "out_of_stock"]


async def test_a_multiplier_reaches_a_quiz_attempt_and_its_quests_in_one_statement(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
    publish: Publish,
) -> None:
    """`quiz_attempt_submit` reads the multipliers in force from the same definition as the
    rules' path (`campaign_multipliers_in_force`): the rules and quests it names, doubled."""
    async with sessionmaker.begin() as db:
        await save_catalogue(db, clock)  # daily quests: a perfect quiz (20), the streak (10)
    await rules_loader(sessionmaker, clock)()  # quiz_passed and quiz_perfect pay 10 each
    lessons = await publish(bundle_doc())
    marketer = await marketer_of(user_factory)
    learner = await user_factory(locale="en")
    outsider = await user_factory(locale="zh-CN")
    action = {
        "type": "points_multiplier",
        "factor": "2",
        "rules": ["quiz_passed", "quest"],
        "starts_at": "2026-03-02T00:00:00Z",
        "ends_at": "2026-03-09T00:00:00Z",
    }
    await make_campaign(client, marketer, await make_segment(client, marketer, EN), action=action)
    await tick(sessionmaker, clock, settings)

    async def attempt(headers: dict[str, str]) -> tuple[list[tuple[str, int]], int]:
        response = await client.post(
            f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts",
            json={"answers": answers_for(0)},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return sorted((r["kind"], r["points"]) for r in body["rewards"]), body["wallet"]["points"]

    assert await attempt(learner.headers) == (
        [("quest", 20), ("quest", 40), ("quiz_passed", 20), ("quiz_perfect", 10)],
        90,
    )
    assert await attempt(outsider.headers) == (
        [("quest", 10), ("quest", 20), ("quiz_passed", 10), ("quiz_perfect", 10)],
        50,
    )


@pytest.mark.parametrize("factor", ["0.50", "1.00", "3.01"])
async def test_a_stored_multiplier_is_above_1_and_at_most_3(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    factor: str,
) -> None:
    """The table asks what a campaign definition asks (`definitions.py`): 1 < factor <= 3."""
    marketer = await marketer_of(user_factory)
    learner = await user_factory()
    campaign = await make_campaign(client, marketer, await make_segment(client, marketer))
    insert = sa.text(
        "INSERT INTO campaign_multiplier (campaign_id, user_id, factor, rules, starts_at, ends_at)"
        " VALUES (:campaign, :user, :factor, ARRAY['quiz_passed'], now(), now())"
    )
    values = {"campaign": campaign["id"], "user": learner.id}
    with pytest.raises(IntegrityError, match="ck_campaign_multiplier_factor_over_1_at_most_3"):
        async with sessionmaker.begin() as db:
            await db.execute(insert, {**values, "factor": Decimal(factor)})
    async with sessionmaker.begin() as db:
        await db.execute(insert, {**values, "factor": Decimal("1.01")})
