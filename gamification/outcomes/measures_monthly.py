"""The monthly measures, read from the rollup tables (one indexed range read each).

Actives of a month: users with any activity event in it (`outcome_month.actives`). Every month
the range touches is a row, zero where nothing happened."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.outcomes.measures_range import DateRange
from gamification.outcomes.measures_table import MeasureContext, MeasureTable, month_label, share
from gamification.outcomes.months import add_months, each_month, month_of

_MONTHS = sa.text(
    "SELECT month, actives, interactions, lesson_users, quiz_users, contest_users,"
    " community_users, voucher_users FROM outcome_month WHERE month BETWEEN :first AND :last"
)
_EVENTS = sa.text(
    "SELECT month, kind, detail, events, users FROM outcome_month_event"
    " WHERE month BETWEEN :first AND :last AND kind = ANY(:kinds)"
)
_COHORTS = sa.text(
    "SELECT month, size, active_1, active_2, active_3 FROM outcome_cohort"
    " WHERE month BETWEEN :first AND :last"
)
_TOOLS = ("lesson_users", "quiz_users", "contest_users", "community_users", "voucher_users")


async def _months(db: AsyncSession, rng: DateRange) -> dict[date, Any]:
    rows = await db.execute(_MONTHS, {"first": rng.first_month, "last": rng.last_month})
    return {row.month: row for row in rows}


async def _events(
    db: AsyncSession, rng: DateRange, kinds: list[str]
) -> dict[tuple[date, str, str], int]:
    params = {"first": rng.first_month, "last": rng.last_month, "kinds": kinds}
    return {(r.month, r.kind, r.detail): r.events for r in await db.execute(_EVENTS, params)}


def _actives(months: dict[date, Any], month: date) -> int:
    row = months.get(month)
    return row.actives if row else 0


async def retention(db: AsyncSession, rng: DateRange, ctx: MeasureContext) -> MeasureTable:
    params = {"first": rng.first_month, "last": rng.last_month}
    cohorts = {row.month: row for row in await db.execute(_COHORTS, params)}
    current = month_of(ctx.today)
    rows = []
    for month in each_month(rng.first, rng.last):
        cohort = cohorts.get(month)
        size = cohort.size if cohort else 0
        actives = [cohort.active_1, cohort.active_2, cohort.active_3] if cohort else [0, 0, 0]
        shares = [
            share(active, size) if add_months(month, k + 1) <= current else None
            for k, active in enumerate(actives)
        ]
        rows.append([month_label(month), size, *shares])
    return MeasureTable(["cohort", "size", "month_1_pct", "month_2_pct", "month_3_pct"], rows)


async def interactions(db: AsyncSession, rng: DateRange, _: MeasureContext) -> MeasureTable:
    months = await _months(db, rng)
    rows = []
    for month in each_month(rng.first, rng.last):
        row = months.get(month)
        actives, total = (row.actives, row.interactions) if row else (0, 0)
        per_active = round(total / actives, 2) if actives else None
        rows.append([month_label(month), actives, total, per_active])
    return MeasureTable(["month", "actives", "interactions", "per_active"], rows)


async def tool_usage(db: AsyncSession, rng: DateRange, _: MeasureContext) -> MeasureTable:
    months = await _months(db, rng)
    rows = []
    for month in each_month(rng.first, rng.last):
        row = months.get(month)
        actives = row.actives if row else 0
        shares = [share(getattr(row, tool), actives) if row else None for tool in _TOOLS]
        rows.append([month_label(month), actives, *shares])
    columns = ["month", "actives", "lessons_pct", "quizzes_pct", "contests_pct"]
    return MeasureTable([*columns, "community_pct", "vouchers_pct"], rows)


async def cross_sell(db: AsyncSession, rng: DateRange, _: MeasureContext) -> MeasureTable:
    months = await _months(db, rng)
    events = await _events(db, rng, ["voucher_redeemed", "voucher_consumed"])
    rows = []
    for month in each_month(rng.first, rng.last):
        actives = _actives(months, month)
        for kind in ("fee", "yield"):
            redeemed = events.get((month, "voucher_redeemed", kind), 0)
            consumed = events.get((month, "voucher_consumed", kind), 0)
            rows.append(
                [
                    month_label(month),
                    kind,
                    actives,
                    redeemed,
                    consumed,
                    share(redeemed, actives),
                    share(consumed, actives),
                ]
            )
    columns = ["month", "kind", "actives", "redeemed", "consumed"]
    return MeasureTable([*columns, "redeemed_per_100", "consumed_per_100"], rows)


async def complaints(db: AsyncSession, rng: DateRange, _: MeasureContext) -> MeasureTable:
    months = await _months(db, rng)
    events = await _events(db, rng, ["report_filed"])
    rows = []
    for month in each_month(rng.first, rng.last):
        actives = _actives(months, month)
        reports = events.get((month, "report_filed", ""), 0)
        rows.append([month_label(month), actives, reports, share(reports, actives, per=1000)])
    return MeasureTable(["month", "actives", "reports", "reports_per_1000"], rows)


async def nps(db: AsyncSession, rng: DateRange, _: MeasureContext) -> MeasureTable:
    events = await _events(db, rng, ["nps_answered"])
    by_month: dict[date, list[int]] = {}
    for (month, _kind, detail), count in events.items():
        if detail.isdigit() and 0 <= int(detail) <= 10:
            by_month.setdefault(month, [0] * 11)[int(detail)] += count
    rows = []
    for month in each_month(rng.first, rng.last):
        scores = by_month.get(month, [0] * 11)
        responses = sum(scores)
        promoters, passives, detractors = sum(scores[9:]), sum(scores[7:9]), sum(scores[:7])
        score = round(100 * (promoters - detractors) / responses, 1) if responses else None
        rows.append([month_label(month), responses, promoters, passives, detractors, score])
    columns = ["month", "responses", "promoters", "passives", "detractors", "nps"]
    return MeasureTable(columns, rows)
