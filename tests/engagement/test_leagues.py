"""Weekly leagues: the first XP of the week joins a cohort of the learner's tier; the table is
ranked by the week's XP (ties to who reached it first); the week close moves the top up and
the bottom down and pays the leaders once."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.engagement.jobs import close_league_weeks
from api.jobs import JobContext
from api.settings import Settings
from core.clock import FrozenClock
from gamification.leagues.closing import close_past_weeks, close_week
from gamification.leagues.service import add_league_xp
from gamification.leagues.weeks import week_ends_at, week_start
from gamification.ledger.queries import balances
from tests.engagement.catalogue import align_league_places
from tests.engagement.conftest import LoadCatalogue
from tests.factories import TestUser, UserFactory
from tests.statements import statements_sent

SHANGHAI = "Asia/Shanghai"
MONDAY = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai
NEXT_MONDAY = datetime(2026, 3, 8, 16, 0, 30, tzinfo=UTC)  # 00:00:30 on 9 March in Shanghai


def test_weeks_run_from_monday_midnight_in_the_business_zone() -> None:
    sunday_night = datetime(2026, 3, 8, 15, 59, tzinfo=UTC)  # Sunday 23:59 in Shanghai
    assert week_start(sunday_night, SHANGHAI) == date(2026, 3, 2)
    assert week_start(NEXT_MONDAY, SHANGHAI) == date(2026, 3, 9)
    assert week_ends_at(date(2026, 3, 2), SHANGHAI) == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)


async def gain(db: AsyncSession, learner: TestUser, xp: int, at: datetime = MONDAY) -> None:
    await add_league_xp(db, user_id=learner.id, xp=xp, now=at, business_timezone=SHANGHAI)


async def test_before_the_first_xp_of_the_week_there_is_no_tier(
    client: AsyncClient, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    response = await client.get("/v1/leagues/current", headers=learner.headers)
    assert response.status_code == 200
    assert response.json()["tier"] is None
    assert response.json()["members"] == []


async def test_the_cohort_table_ranks_by_xp_with_ties_to_who_reached_it_first(
    client: AsyncClient,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    first, second, third = [await user_factory() for _ in range(3)]
    async with sessionmaker.begin() as db:
        await align_league_places(db)
        await db.execute(
            sa.text("UPDATE user_account SET public_boards = false WHERE id = :id"),
            {"id": third.id},
        )
        await gain(db, second, 50, MONDAY)
        await gain(db, first, 30, MONDAY + timedelta(minutes=1))
        await gain(db, third, 50, MONDAY + timedelta(minutes=2))  # ties with second, later
        await gain(db, first, 20, MONDAY + timedelta(minutes=3))  # 50 too, latest
    with statements_sent(engine) as sent:
        response = await client.get(
            "/v1/leagues/current", headers={**first.headers, "Accept-Language": "en"}
        )
    assert response.status_code == 200
    # The caller's account (authentication), the caller's events still in the outbox counted,
    # then the whole table in one read, all straight to the driver, outside any transaction
    # (not even the tests' savepoint).
    assert len(sent) == 3, sent
    assert sent[0].startswith("SELECT user_account.id,")
    assert sent[1].startswith("SELECT engagement_drain(")
    body = response.json()
    assert (body["tier"], body["tier_name"]) == ("bronze", "Bronze")
    assert body["week_ends_at"] == "2026-03-08T16:00:00.000Z"
    assert [(m["rank"], m["xp"], m["me"]) for m in body["members"]] == [
        (1, 50, False),
        (2, 50, False),
        (3, 50, True),
    ]
    assert body["members"][1]["display_name"] == "anonymous"
    assert (body["promotion_zone"], body["demotion_zone"]) == (3, 0)  # bronze: no one goes down


async def test_the_week_close_moves_learners_pays_leaders_once_and_can_run_again(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learners = [await user_factory() for _ in range(12)]
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text(
                "INSERT INTO league_player (user_id, tier, updated_at) SELECT id, 1, :now FROM user_account WHERE id = ANY(:ids)"
            ),
            {"now": MONDAY, "ids": [learner.id for learner in learners]},
        )
        for place, learner in enumerate(learners):  # the first has the most XP
            await gain(db, learner, 1000 - place * 10, MONDAY + timedelta(seconds=place))
    week = date(2026, 3, 9)
    first = await close_past_weeks(sessionmaker, current_week=week, now=NEXT_MONDAY, lot_days=365)
    again = await close_past_weeks(sessionmaker, current_week=week, now=NEXT_MONDAY, lot_days=365)
    assert (first.weeks, first.members, first.prizes) == (1, 12, 3)
    assert (again.weeks, again.members, again.prizes) == (0, 0, 0)
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.text("SELECT user_id, rank, outcome, new_tier, prize_points FROM league_result")
        )
        results = {row.user_id: row for row in rows}
        players = await db.execute(sa.text("SELECT user_id, tier FROM league_player"))
        tiers = {row.user_id: row.tier for row in players}
        prize = (await balances(db, learners[0].id, now=NEXT_MONDAY)).points
        paid = (
            await db.execute(
                sa.text(
                    "SELECT kind, reference, reason FROM ledger_transaction"
                    " WHERE idempotency_key = :key"
                ),
                {"key": f"league:2026-03-02:{learners[1].id}"},
            )
        ).one()
        inbox = await db.execute(
            sa.text(
                "SELECT user_id, body FROM campaign_inbox_entry WHERE reference LIKE 'league-week:%'"
            )
        )
        messages = {row.user_id: row.body for row in inbox}
    outcomes = [results[learner.id].outcome for learner in learners]
    assert outcomes == ["promoted"] * 7 + ["demoted"] * 5  # silver: 7 up, 5 down
    assert [tiers[learner.id] for learner in learners] == [2] * 7 + [0] * 5
    assert [results[learner.id].prize_points for learner in learners[:4]] == [60, 40, 20, 0]
    assert prize == 60
    assert paid.kind == "earn"
    assert paid.reference == f"league:2026-03-02:{learners[1].id}"
    assert paid.reason == {"code": "league_prize", "rank": 2, "week": "2026-03-02"}
    assert len(messages) == 12
    assert messages[learners[0].id]["en"] == (
        "You finished #1 in the Silver league with 1000 XP. Promoted to Gold! Prize: 60 points."
    )
    assert messages[learners[11].id]["en"].endswith("Next week: Bronze.")


async def test_a_tie_at_the_promotion_line_goes_to_who_reached_the_xp_first(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learners = [await user_factory() for _ in range(9)]
    async with sessionmaker.begin() as db:
        await align_league_places(db)
        for place, learner in enumerate(learners[:6]):
            await gain(db, learner, 500 - place, MONDAY)
        # Both end on 100 XP; the later one got there an hour after the earlier one.
        await gain(db, learners[7], 100, MONDAY + timedelta(hours=1))
        await gain(db, learners[6], 60, MONDAY + timedelta(hours=2))
        await gain(db, learners[6], 40, MONDAY + timedelta(hours=3))
        await gain(db, learners[8], 10, MONDAY)
    await close_past_weeks(
        sessionmaker, current_week=date(2026, 3, 9), now=NEXT_MONDAY, lot_days=365
    )
    async with sessionmaker() as db:
        rows = await db.execute(sa.text("SELECT user_id, rank, outcome FROM league_result"))
        by_user = {row.user_id: (row.rank, row.outcome) for row in rows}
    assert by_user[learners[7].id] == (7, "promoted")
    assert by_user[learners[6].id] == (8, "stayed")
    assert by_user[learners[8].id] == (9, "stayed")  # bronze: none go down


async def test_the_current_week_is_not_closed(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        await gain(db, learner, 10)
    done = await close_past_weeks(
        sessionmaker, current_week=date(2026, 3, 2), now=MONDAY, lot_days=365
    )
    assert done.weeks == 0
    async with sessionmaker() as db:
        assert await db.scalar(sa.text("SELECT count(*) FROM league_result")) == 0


async def test_every_unclosed_past_week_closes_oldest_first_however_far_back(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    """The job did not run for 20 weeks: all 20 close (each once), in order, so the tier the
    learner ends with is the one the latest week gives; the week closed before is left alone."""
    await load_catalogue()
    learner = await user_factory()
    weeks = 21
    async with sessionmaker.begin() as db:
        for week in range(weeks):
            await gain(db, learner, 100, MONDAY + timedelta(weeks=week))
    first_week = week_start(MONDAY, SHANGHAI)
    async with sessionmaker.begin() as db:  # the first week was closed back then
        await close_week(db, week=first_week, now=NEXT_MONDAY, lot_days=365)
        await db.execute(
            sa.text("UPDATE league_member SET tier = 1 WHERE week_start > :first"),
            {"first": first_week},
        )
    current = first_week + timedelta(weeks=weeks)
    later = NEXT_MONDAY + timedelta(weeks=weeks)
    done = await close_past_weeks(sessionmaker, current_week=current, now=later, lot_days=365)
    again = await close_past_weeks(sessionmaker, current_week=current, now=later, lot_days=365)
    assert (done.weeks, done.members, done.prizes) == (weeks - 1, weeks - 1, weeks - 1)
    assert again.weeks == 0
    async with sessionmaker() as db:
        closed = list(
            await db.scalars(sa.text("SELECT week_start FROM league_week ORDER BY week_start"))
        )
        results = await db.scalar(
            sa.text("SELECT count(*) FROM league_result WHERE user_id = :u"), {"u": learner.id}
        )
        tier = await db.scalar(
            sa.text("SELECT tier FROM league_player WHERE user_id = :u"), {"u": learner.id}
        )
        paid = (await balances(db, learner.id, now=later)).points
    assert closed == [first_week + timedelta(weeks=n) for n in range(weeks)]
    assert results == weeks
    assert tier == 2  # alone in silver every later week: first, promoted to gold
    assert paid == 50 + (weeks - 1) * 60  # bronze's first prize once, then silver's


async def test_a_week_closed_after_a_later_week_pays_but_leaves_the_later_tiers(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    """The first week's close failed and the second's did not: closing the first afterwards
    must not put the learner back to the tier the first week would have given."""
    await load_catalogue()
    learner = await user_factory()
    first_week = week_start(MONDAY, SHANGHAI)
    second_week = first_week + timedelta(weeks=1)
    async with sessionmaker.begin() as db:
        for week in range(2):
            await gain(db, learner, 100, MONDAY + timedelta(weeks=week))
        await db.execute(
            sa.text("UPDATE league_member SET tier = 1 WHERE week_start = :w"), {"w": second_week}
        )
    async with sessionmaker.begin() as db:  # alone in silver: promoted to gold
        await close_week(db, week=second_week, now=NEXT_MONDAY + timedelta(weeks=1), lot_days=365)
    later = NEXT_MONDAY + timedelta(weeks=2)
    done = await close_past_weeks(
        sessionmaker, current_week=second_week + timedelta(weeks=1), now=later, lot_days=365
    )
    assert (done.weeks, done.members, done.prizes) == (1, 1, 1)
    async with sessionmaker() as db:
        tier = await db.scalar(
            sa.text("SELECT tier FROM league_player WHERE user_id = :u"), {"u": learner.id}
        )
        result = (
            await db.execute(
                sa.text("SELECT outcome, new_tier FROM league_result WHERE week_start = :w"),
                {"w": first_week},
            )
        ).one()
        paid = (await balances(db, learner.id, now=later)).points
    assert tier == 2  # gold, as the second week left it (the first alone would give silver)
    assert (result.outcome, result.new_tier) == ("stayed", 0)
    assert paid == 60 + 50  # silver's first prize, then bronze's


async def test_the_weekly_job_closes_last_week_and_says_what_it_did(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FrozenClock,
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learners = [await user_factory() for _ in range(2)]
    async with sessionmaker.begin() as db:
        await align_league_places(db)
        for place, learner in enumerate(learners):
            await gain(db, learner, 100 - place)
    clock.set(NEXT_MONDAY)
    ctx = JobContext(sessionmaker, clock, settings)
    assert await close_league_weeks(ctx) == (
        "closed 1 league weeks before the week of 2026-03-09: 2 results, 2 prizes paid"
    )
    assert await close_league_weeks(ctx) == (
        "closed 0 league weeks before the week of 2026-03-09: 0 results, 0 prizes paid"
    )


async def test_a_learner_in_a_tier_removed_since_sees_the_highest_tier_table(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    """The learner played in the fourth tier, which the catalogue no longer has: the table is
    shown as the highest tier's (gold: nobody goes up from it)."""
    await load_catalogue()
    learners = [await user_factory() for _ in range(6)]
    async with sessionmaker.begin() as db:
        await align_league_places(db)
        for place, learner in enumerate(learners):
            await gain(db, learner, 100 - place, MONDAY + timedelta(seconds=place))
        await db.execute(
            sa.text("UPDATE league_member SET tier = 3 WHERE user_id = ANY(:ids)"),
            {"ids": [learner.id for learner in learners]},
        )
    response = await client.get(
        "/v1/leagues/current", headers={**learners[5].headers, "Accept-Language": "en"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["tier"], body["tier_name"]) == ("gold", "Gold")
    assert [m["rank"] for m in body["members"] if m["me"]] == [6]
    assert (body["promotion_zone"], body["demotion_zone"]) == (0, 5)
