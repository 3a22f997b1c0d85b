"""Finalisation: frozen final standings, prizes paid once (also with two runs at once), report
cards with the lessons the mistakes point to, rewards through the rule table."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.contests.standings_jobs import reward_hook, snapshot_equities
from api.jobs import JobContext
from api.rewards.wallets import reward_policy
from api.seed import SEED_DIR
from api.settings import Settings
from core.clock import FrozenClock
from courses.importing import import_course, publish_course
from courses.sources import read_course_folder
from courses.validation import validate_course
from gamification.contests.finalisation import finalise_contest
from gamification.contests.models import Contest
from gamification.contests.snapshots import snapshot_equity
from gamification.contests.standings import ensure_state, refresh_standings
from tests import factories
from tests.contests import standings_data as data
from tests.contests.standings_data import Holding
from tests.factories import UserFactory
from tests.helpers import rules_loader

PRIZES = [
    {"rank_from": 1, "rank_to": 1, "points": 500},
    {"rank_from": 2, "rank_to": 3, "points": 100},
]
EARN_KEYS = sa.text(
    "SELECT t.idempotency_key, e.amount FROM ledger_transaction t "
    "JOIN ledger_entry e ON e.transaction_id = t.id "
    "JOIN ledger_account a ON a.id = e.account_id "
    "WHERE a.user_id = :user AND a.currency = 'points' ORDER BY t.idempotency_key"
)


async def ended_contest(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    users: list[factories.TestUser],
) -> Contest:
    """Three entrants who each traded on two days; the richest traded only once (no round
    trip), so it is unqualified; the second holds one stock worth most of its equity."""
    now = clock.now()
    async with sessionmaker.begin() as db:
        await data.market(db, now)
        contest = await data.contest(
            db,
            now,
            starts_at=now - timedelta(days=10),
            ends_at=now - timedelta(minutes=1),
            registration_ends_at=now - timedelta(minutes=1),
            prizes=PRIZES,
            min_round_trips=1,
            min_trading_days=2,
        )
        richest, concentrated, third = users
        first = await data.entry(
            db, contest, richest.id, joined_at=now - timedelta(days=9), cash=Decimal("1200000")
        )
        second = await data.entry(
            db,
            contest,
            concentrated.id,
            joined_at=now - timedelta(days=9),
            cash=Decimal("300000.00"),
            holdings=(Holding("600000.SH", 80000),),  # 800,000 of 1,100,000
        )
        last = await data.entry(db, contest, third.id, joined_at=now - timedelta(days=8))
        day1, day2 = date(2026, 2, 25), date(2026, 2, 26)
        at = now - timedelta(days=5)
        trade = {"symbol": "600000.SH", "price": "10.00", "quantity": 100, "at": at}
        await data.fills(db, first, [{**trade, "side": "buy", "day": day1}])
        for entry in (second, last):
            await data.fills(
                db,
                entry,
                [
                    {**trade, "side": "buy", "day": day1, "at_limit_up": entry is last},
                    {**trade, "side": "sell", "day": day2},
                ],
            )
        await snapshot_equity(db, contest.id, day=day1, now=at)
    return contest


async def settle(
    sessionmaker: async_sessionmaker[AsyncSession],
    contest_id: uuid.UUID,
    settings: Settings,
    now: datetime,
) -> bool:
    hook = reward_hook(reward_policy(settings), now)
    result = await finalise_contest(sessionmaker, contest_id, now=now, reward=hook, chunk_size=2)
    return result.finalised


@pytest.mark.committing
async def test_two_finalisations_at_once_pay_each_prize_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    await rules_loader(sessionmaker, clock)()
    users = [await user_factory() for _ in range(3)]
    contest = await ended_contest(sessionmaker, clock, users)
    now = clock.now()
    await asyncio.gather(*(settle(sessionmaker, contest.id, settings, now) for _ in range(2)))
    assert await settle(sessionmaker, contest.id, settings, now)  # and once more
    async with sessionmaker() as db:
        paid = {
            user.id: [tuple(row) for row in await db.execute(EARN_KEYS, {"user": user.id})]
            for user in users
        }
        cards = (
            await db.execute(
                sa.text(
                    "SELECT user_id, final_rank, qualified, prize_points, lessons "
                    "FROM contest_report_card WHERE contest_id = :c ORDER BY final_rank"
                ),
                {"c": contest.id},
            )
        ).all()
        state = (
            await db.execute(
                sa.text("SELECT frozen_at, finalised_at FROM contest_standings_state"),
            )
        ).one()
    richest, concentrated, third = users
    assert [(c.user_id, c.final_rank, c.qualified, c.prize_points) for c in cards] == [
        (richest.id, 1, False, 0),  # no round trip: no prize
        (concentrated.id, 2, True, 100),
        (third.id, 3, True, 100),
    ]
    prize = f"contest-prize:{contest.id}:{concentrated.id}"
    assert (prize, 100) in paid[concentrated.id]
    assert [key for key, _ in paid[concentrated.id]].count(prize) == 1
    assert not any(key.startswith("contest-prize") for key, _ in paid[richest.id])
    finished = f"contest_finished:{third.id}:contest:{contest.id}"
    assert (finished, 30) in paid[third.id]
    assert [c.lessons[0]["why"] for c in cards][1:] == ["concentrated", "bought_limit_up"]
    assert state.frozen_at == state.finalised_at == now


async def test_final_standings_are_frozen_at_the_end(
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    users = [await user_factory() for _ in range(3)]
    contest = await ended_contest(sessionmaker, clock, users)
    await settle(sessionmaker, contest.id, settings, clock.now())
    async with sessionmaker.begin() as session:
        await data.set_price(session, "600000.SH", "30.00")  # would lift the second to first
        await ensure_state(session, contest.id, now=clock.now())
        refreshed = await refresh_standings(session, contest.id, ranking="return", now=clock.now())
    assert refreshed is None


async def test_report_card_is_404_before_and_shows_lessons_after_finalisation(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    await rules_loader(sessionmaker, clock)()
    async with sessionmaker.begin() as db:
        bundle, problems = validate_course(
            read_course_folder(SEED_DIR / "courses" / "risk-and-diversification")
        )
        assert bundle is not None, problems
        await import_course(db, bundle, now=clock.now(), imported_by=None)
        await publish_course(db, bundle.slug, now=clock.now())
    users = [await user_factory(locale="en") for _ in range(3)]
    contest = await ended_contest(sessionmaker, clock, users)
    path = f"/v1/contests/{contest.id}/report-card"
    before = await client.get(path, headers=users[1].headers)
    assert before.status_code == 404
    assert before.headers["content-type"].startswith("application/problem+json")
    await settle(sessionmaker, contest.id, settings, clock.now())
    card = (await client.get(path, headers=users[1].headers)).json()
    assert (card["final_rank"], card["qualified"], card["prize_points"]) == (2, True, 100)
    assert card["largest_position_pct"] == "72.73"
    lessons = card["lessons"]
    assert 2 <= len(lessons) <= 3
    assert lessons[0]["course_slug"] == "risk-and-diversification"
    assert lessons[0]["why"] == "concentrated"
    assert lessons[0]["title"].startswith("Diversify")
    wallet = (await client.get("/v1/me/wallet", headers=users[1].headers)).json()
    again = await client.get(path, headers=users[1].headers)
    assert again.status_code == 200
    assert (await client.get("/v1/me/wallet", headers=users[1].headers)).json() == wallet
    # prize 100 + finishing 30 + the first opening 5, once
    assert wallet["points"] == 135
    exported = (await client.get("/v1/me/export", headers=users[1].headers)).json()
    assert [card["final_rank"] for card in exported["contests"]["report_cards"]] == [2]


async def test_snapshots_write_one_row_per_entry_and_day(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    entry = await data.entry(
        db,
        contest,
        (await user_factory()).id,
        joined_at=now,
        cash=Decimal("0.00"),
        holdings=(Holding("000001.SZ", 50000),),
    )
    day = date(2026, 3, 2)
    assert await snapshot_equity(db, contest.id, day=day, now=now) == 1
    await data.set_price(db, "000001.SZ", "21.00")
    assert await snapshot_equity(db, contest.id, day=day, now=now) == 1
    rows = (
        (
            await db.execute(
                sa.text("SELECT equity FROM contest_equity_snapshot WHERE entry_id = :e"),
                {"e": entry.id},
            )
        )
        .scalars()
        .all()
    )
    assert rows == [Decimal("1050000.00")]


async def test_the_close_job_snapshots_on_trading_days_only(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
    user_factory: UserFactory,
) -> None:
    user = await user_factory()
    async with sessionmaker.begin() as db:
        await data.market(db, clock.now())
        contest = await data.contest(db, clock.now())
        await data.entry(db, contest, user.id, joined_at=clock.now())
    context = JobContext(sessionmaker, clock, settings)
    clock.set(datetime(2026, 3, 7, 7, 5, tzinfo=UTC))  # Saturday 15:05 in Shanghai
    assert await snapshot_equities(context) == "2026-03-07 is not a trading day"
    clock.set(datetime(2026, 3, 6, 7, 5, tzinfo=UTC))  # Friday 15:05
    assert await snapshot_equities(context) == "1 equity snapshots for 2026-03-06 in 1 contests"


@pytest.mark.committing
async def test_an_entrant_held_by_a_rename_is_settled_by_the_next_run(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    await rules_loader(sessionmaker, clock)()
    users = [await user_factory() for _ in range(3)]
    contest = await ended_contest(sessionmaker, clock, users)
    now, renamed = clock.now(), users[2]
    async with sessionmaker.begin() as db:
        await ensure_state(db, contest.id, now=now)
    async with sessionmaker.begin() as db:
        assert await refresh_standings(db, contest.id, ranking="return", now=now, freeze=True)
    async with sessionmaker.begin() as renaming:
        # The account trigger rewrites the name in the frozen standings, holding that row.
        await renaming.execute(
            sa.text("UPDATE user_account SET display_name = 'Calm Otter' WHERE id = :u"),
            {"u": renamed.id},
        )
        assert not await settle(sessionmaker, contest.id, settings, now)
    assert await settle(sessionmaker, contest.id, settings, now)
    async with sessionmaker() as db:
        cards = await db.scalar(
            sa.text("SELECT count(*) FROM contest_report_card WHERE contest_id = :c"),
            {"c": contest.id},
        )
        name = await db.scalar(
            sa.text("SELECT display_name FROM contest_standing WHERE user_id = :u"),
            {"u": renamed.id},
        )
    assert cards == 3
    assert name == "Calm Otter"
