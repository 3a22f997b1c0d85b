"""courses: a lesson may be open to every learner whatever its course's gate (`open_to_all`)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing lesson versions keep their course's gate; the default only fills them in.
    op.add_column(
        "course_lesson_version",
        sa.Column("open_to_all", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.alter_column("course_lesson_version", "open_to_all", server_default=None)


def downgrade() -> None:
    op.drop_column("course_lesson_version", "open_to_all")
