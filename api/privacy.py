"""PIPL-style rights over personal data: export everything about a user, or erase it.

Each area that stores personal data contributes a section: what to export and what to erase.
Erasure keeps the user row (anonymous) so value records that point at it still balance.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.models import AuthSession, Consent, LoginFailure, RiskAssessment, UserAccount
from api.accounts.roles import ensure_admin_remains
from api.accounts.sessions import revoke_sessions
from api.accounts.throttle import email_key
from api.audit import AuditLog
from courses.models import CourseProgress, LessonProgress, QuizAttempt
from gamification.contests.entries import anonymise_entries
from gamification.contests.models import ContestEntry, ContestFill, ContestOrder, ContestPosition
from gamification.contests.standings_models import ReportCard
from gamification.ledger.models import Currency
from gamification.ledger.queries import history
from gamification.rewards.models import RewardStreak
from gamification.vouchers.models import Voucher


@dataclass(frozen=True)
class PersonalDataSection:
    name: str
    export: Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
    erase: Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[None]] | None


def _rows(rows: Any, *fields: str) -> list[dict[str, Any]]:
    return [{field: getattr(row, field) for field in fields} for row in rows]


async def _export_account(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    account = await db.get(UserAccount, user_id)
    assert account is not None
    consents = await db.scalars(
        sa.select(Consent).where(col(Consent.user_id) == user_id).order_by(col(Consent.decided_at))
    )
    assessments = await db.scalars(
        sa.select(RiskAssessment)
        .where(col(RiskAssessment.user_id) == user_id)
        .order_by(col(RiskAssessment.assessed_at))
    )
    sessions = await db.scalars(
        sa.select(AuthSession)
        .where(col(AuthSession.user_id) == user_id)
        .order_by(col(AuthSession.created_at))
    )
    return {
        "profile": account.model_dump(exclude={"password_hash"}),
        "consents": _rows(consents, "purpose", "granted", "decided_at"),
        "risk_assessments": _rows(
            assessments, "assessed_at", "expires_at", "answers", "score", "risk_profile"
        ),
        "sessions": _rows(sessions, "created_at", "revoked_at", "revoked_reason"),
    }


async def _erase_account(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    account = await db.get(UserAccount, user_id)
    assert account is not None
    if account.email:
        await db.execute(
            sa.delete(LoginFailure).where(col(LoginFailure.email_key) == email_key(account.email))
        )
    await db.execute(sa.delete(Consent).where(col(Consent.user_id) == user_id))
    await db.execute(sa.delete(RiskAssessment).where(col(RiskAssessment.user_id) == user_id))
    await revoke_sessions(db, user_id=user_id, now=now, reason="account-deleted")
    await db.execute(
        sa.update(UserAccount)
        .where(col(UserAccount.id) == user_id)
        .values(
            email=None,
            password_hash=None,
            display_name=None,
            birthday=None,
            risk_profile=None,
            risk_assessed_at=None,
            roles=[],
            deleted_at=now,
        )
    )


async def _export_actions(db: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    entries = await db.scalars(
        sa.select(AuditLog)
        .where(col(AuditLog.actor_id) == user_id)
        .order_by(col(AuditLog.created_at))
    )
    return _rows(entries, "created_at", "action", "object_type", "object_id", "summary")


# Rows that belong to a user and say what they did, exported as they are stored. They name the
# user only by id, so after erasure they are anonymous; the value records among them (ledger,
# vouchers) must stay for the books to balance.
ACTIVITY_TABLES: dict[str, Any] = {
    "course_progress": CourseProgress,
    "lesson_progress": LessonProgress,
    "quiz_attempts": QuizAttempt,
    "streak": RewardStreak,
    "vouchers": Voucher,
}


async def _export_activity(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    activity: dict[str, Any] = {}
    for name, model in ACTIVITY_TABLES.items():
        rows = await db.scalars(sa.select(model).where(model.user_id == user_id))
        activity[name] = [row.model_dump() for row in rows]
    return activity


async def _export_points(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {
        currency.value: [
            asdict(entry)
            for entry in await history(db, user_id, currency=currency, before_seq=None, limit=None)
        ]
        for currency in Currency
    }


# Paper-trading contests: the entries with their paper cash, positions, orders and fills, and
# the report cards written when a contest was finalised.
CONTEST_TABLES: dict[str, Any] = {
    "entries": ContestEntry,
    "positions": ContestPosition,
    "orders": ContestOrder,
    "fills": ContestFill,
    "report_cards": ReportCard,
}


async def _export_contests(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {
        name: [
            row.model_dump(exclude={"request_hash"})
            for row in await db.scalars(sa.select(model).where(model.user_id == user_id))
        ]
        for name, model in CONTEST_TABLES.items()
    }


async def _erase_contests(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await anonymise_entries(db, user_id=user_id, now=now)


SECTIONS: list[PersonalDataSection] = [
    PersonalDataSection("account", _export_account, _erase_account),
    # Audit entries name the actor only by id and are kept: they record what was done.
    PersonalDataSection("actions", _export_actions, erase=None),
    PersonalDataSection("activity", _export_activity, erase=None),
    PersonalDataSection("points", _export_points, erase=None),
    PersonalDataSection("contests", _export_contests, _erase_contests),
]


async def export_personal_data(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {section.name: await section.export(db, user_id) for section in SECTIONS}


async def erase_personal_data(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Erase every section; never the last admin account (409 `last-admin`)."""
    await ensure_admin_remains(db, leaving=user_id)
    for section in reversed(SECTIONS):
        if section.erase is not None:
            await section.erase(db, user_id, now)
