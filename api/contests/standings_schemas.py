"""Bodies of the standings routes: the leaderboard, the staff standings and the report card.
Money is a decimal string with two places, percentages too."""

import uuid
from datetime import datetime

from msgspec import Struct


class BoardRowOut(Struct):
    rank: int
    display_name: str  # "anonymous" for learners who opted out of public boards
    equity: str
    return_pct: str


class MyPlaceOut(Struct):
    rank: int
    equity: str
    return_pct: str
    around: list[BoardRowOut]  # from five places above the caller to five below, the caller too


class LeaderboardOut(Struct):
    as_of: datetime | None  # the refresh these standings come from; null before the first
    entrants: int
    items: list[BoardRowOut]
    me: MyPlaceOut | None  # null until the first refresh after the caller joined


class StandingOut(Struct):
    rank: int
    entry_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str | None
    equity: str
    return_pct: str
    score: str
    max_drawdown_pct: str
    joined_at: datetime


class StandingsOut(Struct):
    as_of: datetime | None
    entrants: int
    frozen_at: datetime | None  # the final standings were frozen (the contest ended)
    finalised_at: datetime | None  # every report card and prize is written
    items: list[StandingOut]
    next_cursor: str | None


class ReportLessonOut(Struct):
    lesson_id: uuid.UUID
    course_slug: str
    title: str
    why: str  # concentrated | costly_trading | bought_limit_up | deep_drawdown | next_step
    why_text: str


class ReportCardOut(Struct):
    final_rank: int
    qualified: bool  # met the contest's minimum activity (prizes need it)
    prize_points: int
    return_pct: str
    max_drawdown_pct: str
    volatility_pct: str
    sharpe: str | None  # null when it cannot be told (fewer than two days, or no movement)
    holdings: int
    largest_position_pct: str
    turnover: str  # traded value over the starting cash ("2.50": turned over two and a half times)
    trades: int
    fees_paid: str
    lessons: list[ReportLessonOut]
