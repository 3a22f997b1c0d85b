"""The points multipliers campaigns granted a learner, as the rewards engine's hook."""

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.campaigns.deliveries import MULTIPLIER
from gamification.campaigns.runs import CAMPAIGN
from gamification.rewards.rules import CampaignMultiplier

ONE = Decimal(1)

_IN_FORCE = (
    sa.select(MULTIPLIER.c.factor, MULTIPLIER.c.rules)
    .join(CAMPAIGN, CAMPAIGN.c.id == MULTIPLIER.c.campaign_id)
    .where(
        MULTIPLIER.c.user_id == sa.bindparam("user_id"),
        MULTIPLIER.c.starts_at <= sa.bindparam("now"),
        MULTIPLIER.c.ends_at > sa.bindparam("now"),
        CAMPAIGN.c.status != "cancelled",
    )
)


async def campaign_multiplier(
    db: AsyncSession, user_id: uuid.UUID, now: datetime
) -> CampaignMultiplier:
    """The multiplier in force for `user_id` at `now`, per rule kind: the largest factor of the
    campaigns covering the rule (campaigns never compound), 1 for every other rule. Cancelling
    a campaign ends its multiplier."""
    owner = user_id
    best: dict[str, Decimal] = {}
    for row in await db.execute(_IN_FORCE, {"user_id": user_id, "now": now}):
        for kind in row.rules:
            best[kind] = max(best.get(kind, ONE), row.factor)

    def multiplier(kind: str, user_id: uuid.UUID, at: datetime) -> Decimal:
        return best.get(kind, ONE) if user_id == owner else ONE

    return multiplier
