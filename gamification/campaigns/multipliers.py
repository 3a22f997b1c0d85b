"""The points multipliers campaigns granted a learner, as the rewards engine's hook.

What is in force is defined once, in the database function `campaign_multipliers_in_force`
(migration 0034): the rules' path reads it here, and the SQL paths (quests inside
`engagement_record`, quiz attempts inside `quiz_attempt_submit`) call it directly.
"""

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.rewards.rules import CampaignMultiplier

ONE = Decimal(1)

# Built once: every award runs it.
_IN_FORCE = sa.text("SELECT kind, factor FROM campaign_multipliers_in_force(:user_id, :now)")


async def campaign_multiplier(
    db: AsyncSession, user_id: uuid.UUID, now: datetime
) -> CampaignMultiplier:
    """The multiplier in force for `user_id` at `now`, per rule kind: the largest factor of the
    campaigns covering the rule (campaigns never compound), 1 for every other rule. Cancelling
    a campaign ends its multiplier."""
    owner = user_id
    best: dict[str, Decimal] = {
        row.kind: row.factor
        for row in await db.execute(_IN_FORCE, {"user_id": user_id, "now": now})
    }

    def multiplier(kind: str, user_id: uuid.UUID, at: datetime) -> Decimal:
        return best.get(kind, ONE) if user_id == owner else ONE

    return multiplier
