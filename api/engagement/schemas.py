"""Bodies of the engagement routes."""

import uuid
from datetime import date, datetime

from msgspec import Struct


class QuestOut(Struct):
    id: str
    kind: str  # what is counted: lessons_completed, quiz_perfect, streak_kept, post_read, ...
    title: str
    progress: int  # capped at the target
    target: int
    completed: bool
    points: int
    xp: int
    period_start: date  # the day, week (Monday) or month (1st) on the caller's calendar


class MonthlyQuestOut(QuestOut):
    badge_id: str | None = None


class QuestsOut(Struct):
    date: date  # today on the caller's calendar
    daily: list[QuestOut]
    weekly: QuestOut | None
    monthly: MonthlyQuestOut | None


class EarnedBadgeOut(Struct):
    id: str
    name: str
    description: str
    tier: str  # bronze | silver | gold
    earned_at: datetime


class AvailableBadgeOut(Struct):
    id: str
    name: str
    description: str
    tier: str
    progress: int
    target: int


class BadgesOut(Struct):
    earned: list[EarnedBadgeOut]
    available: list[AvailableBadgeOut]  # badges not yet earned


class LeagueMemberOut(Struct):
    rank: int
    display_name: str  # "anonymous" for others who opted out of public boards
    xp: int  # this week
    me: bool


class LeagueOut(Struct):
    """Before the caller's first XP of the week: `tier` null, no members, the rest null."""

    tier: str | None
    tier_name: str | None
    cohort_id: uuid.UUID | None
    week_ends_at: datetime | None
    members: list[LeagueMemberOut]
    promotion_zone: int | None  # how many at the top go up
    demotion_zone: int | None  # how many at the bottom go down
