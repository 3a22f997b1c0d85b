"""The funnel of the users who signed up in the range: sign-up -> first lesson opened -> first
quiz passed -> first voucher redeemed -> a voucher used at the broker. A step counts a user who
reached it and every step before it (at any time up to the last rollup)."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.outcomes.measures_range import DateRange
from gamification.outcomes.measures_table import MeasureContext, MeasureTable, share

STEPS = ("signed_up", "lesson", "quiz_passed", "voucher", "consumed")
_COLUMNS = ", ".join(f"coalesce(sum({step}), 0)::bigint AS {step}" for step in STEPS)
_SUMS = sa.text(
    f"SELECT {_COLUMNS} FROM outcome_funnel_day WHERE day BETWEEN :first AND :last"  # noqa: S608
)


async def funnel(db: AsyncSession, rng: DateRange, _: MeasureContext) -> MeasureTable:
    sums = (await db.execute(_SUMS, {"first": rng.first, "last": rng.last})).one()
    counts = [int(getattr(sums, step)) for step in STEPS]
    rows = [
        [step, count, share(count, counts[i - 1]) if i else None, share(count, counts[0])]
        for i, (step, count) in enumerate(zip(STEPS, counts, strict=True))
    ]
    return MeasureTable(["step", "users", "from_previous_pct", "from_sign_up_pct"], rows)
