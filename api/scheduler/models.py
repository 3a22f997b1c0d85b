import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp


class JobRun(SQLModel, table=True):
    """One row per firing of a periodic job: the unique key makes each firing run once."""

    __tablename__ = "job_run"
    __table_args__ = (
        sa.UniqueConstraint("job", "scheduled_for"),
        sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name="status"),
    )

    id: uuid.UUID = id_field()
    job: str = Field(max_length=64)
    scheduled_for: datetime = utc_timestamp()
    status: str = Field(default="running", max_length=16)
    started_at: datetime = utc_timestamp()
    finished_at: datetime | None = utc_timestamp(nullable=True)
    summary: str | None = Field(default=None, max_length=2000)
    error: str | None = Field(default=None, max_length=2000)
