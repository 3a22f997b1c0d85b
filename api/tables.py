"""Imports every table module so `metadata` is complete for migrations and the models check."""

from api.accounts.models import (
    AuthSession,
    Consent,
    LoginFailure,
    Partner,
    RefreshToken,
    RiskAssessment,
    UserAccount,
)
from api.audit import AuditLog
from api.idempotency import IdempotencyRecord
from api.scheduler.models import JobRun
from core.tables import metadata

__all__ = [
    "AuditLog",
    "AuthSession",
    "Consent",
    "IdempotencyRecord",
    "JobRun",
    "LoginFailure",
    "Partner",
    "RefreshToken",
    "RiskAssessment",
    "UserAccount",
    "metadata",
]
