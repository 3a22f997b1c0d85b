"""Reading the refreshed standings: the top N, the caller's rank with the entries around it,
and the full standings for staff. One statement per board: key lookups and two ranges of the
current generation's rank index; nothing here counts entries.

Learners who opted out of public boards are shown as "anonymous" to everyone else.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverRead, Row

AROUND = 5  # entries shown above and below the caller
MAX_TOP = 100  # the most a board shows (the API's largest `limit`)
ANONYMOUS = "anonymous"

# One round trip: the state, the caller's standing (a key lookup), and the rows of the top and
# around it (two ranges of the (generation, rank) index), each with the board name the refresh
# stored in it: the rows around a caller sit on a page or two of the generation, so a board
# reads no account rows. Sent straight to the driver (a prepared statement, no ORM): every
# player's app polls it.
_BOARD = DriverRead(
    sa.text(
        f"""
    WITH state AS (
        SELECT generation, as_of, entrants FROM contest_standings_state
        WHERE contest_id = :contest_id
    ), mine AS (
        SELECT s.rank, s.equity, s.return_pct
        FROM contest_standing s
        WHERE s.contest_id = :contest_id AND s.generation = (SELECT generation FROM state)
          AND s.user_id = :user_id
    ), board AS (
        -- Constant limits keep a generic plan's row guesses (and so its cost) small: a guess
        -- of a third of the table would walk the whole board, or JIT-compile the statement.
        (SELECT s.rank, s.user_id, s.equity, s.return_pct, s.display_name, s.public_boards
         FROM contest_standing s
         WHERE s.contest_id = :contest_id AND s.generation = (SELECT generation FROM state)
           AND s.rank <= :top
         ORDER BY s.rank
         LIMIT {MAX_TOP})
        UNION ALL
        (SELECT s.rank, s.user_id, s.equity, s.return_pct, s.display_name, s.public_boards
         FROM contest_standing s
         WHERE s.contest_id = :contest_id AND s.generation = (SELECT generation FROM state)
           AND s.rank BETWEEN greatest((SELECT rank FROM mine) - {AROUND}, :top + 1)
                          AND (SELECT rank FROM mine) + {AROUND}
         ORDER BY s.rank
         LIMIT {2 * AROUND + 1})
    )
    SELECT state.generation, state.as_of, state.entrants,
           mine.rank AS my_rank, mine.equity AS my_equity, mine.return_pct AS my_return_pct,
           board.rank, board.user_id, board.equity, board.return_pct, board.display_name,
           board.public_boards
    FROM state
    LEFT JOIN mine ON true
    LEFT JOIN board ON true
    ORDER BY board.rank
    """  # noqa: S608 - only this module's constants are formatted in; values are bound
    )
)
_STAFF_PAGE = sa.text(
    """
    SELECT s.rank, s.entry_id, s.user_id, u.display_name, s.equity, s.return_pct, s.score,
           s.max_drawdown_pct, s.joined_at
    FROM contest_standing s
    JOIN user_account u ON u.id = s.user_id
    WHERE s.contest_id = :contest_id AND s.generation = :generation AND s.rank > :after
    ORDER BY s.rank
    LIMIT :limit
    """
)
_STATE = sa.text(
    "SELECT generation, as_of, entrants, frozen_at, finalised_at "
    "FROM contest_standings_state WHERE contest_id = :contest_id"
)


@dataclass(frozen=True)
class BoardRow:
    rank: int
    display_name: str
    equity: Decimal
    return_pct: Decimal


@dataclass(frozen=True)
class MyPlace:
    rank: int
    equity: Decimal
    return_pct: Decimal
    around: list[BoardRow]


@dataclass(frozen=True)
class Leaderboard:
    as_of: datetime | None  # None before the contest's first refresh
    entrants: int
    items: list[BoardRow]
    me: MyPlace | None


@dataclass(frozen=True)
class StaffRow:
    rank: int
    entry_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str | None
    equity: Decimal
    return_pct: Decimal
    score: Decimal
    max_drawdown_pct: Decimal
    joined_at: datetime


@dataclass(frozen=True)
class StandingsPage:
    as_of: datetime | None
    entrants: int
    frozen_at: datetime | None
    finalised_at: datetime | None
    items: list[StaffRow]


async def leaderboard(
    db: AsyncSession, contest_id: uuid.UUID, *, user_id: uuid.UUID, limit: int
) -> Leaderboard:
    """The top `limit` and the caller's place (None until a refresh after they joined)."""
    rows = await _BOARD.all(db, contest_id=contest_id, user_id=user_id, top=min(limit, MAX_TOP))
    if not rows:
        return Leaderboard(as_of=None, entrants=0, items=[], me=None)
    state, rank = rows[0], rows[0].my_rank
    board = [(row.rank, _board_row(row, shown_to=user_id)) for row in rows if row.rank]
    top = [row for position, row in board if position <= limit]
    me = None
    if rank is not None:
        around = [row for position, row in board if abs(position - rank) <= AROUND]
        me = MyPlace(rank, state.my_equity, state.my_return_pct, around)
    as_of = state.as_of if state.generation else None  # generation 0: never refreshed
    return Leaderboard(as_of=as_of, entrants=state.entrants, items=top, me=me)


def _board_row(row: Row, *, shown_to: uuid.UUID) -> BoardRow:
    public = row.public_boards and row.display_name
    name = row.display_name if public or row.user_id == shown_to else ANONYMOUS
    return BoardRow(row.rank, name or ANONYMOUS, row.equity, row.return_pct)


async def staff_standings(
    db: AsyncSession, contest_id: uuid.UUID, *, after_rank: int, limit: int
) -> StandingsPage | None:
    """A page of the full standings by rank, with ids and real names (None: never refreshed)."""
    state = (await db.execute(_STATE, {"contest_id": contest_id})).one_or_none()
    if state is None:
        return None
    rows = await db.execute(
        _STAFF_PAGE,
        {
            "contest_id": contest_id,
            "generation": state.generation,
            "after": after_rank,
            "limit": limit,
        },
    )
    return StandingsPage(
        as_of=state.as_of if state.generation else None,
        entrants=state.entrants,
        frozen_at=state.frozen_at,
        finalised_at=state.finalised_at,
        items=[StaffRow(*row) for row in rows],
    )
