"""Reading a learner's report card, and noting the first time they open it (which the rewards
pay once, through the rule table)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.errors import DomainError, ErrorKind
from gamification.contests.contest_rewards import REPORT_CARD_OPENED, contest_event
from gamification.contests.models import ContestEntry
from gamification.contests.standings_models import ReportCard
from gamification.rewards.rules import RewardEvent


class ReportCardNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "report-card-not-found"


_CARD = (
    sa.select(ReportCard)
    .join(ContestEntry, col(ContestEntry.id) == col(ReportCard.entry_id))
    .where(
        col(ContestEntry.contest_id) == sa.bindparam("contest_id"),
        col(ContestEntry.user_id) == sa.bindparam("user_id"),
    )
)
_OPEN = (
    sa.update(ReportCard)
    .where(col(ReportCard.entry_id) == sa.bindparam("card"), col(ReportCard.opened_at).is_(None))
    .values(opened_at=sa.bindparam("now"))
    .returning(col(ReportCard.entry_id))
)


async def report_card(db: AsyncSession, contest_id: uuid.UUID, user_id: uuid.UUID) -> ReportCard:
    """The caller's card; ReportCardNotFound before finalisation or without an entry."""
    card = await db.scalar(_CARD, {"contest_id": contest_id, "user_id": user_id})
    if card is None:
        raise ReportCardNotFound()
    return card


async def open_report_card(
    db: AsyncSession, card: ReportCard, *, now: datetime
) -> list[RewardEvent]:
    """Note the first opening; the reward event it earns (none when opened before)."""
    first = await db.scalar(_OPEN, {"card": card.entry_id, "now": now})
    if first is None:
        return []
    return [contest_event(REPORT_CARD_OPENED, card.contest_id, card.user_id, now)]
