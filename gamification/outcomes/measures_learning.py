"""Does learning change behaviour? Contest entrants' trading before and after they completed
the risk-and-diversification course, and of those who have not completed it, from the
contests' own tables (fills and the daily equity snapshots), materialised per entry by the
rollup (`rollup_learning.py`) and averaged here over the contests overlapping the range.

Each contest entry has one window per group: `never` (its user has not completed the course:
the whole contest), `before` (the contest up to the completion) and `after` (from the
completion to the contest's end); a completion before the contest leaves only `after`, one
after it only `before`. Per entry and window:

- turnover: the notional of the window's fills over the entry's starting cash, per 30 days of
  the window (1.0: the cash traded once a month), so that a short `before` window and a long
  `after` one compare; a window shorter than a day counts as a day, so that a trade in the
  minutes before a completion is not multiplied by thousands;
- max drawdown: the largest fall of the window's daily equity snapshots from their running
  peak, in percent of that peak;
- holdings: the instruments held at the window's end (the entry's fills up to then, bought
  less sold);
- largest position: the biggest of those holdings' values (quantity x the entry's last fill
  price of that instrument) in percent of all of them.

An entry counts in a group when its window has a fill or a snapshot; each row averages over its
entries (the largest position over entries holding anything)."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.outcomes.measures_range import DateRange
from gamification.outcomes.measures_table import MeasureContext, MeasureTable

GROUPS = ("before", "after", "never")

_BY_GROUP = sa.text("""
SELECT grp, count(*) AS entries, avg(holdings) AS holdings, avg(largest_pct) AS largest_pct,
       avg(turnover) AS turnover, avg(drawdown_pct) AS drawdown_pct
FROM outcome_learning_entry
WHERE contest_starts_at < :hi AND contest_ends_at > :lo
GROUP BY grp
""")


def _rounded(value: object, places: int) -> float | None:
    return None if value is None else round(float(value), places)  # type: ignore[arg-type]


async def learning_effect(db: AsyncSession, rng: DateRange, ctx: MeasureContext) -> MeasureTable:
    params = {"lo": rng.starts(ctx.zone), "hi": rng.ends(ctx.zone)}
    found = {row.grp: row for row in await db.execute(_BY_GROUP, params)}
    rows = []
    for group in GROUPS:
        row = found.get(group)
        if row is None:
            rows.append([group, 0, None, None, None, None])
            continue
        rows.append(
            [
                group,
                row.entries,
                _rounded(row.holdings, 2),
                _rounded(row.largest_pct, 1),
                _rounded(row.turnover, 2),
                _rounded(row.drawdown_pct, 1),
            ]
        )
    columns = ["group", "entries", "holdings", "largest_position_pct", "turnover"]
    return MeasureTable([*columns, "max_drawdown_pct"], rows)
