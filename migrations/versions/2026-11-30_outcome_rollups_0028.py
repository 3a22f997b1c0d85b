"""outcome_rollups: the outcomes measures' materialised tables

At 50 million activity events no measure can be computed per request from `activity_event`
within 2 s. The daily rollup (`gamification/outcomes/rollup.py`) folds the events into
month-grained tables the endpoints read, recomputing whole months from its watermark on, so a
run is idempotent and late events are counted when their month is recomputed:

- `outcome_user_month`: one row per user and business-zone month with any event: a bitmask of
  the event kinds seen (bit numbers in `gamification/outcomes/kinds.py`), the events and the
  interactions (events other than sign-up and broker facts).
- `outcome_month`: per month, the actives and the users of each tool (summed from the above).
- `outcome_month_event`: per month, kind and category (quiz passed/failed, voucher fee/yield,
  NPS score, broker tier; '' for other kinds), the events and distinct users.
- `outcome_user_first`: per user, the sign-up day and the first time of each funnel step.
- `outcome_funnel_day`: per sign-up day, the users who reached each funnel step (and every step
  before it).
- `outcome_cohort`: per start month (broker account opened, else sign-up), the cohort's size
  and how many were active 1, 2 and 3 months later.
- `outcome_learning_entry`: per contest entry and learning group (`before`, `after` the
  risk-and-diversification course, or `never`), the entry's trading figures in that window.
- `outcome_rollup_state`: the single watermark row that also serialises runs.

Derived data, rebuilt by `investquest outcomes rebuild --since`: no foreign keys.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 07:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outcome_user_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kinds", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("interactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "user_id", name=op.f("pk_outcome_user_month")),
    )
    op.create_table(
        "outcome_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("actives", sa.Integer(), nullable=False),
        sa.Column("interactions", sa.BigInteger(), nullable=False),
        sa.Column("lesson_users", sa.Integer(), nullable=False),
        sa.Column("quiz_users", sa.Integer(), nullable=False),
        sa.Column("contest_users", sa.Integer(), nullable=False),
        sa.Column("community_users", sa.Integer(), nullable=False),
        sa.Column("voucher_users", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_outcome_month")),
    )
    op.create_table(
        "outcome_month_event",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=32), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "kind", "detail", name=op.f("pk_outcome_month_event")),
    )
    op.create_table(
        "outcome_user_first",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("signed_up_on", sa.Date(), nullable=False),
        sa.Column("first_lesson_at", TZ, nullable=True),
        sa.Column("first_quiz_passed_at", TZ, nullable=True),
        sa.Column("first_voucher_at", TZ, nullable=True),
        sa.Column("first_consumed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_outcome_user_first")),
    )
    op.create_table(
        "outcome_funnel_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("signed_up", sa.Integer(), nullable=False),
        sa.Column("lesson", sa.Integer(), nullable=False),
        sa.Column("quiz_passed", sa.Integer(), nullable=False),
        sa.Column("voucher", sa.Integer(), nullable=False),
        sa.Column("consumed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_outcome_funnel_day")),
    )
    op.create_table(
        "outcome_cohort",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("active_1", sa.Integer(), nullable=False),
        sa.Column("active_2", sa.Integer(), nullable=False),
        sa.Column("active_3", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_outcome_cohort")),
    )
    op.create_table(
        "outcome_learning_entry",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("grp", sa.String(length=8), nullable=False),
        sa.Column("contest_starts_at", TZ, nullable=False),
        sa.Column("contest_ends_at", TZ, nullable=False),
        sa.Column("turnover", sa.Numeric(), nullable=False),
        sa.Column("drawdown_pct", sa.Numeric(), nullable=False),
        sa.Column("holdings", sa.Integer(), nullable=False),
        sa.Column("largest_pct", sa.Numeric(), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", "grp", name=op.f("pk_outcome_learning_entry")),
    )
    op.create_index(
        "ix_outcome_learning_entry_contest_starts_at",
        "outcome_learning_entry",
        ["contest_starts_at"],
    )
    op.create_table(
        "outcome_rollup_state",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=True),
        sa.Column("covered_until", TZ, nullable=True),
        sa.Column("rolled_at", TZ, nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_outcome_rollup_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_rollup_state")),
    )
    op.execute("INSERT INTO outcome_rollup_state (id) VALUES (1)")


def downgrade() -> None:
    for table in (
        "outcome_rollup_state",
        "outcome_learning_entry",
        "outcome_cohort",
        "outcome_funnel_day",
        "outcome_user_first",
        "outcome_month_event",
        "outcome_month",
        "outcome_user_month",
    ):
        op.drop_table(table)
