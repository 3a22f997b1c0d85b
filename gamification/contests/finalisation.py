"""Finalising a contest after its end: freeze the final standings, then settle every entrant in
chunks (a report card, the prize, the rewards), then mark the contest finalised.

Safe to run twice, or on two replicas at once: the freeze takes the standings state row (a
second freezer skips it and finds it frozen); entrants are settled in chunks claimed with
`FOR UPDATE SKIP LOCKED`, an entrant is settled once its report card exists, and the prize is
posted under the ledger key `contest-prize:{contest}:{user}`, so it is paid exactly once. An
interrupted run is resumed by the next one.
"""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from gamification.contests.contest_rewards import (
    CONTEST_FINISHED,
    CONTEST_PLACEMENT,
    contest_event,
)
from gamification.contests.lessons import pick_lessons
from gamification.contests.measures import Figures, Fill, figures
from gamification.contests.models import Contest
from gamification.contests.standings import ensure_state, refresh_standings
from gamification.contests.standings_models import ReportCard
from gamification.ledger.operations import earn
from gamification.rewards.rules import RewardEvent

CHUNK_SIZE = 500

# Pays the reward rules for one learner's events in the caller's transaction (the api passes
# the rewards service in, so the rule table, caps and campaign multipliers apply).
RewardHook = Callable[[AsyncSession, uuid.UUID, Sequence[RewardEvent]], Awaitable[None]]

_DUE = sa.text(
    """
    SELECT c.id FROM contest c
    LEFT JOIN contest_standings_state s ON s.contest_id = c.id
    WHERE c.ends_at <= :now AND s.finalised_at IS NULL
    ORDER BY c.ends_at, c.id
    LIMIT :limit
    """
)
_STATE = sa.text(
    "SELECT generation, frozen_at, finalised_at FROM contest_standings_state "
    "WHERE contest_id = :contest_id"
)
_CLAIM_CHUNK = sa.text(
    """
    SELECT s.entry_id, s.user_id, s.rank, s.equity, s.max_drawdown_pct, e.starting_cash,
           (SELECT entrants FROM contest_standings_state WHERE contest_id = :contest_id)
               AS entrants
    FROM contest_standing s
    JOIN contest_entry e ON e.id = s.entry_id
    WHERE s.contest_id = :contest_id AND s.generation = :generation
      AND NOT EXISTS (SELECT 1 FROM contest_report_card r WHERE r.entry_id = s.entry_id)
    ORDER BY s.rank
    LIMIT :limit
    FOR UPDATE OF s SKIP LOCKED
    """
)
_CLOSES = sa.text(
    "SELECT entry_id, equity FROM contest_equity_snapshot WHERE entry_id = ANY(:ids) "
    "ORDER BY entry_id, trading_day"
)
_POSITION_VALUES = sa.text(
    """
    SELECT p.entry_id, round(p.quantity * q.last_price, 2) AS value
    FROM contest_position p JOIN contest_quote q ON q.symbol = p.symbol
    WHERE p.entry_id = ANY(:ids) AND p.quantity > 0
    """
)
_FILLS = sa.text(
    """
    SELECT entry_id, side, notional, commission + stamp_duty + transfer_fee AS fees,
           trading_day, at_limit_up
    FROM contest_all_fills WHERE entry_id = ANY(:ids)
    """
)
# Finished once every entrant of the frozen standings has a report card: a chunk claim skips
# the rows another transaction holds (another run settling them, or a rename or an erasure
# rewriting a board name), so finding nothing left to claim is not enough.
_FINISH = sa.text(
    """
    UPDATE contest_standings_state st SET finalised_at = :now
    WHERE st.contest_id = :contest_id AND st.frozen_at IS NOT NULL AND st.finalised_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM contest_standing s
          WHERE s.contest_id = :contest_id AND s.generation = st.generation
            AND NOT EXISTS (SELECT 1 FROM contest_report_card r WHERE r.entry_id = s.entry_id)
      )
    """
)
_FINALISED = sa.text(
    "SELECT finalised_at IS NOT NULL FROM contest_standings_state WHERE contest_id = :contest_id"
)
_WRITE_CARD = insert(ReportCard).on_conflict_do_nothing(index_elements=["entry_id"])


@dataclass(frozen=True)
class Finalised:
    contest_id: uuid.UUID
    settled: int  # entrants settled by this run
    # Every entrant is settled (by this run or an earlier one); false while one is held by
    # another transaction: the next run settles it.
    finalised: bool


@dataclass(frozen=True)
class Entrant:
    entry_id: uuid.UUID
    user_id: uuid.UUID
    rank: int
    equity: Decimal
    max_drawdown_pct: Decimal
    starting_cash: Decimal
    entrants: int  # in the final standings: with the rank, says "top 10%" to the badges


async def contests_to_finalise(
    db: AsyncSession, *, now: datetime, limit: int = 20
) -> list[uuid.UUID]:
    return list((await db.scalars(_DUE, {"now": now, "limit": limit})).all())


def prize_for(prizes: Sequence[dict[str, Any]], rank: int) -> int:
    """The points of the prize band `rank` falls in (0 outside every band)."""
    return next(
        (int(band["points"]) for band in prizes if band["rank_from"] <= rank <= band["rank_to"]),
        0,
    )


def qualifies(contest: Contest, card: Figures) -> bool:
    return (
        card.activity.round_trips >= contest.min_round_trips
        and card.activity.trading_days >= contest.min_trading_days
    )


async def finalise_contest(
    sessionmaker: async_sessionmaker[AsyncSession],
    contest_id: uuid.UUID,
    *,
    now: datetime,
    reward: RewardHook,
    chunk_size: int = CHUNK_SIZE,
) -> Finalised:
    generation = await _freeze(sessionmaker, contest_id, now=now)
    if generation is None:  # another run is freezing it right now: it will settle it too
        return Finalised(contest_id, settled=0, finalised=False)
    settled = 0
    while True:
        async with sessionmaker.begin() as db:
            done = await settle_chunk(
                db, contest_id, generation, now=now, reward=reward, limit=chunk_size
            )
            if done == 0:
                await db.execute(_FINISH, {"contest_id": contest_id, "now": now})
                finalised = bool(await db.scalar(_FINALISED, {"contest_id": contest_id}))
                return Finalised(contest_id, settled=settled, finalised=finalised)
        settled += done


async def _freeze(
    sessionmaker: async_sessionmaker[AsyncSession], contest_id: uuid.UUID, *, now: datetime
) -> int | None:
    """The generation of the frozen final standings, freezing them first if need be."""
    async with sessionmaker.begin() as db:
        await ensure_state(db, contest_id, now=now)
    async with sessionmaker.begin() as db:
        contest = await db.get(Contest, contest_id)
        assert contest is not None
        await refresh_standings(db, contest_id, ranking=contest.ranking, now=now, freeze=True)
        state = (await db.execute(_STATE, {"contest_id": contest_id})).one()
    return int(state.generation) if state.frozen_at is not None else None


async def settle_chunk(
    db: AsyncSession,
    contest_id: uuid.UUID,
    generation: int,
    *,
    now: datetime,
    reward: RewardHook,
    limit: int,
) -> int:
    """Settle up to `limit` entrants nobody else is settling; how many were settled."""
    params = {"contest_id": contest_id, "generation": generation, "limit": limit}
    entrants = [Entrant(*row) for row in await db.execute(_CLAIM_CHUNK, params)]
    if not entrants:
        return 0
    contest = await db.get(Contest, contest_id)
    assert contest is not None
    cards = await _figures_of(db, entrants)
    for entrant in entrants:
        await _settle(db, contest, entrant, cards[entrant.entry_id], now=now, reward=reward)
    return len(entrants)


async def _figures_of(db: AsyncSession, entrants: Sequence[Entrant]) -> dict[uuid.UUID, Figures]:
    ids = [entrant.entry_id for entrant in entrants]
    closes: dict[uuid.UUID, list[Decimal]] = defaultdict(list)
    for entry_id, equity in await db.execute(_CLOSES, {"ids": ids}):
        closes[entry_id].append(equity)
    values: dict[uuid.UUID, list[Decimal]] = defaultdict(list)
    for entry_id, value in await db.execute(_POSITION_VALUES, {"ids": ids}):
        values[entry_id].append(value)
    fills: dict[uuid.UUID, list[Fill]] = defaultdict(list)
    for entry_id, *fill in await db.execute(_FILLS, {"ids": ids}):
        fills[entry_id].append(Fill(*fill))
    result = {}
    for entrant in entrants:
        card = figures(
            starting_cash=entrant.starting_cash,
            closes=closes[entrant.entry_id],
            equity=entrant.equity,
            position_values=values[entrant.entry_id],
            fills=fills[entrant.entry_id],
        )
        # The standings sampled the equity at every refresh: a deeper fall than the closes show.
        drawdown = max(card.max_drawdown_pct, entrant.max_drawdown_pct)
        result[entrant.entry_id] = replace(card, max_drawdown_pct=drawdown)
    return result


async def _settle(
    db: AsyncSession,
    contest: Contest,
    entrant: Entrant,
    card: Figures,
    *,
    now: datetime,
    reward: RewardHook,
) -> None:
    qualified = qualifies(contest, card)
    prize = prize_for(contest.prizes, entrant.rank) if qualified else 0
    row = _card_row(contest, entrant, card, qualified, prize, now)
    written = await db.scalar(_WRITE_CARD.values(**row).returning(col(ReportCard.entry_id)))
    if written is None:
        return
    if prize:
        key = f"contest-prize:{contest.id}:{entrant.user_id}"
        reason = {"code": "contest_prize", "contest": str(contest.id), "rank": entrant.rank}
        await earn(
            db,
            user_id=entrant.user_id,
            points=prize,
            xp=0,
            key=key,
            reference=key,
            reason=reason,
            now=now,
        )
    events = _reward_events(contest.id, entrant, qualified=qualified, placed=prize > 0, now=now)
    if events:
        await reward(db, entrant.user_id, events)


def _reward_events(
    contest_id: uuid.UUID, entrant: Entrant, *, qualified: bool, placed: bool, now: datetime
) -> list[RewardEvent]:
    """Finishing with the minimum activity, and a placement in a prize band; never anything
    for the number of trades."""
    due = {CONTEST_FINISHED: qualified, CONTEST_PLACEMENT: placed}
    return [
        contest_event(
            kind,
            contest_id,
            entrant.user_id,
            now,
            {"rank": entrant.rank, "entrants": entrant.entrants},
        )
        for kind, earned in due.items()
        if earned
    ]


def _card_row(
    contest: Contest, entrant: Entrant, card: Figures, qualified: bool, prize: int, now: datetime
) -> dict[str, Any]:
    lessons = pick_lessons(card, entrant.starting_cash)
    return {
        "entry_id": entrant.entry_id,
        "contest_id": contest.id,
        "user_id": entrant.user_id,
        "final_rank": entrant.rank,
        "qualified": qualified,
        "return_pct": card.return_pct,
        "max_drawdown_pct": card.max_drawdown_pct,
        "volatility_pct": card.volatility_pct,
        "sharpe": card.sharpe,
        "holdings": card.holdings,
        "largest_position_pct": card.largest_position_pct,
        "turnover": card.turnover,
        "trades": card.trades,
        "fees_paid": card.fees_paid,
        "prize_points": prize,
        "lessons": [
            {"course_slug": p.course_slug, "lesson_slug": p.lesson_slug, "why": p.why}
            for p in lessons
        ],
        "created_at": now,
    }
