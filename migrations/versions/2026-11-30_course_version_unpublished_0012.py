"""courses: a version an editor took down is `unpublished` (learners no longer see the course)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 12:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_course_version_status"), "course_version", type_="check")
    op.create_check_constraint(
        op.f("ck_course_version_status"),
        "course_version",
        "status IN ('draft', 'published', 'unpublished', 'archived')",
    )


def downgrade() -> None:
    # An unpublished version was last live: archived is the nearest the old states come.
    op.execute("UPDATE course_version SET status = 'archived' WHERE status = 'unpublished'")
    op.drop_constraint(op.f("ck_course_version_status"), "course_version", type_="check")
    op.create_check_constraint(
        op.f("ck_course_version_status"),
        "course_version",
        "status IN ('draft', 'published', 'archived')",
    )
