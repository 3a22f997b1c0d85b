"""accounts: sign-ups per client address (one counter row per address) and failed password
changes (counted per account), for throttling

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 01:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_signup_window",
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signups", sa.Integer(), nullable=False),
        sa.CheckConstraint("signups >= 1", name=op.f("ck_auth_signup_window_signups_positive")),
        sa.PrimaryKeyConstraint("client_ip", name=op.f("pk_auth_signup_window")),
    )
    op.create_table(
        "auth_password_change_failure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_auth_password_change_failure_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_password_change_failure")),
    )
    op.create_index(
        "ix_auth_password_change_failure_user_id_at",
        "auth_password_change_failure",
        ["user_id", "at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_auth_password_change_failure_user_id_at", table_name="auth_password_change_failure"
    )
    op.drop_table("auth_password_change_failure")
    op.drop_table("auth_signup_window")
