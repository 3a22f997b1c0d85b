"""The learning-effect part of the rollup: each contest entry's trading figures per learning
window (definitions in `measures_learning.py`), into `outcome_learning_entry`.

Recomputed for the entries whose figures may have changed since the run's start: those of
contests still running then, and those of users who completed the course since (their entries
move from `never` to `before`/`after`). A rebuild from the first month recomputes them all.
"""

import sqlalchemy as sa

from gamification.outcomes.rollup_sql import STAFF_IDS

COURSE_SLUG = "risk-and-diversification"
TURNOVER_DAYS = 30  # turnover is scaled to this window length, so windows of any length compare
# A window shorter than this counts as this long: scaled by its own length, a five-minute window
# would multiply its one trade by 8,640 and outweigh every other entry of its group.
TURNOVER_MIN_SECONDS = 86400

# Entries to recompute: `:since` is the run's start (the watermark less the late margin).
_CHANGED = """
    SELECT e.id FROM contest_entry e JOIN contest k ON k.id = e.contest_id
    WHERE k.ends_at >= :since
    UNION
    SELECT e.id FROM contest_entry e
    JOIN course_progress p ON p.user_id = e.user_id AND p.completed_at >= :since
    JOIN course_course c ON c.id = p.course_id AND c.slug = :slug
"""

CLEAR = sa.text(f"DELETE FROM outcome_learning_entry WHERE entry_id IN ({_CHANGED})")  # noqa: S608

FILL = sa.text(f"""
WITH done AS (
    SELECT p.user_id, p.completed_at
    FROM course_progress p JOIN course_course c ON c.id = p.course_id
    WHERE c.slug = :slug AND p.completed_at IS NOT NULL
), windows AS (
    SELECT e.id AS entry_id, e.starting_cash, k.starts_at, k.ends_at, g.grp, g.lo, g.hi
    FROM contest_entry e
    JOIN contest k ON k.id = e.contest_id
    LEFT JOIN done d ON d.user_id = e.user_id
    CROSS JOIN LATERAL (VALUES
        ('never', k.starts_at, k.ends_at, d.completed_at IS NULL),
        ('before', k.starts_at, least(d.completed_at, k.ends_at), d.completed_at IS NOT NULL),
        ('after', greatest(d.completed_at, k.starts_at), k.ends_at, d.completed_at IS NOT NULL)
    ) AS g(grp, lo, hi, applies)
    WHERE g.applies AND g.lo < g.hi AND e.id IN ({_CHANGED}) AND e.user_id NOT IN ({STAFF_IDS})
), traded AS (
    SELECT w.entry_id, w.grp, sum(f.notional) AS notional
    FROM windows w JOIN contest_all_fills f
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
    FROM windows w JOIN contest_all_fills f ON f.entry_id = w.entry_id AND f.filled_at < w.hi
    GROUP BY 1, 2, 3
), diversification AS (
    SELECT entry_id, grp, count(*) FILTER (WHERE quantity > 0) AS holdings,
           max(quantity * price) FILTER (WHERE quantity > 0) * 100
             / nullif(sum(quantity * price) FILTER (WHERE quantity > 0), 0) AS largest_pct
    FROM held GROUP BY 1, 2
)
INSERT INTO outcome_learning_entry (entry_id, grp, contest_starts_at, contest_ends_at, turnover,
                                    drawdown_pct, holdings, largest_pct)
SELECT w.entry_id, w.grp, w.starts_at, w.ends_at,
       coalesce(t.notional, 0) / w.starting_cash
           * (86400 * {TURNOVER_DAYS})
           / greatest(extract(epoch FROM w.hi - w.lo), {TURNOVER_MIN_SECONDS}),
       coalesce(d.pct, 0), coalesce(v.holdings, 0), v.largest_pct
FROM windows w
LEFT JOIN traded t ON t.entry_id = w.entry_id AND t.grp = w.grp
LEFT JOIN drawdowns d ON d.entry_id = w.entry_id AND d.grp = w.grp
LEFT JOIN diversification v ON v.entry_id = w.entry_id AND v.grp = w.grp
WHERE t.notional IS NOT NULL OR d.pct IS NOT NULL
""")  # noqa: S608 - the constant above
