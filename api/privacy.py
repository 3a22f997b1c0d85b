"""PIPL-style rights over personal data: export everything about a user, or erase it.

Each area that stores personal data describes its own tables in its `privacy.py`; this module
only lists the sections (a new area appends its own) and serves the two routes. Erasure keeps
the user row, anonymous, so value records that point at it still balance.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from litestar import Controller, delete, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Caller
from api.accounts.errors import RecentLoginRequired
from api.accounts.models import AuthSession
from api.accounts.privacy import erase_accounts, export_accounts
from api.accounts.roles import ensure_admin_remains
from api.audit import AuditLog
from api.campaigns.privacy import erase_campaigns, export_campaigns
from api.community.privacy import erase_community, export_community
from api.contests.privacy import erase_contests, export_contests
from api.engagement.privacy import erase_engagement, export_engagement
from api.learning.privacy import export_learning
from api.openapi import problem_responses
from api.outcomes.privacy import erase_outcomes, export_outcomes
from api.personal_data import PersonalDataSection, rows_of
from api.rewards.privacy import erase_rewards, export_rewards
from api.vouchers.privacy import export_vouchers
from core.clock import Clock
from gamification.leagues.turns import take_erasure_turn

# A stolen access token alone must not be enough to erase an account for good.
RECENT_LOGIN = timedelta(minutes=10)


async def _export_actions(db: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    entries = await db.scalars(
        sa.select(AuditLog)
        .where(col(AuditLog.actor_id) == user_id)
        .order_by(col(AuditLog.created_at))
    )
    return rows_of(entries, "created_at", "action", "object_type", "object_id", "summary")


SECTIONS: list[PersonalDataSection] = [
    PersonalDataSection("account", export_accounts, erase_accounts),
    # Audit entries name the actor only by id and are kept: they record what was done.
    PersonalDataSection("actions", _export_actions, erase=None),
    PersonalDataSection("learning", export_learning, erase=None),
    PersonalDataSection("rewards", export_rewards, erase_rewards),
    PersonalDataSection("vouchers", export_vouchers, erase=None),
    PersonalDataSection("contests", export_contests, erase_contests),
    PersonalDataSection("engagement", export_engagement, erase_engagement),
    PersonalDataSection("community", export_community, erase_community),
    PersonalDataSection("campaigns", export_campaigns, erase_campaigns),
    # Erased first (sections go last first): no other section's erasure writes an activity event.
    PersonalDataSection("outcomes", export_outcomes, erase_outcomes),
]


async def export_personal_data(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {section.name: await section.export(db, user_id) for section in SECTIONS}


async def erase_personal_data(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Erase every section, last first; never the last admin account (409 `last-admin`), nor
    while a league week's close is writing results (409 `league-week-closing`, after waiting
    for it a few seconds)."""
    await take_erasure_turn(db)
    await ensure_admin_remains(db, leaving=user_id)
    for section in reversed(SECTIONS):
        if section.erase is not None:
            await section.erase(db, user_id, now)


class PrivacyController(Controller):
    path = "/v1/me"
    tags = ("accounts",)

    @get("/export", operation_id="exportMyData", responses=problem_responses(401))
    async def export(
        self, db: NamedDependency[AsyncSession], caller: NamedDependency[Caller]
    ) -> dict[str, Any]:
        return await export_personal_data(db, caller.user_id)

    @delete(
        "",
        operation_id="deleteMe",
        status_code=204,
        description="Irreversible, so it needs a login from the last "
        f"{RECENT_LOGIN.seconds // 60} minutes (403 `recent-login-required` otherwise). "
        "The last admin account cannot be deleted (409 `last-admin`); while the weekly league "
        "close is writing results, 409 `league-week-closing` with a Retry-After.",
        responses=problem_responses(401, 403, 409),
    )
    async def erase(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
    ) -> None:
        now = clock.now()
        logged_in_at = await db.scalar(
            sa.select(col(AuthSession.created_at)).where(col(AuthSession.id) == caller.session_id)
        )
        if logged_in_at is None or now - logged_in_at > RECENT_LOGIN:
            raise RecentLoginRequired()
        await erase_personal_data(db, caller.user_id, now)
