"""Does learning change behaviour? Contest entrants' trading before and after they completed
the risk-and-diversification course, and of those who have not completed it, computed from the
contests' own tables (fills and the daily equity snapshots) over the range.

Each contest entry of a contest overlapping the range gives one window per group: `never`
(the user has not completed the course: the whole range), `before` (the range up to the
completion) and `after` (from the completion to the end of the range). Per entry and window:

- turnover: the notional of the window's fills over the entry's starting cash (1.0: the cash
  traded once);
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

COURSE_SLUG = "risk-and-diversification"
GROUPS = ("before", "after", "never")

_BY_GROUP = sa.text("""
WITH done AS (
    SELECT p.user_id, p.completed_at
    FROM course_progress p JOIN course_course c ON c.id = p.course_id
    WHERE c.slug = :slug AND p.completed_at IS NOT NULL
), windows AS (
    SELECT e.id AS entry_id, e.starting_cash, g.grp, g.lo, g.hi
    FROM contest_entry e
    JOIN contest k ON k.id = e.contest_id AND k.starts_at < :hi AND k.ends_at > :lo
    LEFT JOIN done d ON d.user_id = e.user_id
    CROSS JOIN LATERAL (VALUES
        ('never', CAST(:lo AS timestamptz), CAST(:hi AS timestamptz), d.completed_at IS NULL),
        ('before', CAST(:lo AS timestamptz), least(d.completed_at, :hi),
         d.completed_at IS NOT NULL),
        ('after', greatest(d.completed_at, :lo), CAST(:hi AS timestamptz),
         d.completed_at IS NOT NULL)
    ) AS g(grp, lo, hi, applies)
    WHERE g.applies AND g.lo < g.hi
), traded AS (
    SELECT w.entry_id, w.grp, sum(f.notional) AS notional
    FROM windows w JOIN contest_fill f
      ON f.entry_id = w.entry_id AND f.filled_at >= w.lo AND f.filled_at < w.hi
    GROUP BY 1, 2
), peaks AS (
    SELECT w.entry_id, w.grp, s.equity,
           max(s.equity) OVER (PARTITION BY w.entry_id, w.grp ORDER BY s.trading_day) AS peak
    FROM windows w JOIN contest_equity_snapshot s
      ON s.entry_id = w.entry_id AND s.taken_at >= w.lo AND s.taken_at < w.hi
), drawdowns AS (
    SELECT entry_id, grp,
           max(CASE WHEN peak > 0 THEN (peak - equity) * 100 / peak ELSE 0 END) AS pct
    FROM peaks GROUP BY 1, 2
), held AS (
    SELECT w.entry_id, w.grp, f.symbol,
           sum(CASE f.side WHEN 'buy' THEN f.quantity ELSE -f.quantity END) AS quantity,
           (array_agg(f.price ORDER BY f.filled_at DESC))[1] AS price
    FROM windows w JOIN contest_fill f ON f.entry_id = w.entry_id AND f.filled_at < w.hi
    GROUP BY 1, 2, 3
), diversification AS (
    SELECT entry_id, grp, count(*) FILTER (WHERE quantity > 0) AS holdings,
           max(quantity * price) FILTER (WHERE quantity > 0) * 100
             / nullif(sum(quantity * price) FILTER (WHERE quantity > 0), 0) AS largest_pct
    FROM held GROUP BY 1, 2
)
SELECT w.grp, count(*) AS entries,
       avg(coalesce(v.holdings, 0)) AS holdings,
       avg(v.largest_pct) AS largest_pct,
       avg(coalesce(t.notional, 0) / w.starting_cash) AS turnover,
       avg(coalesce(d.pct, 0)) AS drawdown_pct
FROM windows w
LEFT JOIN traded t ON t.entry_id = w.entry_id AND t.grp = w.grp
LEFT JOIN drawdowns d ON d.entry_id = w.entry_id AND d.grp = w.grp
LEFT JOIN diversification v ON v.entry_id = w.entry_id AND v.grp = w.grp
WHERE t.notional IS NOT NULL OR d.pct IS NOT NULL
GROUP BY w.grp
""")


def _rounded(value: object, places: int) -> float | None:
    return None if value is None else round(float(value), places)  # type: ignore[arg-type]


async def learning_effect(db: AsyncSession, rng: DateRange, ctx: MeasureContext) -> MeasureTable:
    params = {"slug": COURSE_SLUG, "lo": rng.starts(ctx.zone), "hi": rng.ends(ctx.zone)}
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
