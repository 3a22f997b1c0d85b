"""league_week: the league close claims a whole week once, instead of chunks of cohorts

The close ranked and closed cohorts in chunks listed in `league_cohort` (one row per cohort,
closed_at per row) and found cohorts by `league_result.cohort_id`. It now closes a whole week
in set-based statements in one transaction that first claims the week's `league_week` row, so
a second run, or a replica, finds the week claimed; the cohort list and the results' cohort
index have no reader left.

Weeks whose cohorts were all closed become closed `league_week` rows; a week closed only in
part gets no row and is closed again in full (every write of a close is idempotent).

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 08:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "league_week",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("prizes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week_start", name=op.f("pk_league_week")),
    )
    op.execute(
        """
        INSERT INTO league_week (week_start, closed_at, members, prizes)
        SELECT c.week_start, max(c.closed_at),
               (SELECT count(*) FROM league_result r WHERE r.week_start = c.week_start),
               (SELECT count(*) FROM league_result r
                 WHERE r.week_start = c.week_start AND r.prize_points > 0)
          FROM league_cohort c
         GROUP BY c.week_start
        HAVING bool_and(c.closed_at IS NOT NULL)
        """
    )
    op.drop_index("ix_league_cohort_open", table_name="league_cohort")
    op.drop_table("league_cohort")
    op.drop_index(op.f("ix_league_result_cohort_id"), table_name="league_result")


def downgrade() -> None:
    op.create_index(
        op.f("ix_league_result_cohort_id"), "league_result", ["cohort_id"], unique=False
    )
    op.create_table(
        "league_cohort",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_league_cohort")),
    )
    op.create_index(
        "ix_league_cohort_open", "league_cohort", ["week_start", "closed_at"], unique=False
    )
    op.execute(
        """
        INSERT INTO league_cohort (id, week_start, tier, created_at, closed_at)
        SELECT m.cohort_id, min(m.week_start), min(m.tier), now(), min(w.closed_at)
          FROM league_member m JOIN league_week w ON w.week_start = m.week_start
         GROUP BY m.cohort_id
        """
    )
    op.drop_table("league_week")
