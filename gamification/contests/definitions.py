"""Contests as marketers define them: create, edit before the start, read, list.

A contest's status follows from the clock: `upcoming` before `starts_at`, `running` until
`ends_at`, `finished` after. Field names in validation errors are the API's paths
(`rules.commission_rate`, `prizes[1].rank_from`), so the 422 names what the marketer sent.
"""

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.contests.errors import ContestNotFound, ContestStarted, InvalidContest
from gamification.contests.market_models import Instrument
from gamification.contests.models import Contest, ContestEntry
from gamification.contests.rules import ContestRules, FeeSchedule

DEFAULT_FEES = FeeSchedule()
DEFAULT_STARTING_CASH = Decimal("1000000.00")
UPCOMING, RUNNING, FINISHED = "upcoming", "running", "finished"


@dataclass(frozen=True)
class ContestDraft:
    """Every field a marketer sets; the names are the contest table's columns."""

    title_zh: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    market_hours: str
    registration_ends_at: datetime | None = None  # defaults to ends_at
    late_entry: bool = True
    starting_cash: Decimal = DEFAULT_STARTING_CASH
    universe_symbols: list[str] = field(default_factory=list)
    universe_boards: list[str] = field(default_factory=list)
    rule_pack: str = "cn_a_share"
    commission_rate: Decimal = DEFAULT_FEES.commission_rate
    commission_min: Decimal = DEFAULT_FEES.commission_min
    stamp_duty_rate: Decimal = DEFAULT_FEES.stamp_duty_rate
    transfer_fee_rate: Decimal = DEFAULT_FEES.transfer_fee_rate
    t_plus_one: bool = True
    min_price: Decimal | None = None
    concentration_cap_pct: Decimal | None = None
    max_entrants: int | None = None
    ranking: str = "return"
    min_round_trips: int = 0
    min_trading_days: int = 0
    prizes: list[dict[str, int]] = field(default_factory=list)  # rank_from, rank_to, points


def status_of(contest: Contest, now: datetime) -> str:
    if now < contest.starts_at:
        return UPCOMING
    return RUNNING if now < contest.ends_at else FINISHED


def is_running(contest: Contest, now: datetime) -> bool:
    return contest.starts_at <= now < contest.ends_at


def rules_of(contest: Contest) -> ContestRules:
    return ContestRules(
        fees=FeeSchedule(
            commission_rate=contest.commission_rate,
            commission_min=contest.commission_min,
            stamp_duty_rate=contest.stamp_duty_rate,
            transfer_fee_rate=contest.transfer_fee_rate,
        ),
        t_plus_one=contest.t_plus_one,
        min_price=contest.min_price,
        concentration_cap_pct=contest.concentration_cap_pct,
    )


def draft_problems(draft: ContestDraft, *, now: datetime) -> list[tuple[str, str]]:
    """What is wrong with a draft beyond each field's own range (the API checks those)."""
    problems = []
    if draft.ends_at <= draft.starts_at:
        problems.append(("ends_at", "must be after starts_at"))
    elif draft.ends_at <= now:
        problems.append(("ends_at", "must be in the future"))
    registration_ends_at = draft.registration_ends_at or draft.ends_at
    if registration_ends_at > draft.ends_at:
        problems.append(("registration_ends_at", "must not be after ends_at"))
    elif registration_ends_at <= now:
        problems.append(("registration_ends_at", "must be in the future"))
    problems.extend(_prize_problems(draft.prizes))
    return problems


def _prize_problems(prizes: Sequence[dict[str, int]]) -> list[tuple[str, str]]:
    problems = []
    last_rank = 0
    for index, prize in enumerate(prizes):
        if prize["rank_to"] < prize["rank_from"]:
            problems.append((f"prizes[{index}].rank_to", "must not be below rank_from"))
        elif prize["rank_from"] <= last_rank:
            problems.append(
                (f"prizes[{index}].rank_from", "bands must be in rank order and not overlap")
            )
        last_rank = max(last_rank, prize["rank_to"])
    return problems


async def _universe_problems(db: AsyncSession, symbols: Sequence[str]) -> list[tuple[str, str]]:
    if not symbols:
        return []
    known = set(
        await db.scalars(
            sa.select(col(Instrument.symbol)).where(col(Instrument.symbol).in_(symbols))
        )
    )
    unknown = sorted(set(symbols) - known)
    return [("universe.symbols", f"unknown symbols: {', '.join(unknown)}")] if unknown else []


async def _validated(db: AsyncSession, draft: ContestDraft, now: datetime) -> dict[str, Any]:
    problems = draft_problems(draft, now=now) + await _universe_problems(db, draft.universe_symbols)
    if problems:
        raise InvalidContest(problems)
    values = dataclasses.asdict(draft)
    values["registration_ends_at"] = draft.registration_ends_at or draft.ends_at
    values["universe_symbols"] = sorted(set(draft.universe_symbols))
    values["universe_boards"] = sorted(set(draft.universe_boards))
    return values


async def create_contest(
    db: AsyncSession, draft: ContestDraft, *, created_by: uuid.UUID | None, now: datetime
) -> Contest:
    values = await _validated(db, draft, now)
    contest = Contest(**values, created_by=created_by, created_at=now, updated_at=now)
    db.add(contest)
    await db.flush()
    return contest


def draft_of(contest: Contest) -> ContestDraft:
    names = [f.name for f in dataclasses.fields(ContestDraft)]
    return ContestDraft(**{name: getattr(contest, name) for name in names})


async def update_contest(
    db: AsyncSession, contest_id: uuid.UUID, changes: dict[str, Any], *, now: datetime
) -> tuple[Contest, dict[str, tuple[Any, Any]]]:
    """Apply `changes` (draft field names) before the contest starts; returns what changed."""
    contest = await db.get(Contest, contest_id, with_for_update={"key_share": True})
    if contest is None:
        raise ContestNotFound()
    if now >= contest.starts_at:
        raise ContestStarted()
    before = draft_of(contest)
    values = await _validated(db, dataclasses.replace(before, **changes), now)
    if values["max_entrants"] is not None and values["max_entrants"] < contest.entrants:
        raise InvalidContest([("max_entrants", f"{contest.entrants} have already joined")])
    diff = {
        name: (getattr(contest, name), value)
        for name, value in values.items()
        if getattr(contest, name) != value
    }
    for name, (_, value) in diff.items():
        setattr(contest, name, value)
    if diff:
        contest.updated_at = now
        await db.flush()
    return contest, diff


async def get_contest(db: AsyncSession, contest_id: uuid.UUID) -> Contest:
    contest = await db.get(Contest, contest_id)
    if contest is None:
        raise ContestNotFound()
    return contest


def _status_filter(status: str | None, now: datetime) -> Any:
    if status == UPCOMING:
        return col(Contest.starts_at) > now
    if status == RUNNING:
        return sa.and_(col(Contest.starts_at) <= now, col(Contest.ends_at) > now)
    if status == FINISHED:
        return col(Contest.ends_at) <= now
    return sa.true()


async def list_contests(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    status: str | None,
    now: datetime,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[tuple[Contest, bool]]:
    """Contests, latest start first, each with whether `user_id` has joined it."""
    joined = (
        sa.exists()
        .where(col(ContestEntry.contest_id) == col(Contest.id))
        .where(col(ContestEntry.user_id) == user_id)
    )
    query = sa.select(Contest, joined.label("joined")).where(_status_filter(status, now))
    if after is not None:
        query = query.where(sa.tuple_(col(Contest.starts_at), col(Contest.id)) < sa.tuple_(*after))
    query = query.order_by(col(Contest.starts_at).desc(), col(Contest.id).desc()).limit(limit)
    return [(row[0], bool(row[1])) for row in (await db.execute(query)).all()]


async def has_joined(db: AsyncSession, contest_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await db.scalar(
        sa.select(col(ContestEntry.id)).where(
            col(ContestEntry.contest_id) == contest_id, col(ContestEntry.user_id) == user_id
        )
    )
    return found is not None


__all__ = [
    "FINISHED",
    "RUNNING",
    "UPCOMING",
    "ContestDraft",
    "create_contest",
    "draft_of",
    "draft_problems",
    "get_contest",
    "has_joined",
    "is_running",
    "list_contests",
    "rules_of",
    "status_of",
    "update_contest",
]
