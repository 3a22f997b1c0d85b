"""Imports every table module so `metadata` is complete for migrations and the models check."""

from api.audit import AuditLog
from api.idempotency import IdempotencyRecord
from api.scheduler.models import JobRun
from core.tables import metadata

__all__ = ["AuditLog", "IdempotencyRecord", "JobRun", "metadata"]
