"""Standings routes: a contest's leaderboard and the caller's report card (learners), and the
full standings (marketers). Boards are read from the refreshed standings, never counted."""

import uuid
from collections.abc import Sequence
from decimal import Decimal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.autocommit_routes import AUTOCOMMIT
from api.contests.contest_rewards import pay_contest_rewards
from api.contests.report_lessons import lessons_out
from api.contests.standings_schemas import (
    BoardRowOut,
    LeaderboardOut,
    MyPlaceOut,
    ReportCardOut,
    StandingOut,
    StandingsOut,
)
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.settings import Settings
from core.clock import Clock
from gamification.contests.definitions import get_contest
from gamification.contests.leaderboard import BoardRow, leaderboard, staff_standings
from gamification.contests.report_cards import open_report_card, report_card


def _pct(value: Decimal) -> str:
    return f"{value:.2f}"


def _rows(rows: Sequence[BoardRow]) -> list[BoardRowOut]:
    return [
        BoardRowOut(row.rank, row.display_name, _pct(row.equity), _pct(row.return_pct))
        for row in rows
    ]


class StandingsController(Controller):
    path = "/v1/contests"
    tags = ("contests",)

    @get(
        "/{contest_id:uuid}/leaderboard",
        operation_id="getContestLeaderboard",
        summary="The top of a contest's standings and the caller's place, as of the last refresh",
        responses=problem_responses(400, 401, 404, 422),
        opt=AUTOCOMMIT,
    )
    async def board(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
        limit: LimitParam = DEFAULT_LIMIT,
    ) -> LeaderboardOut:
        """Standings refresh every LEADERBOARD_REFRESH_SECONDS: `me` is null until the first
        refresh after the caller joined. Ties go to the earlier join, then the entry id."""
        await get_contest(db, contest_id)
        found = await leaderboard(db, contest_id, user_id=caller.user_id, limit=limit)
        me = None
        if found.me is not None:
            mine = found.me
            me = MyPlaceOut(mine.rank, _pct(mine.equity), _pct(mine.return_pct), _rows(mine.around))
        return LeaderboardOut(found.as_of, found.entrants, _rows(found.items), me)

    @get(
        "/{contest_id:uuid}/report-card",
        operation_id="getContestReportCard",
        summary="The caller's figures at the end of a contest and the lessons they point to",
        responses=problem_responses(400, 401, 404),
    )
    async def report_card(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
    ) -> ReportCardOut:
        """404 until the contest is finalised (or for a contest the caller did not join). The
        first opening earns the `contest_report_card_opened` reward once."""
        now = clock.now()
        card = await report_card(db, contest_id, caller.user_id)
        events = await open_report_card(db, card, now=now)
        await pay_contest_rewards(db, caller, settings, events, now=now)
        return ReportCardOut(
            final_rank=card.final_rank,
            qualified=card.qualified,
            prize_points=card.prize_points,
            return_pct=_pct(card.return_pct),
            max_drawdown_pct=_pct(card.max_drawdown_pct),
            volatility_pct=_pct(card.volatility_pct),
            sharpe=None if card.sharpe is None else _pct(card.sharpe),
            holdings=card.holdings,
            largest_position_pct=_pct(card.largest_position_pct),
            turnover=_pct(card.turnover),
            trades=card.trades,
            fees_paid=_pct(card.fees_paid),
            lessons=await lessons_out(db, card.lessons, locale=locale),
        )


class StandingsAdminController(Controller):
    path = "/v1/admin/contests"
    tags = ("marketing",)
    guards = [requires_role(Role.MARKETER)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(
        "/{contest_id:uuid}/standings",
        operation_id="getContestStandings",
        summary="A contest's full standings by rank, with entry and user ids",
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def standings(
        self,
        db: NamedDependency[AsyncSession],
        contest_id: FromPath[uuid.UUID],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> StandingsOut:
        """As of the last refresh; once the contest ended, its frozen final standings."""
        await get_contest(db, contest_id)
        page = page_request(limit, cursor, (int,))
        after = int(page.after[0]) if page.after else 0
        found = await staff_standings(db, contest_id, after_rank=after, limit=limit + 1)
        if found is None:
            return StandingsOut(None, 0, None, None, [], None)
        rows, next_cursor = make_page(found.items, limit, lambda row: (row.rank,))
        items = [
            StandingOut(
                rank=row.rank,
                entry_id=row.entry_id,
                user_id=row.user_id,
                display_name=row.display_name,
                equity=_pct(row.equity),
                return_pct=_pct(row.return_pct),
                score=f"{row.score:.4f}",
                max_drawdown_pct=_pct(row.max_drawdown_pct),
                joined_at=row.joined_at,
            )
            for row in rows
        ]
        return StandingsOut(
            found.as_of, found.entrants, found.frozen_at, found.finalised_at, items, next_cursor
        )
