"""The accounts area's personal data: the profile, consents, suitability answers and sessions.

Erasure keeps the user row, anonymous, so value records that point at it still balance.
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.models import AuthSession, Consent, LoginFailure, RiskAssessment, UserAccount
from api.accounts.sessions import revoke_sessions
from api.accounts.throttle import email_key
from api.personal_data import rows_of


async def export_accounts(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
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
        "consents": rows_of(consents, "purpose", "granted", "decided_at"),
        "risk_assessments": rows_of(
            assessments, "assessed_at", "expires_at", "answers", "score", "risk_profile"
        ),
        "sessions": rows_of(sessions, "created_at", "revoked_at", "revoked_reason"),
    }


async def erase_accounts(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
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
            # Off every public board: the standings trigger writes this with the name to the
            # current generations, where it must not undo the contests erasure's `false`.
            public_boards=False,
            birthday=None,
            risk_profile=None,
            risk_assessed_at=None,
            roles=[],
            deleted_at=now,
        )
    )
