"""The broker's facts about its clients (account opened, first trade, asset tier changed),
delivered through the partner API and recorded once per partner and event id.

The client is named by the partner's owner reference (`partner_owner_ref`, kept by triggers),
so finding them is one index read at any number of users. A delivery repeated with the same
body changes nothing; the same id with another body is refused (`ClientEventIdReused`): an event
id names one fact. An account opening also dates the client's lifecycle
(`user_account.broker_account_opened_at`, the earliest reported).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from gamification.outcomes.errors import (
    ClientEventIdReused,
    ClientNotFound,
    InvalidClientEvent,
)

TIER_TYPE = "asset_tier_changed"
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ClientEvent:
    event_id: str
    type: str
    at: datetime
    tier: str | None

    def check(self, now: datetime) -> None:
        """`InvalidClientEvent` naming the field: a tier only (and always) for a tier change,
        and a time that has happened (give or take the two clocks' skew)."""
        if self.at > now + CLOCK_SKEW:
            raise InvalidClientEvent(errors=(("at", "must not be in the future"),))
        if self.type == TIER_TYPE and self.tier is None:
            raise InvalidClientEvent(errors=(("tier", f"is required for {TIER_TYPE}"),))
        if self.type != TIER_TYPE and self.tier is not None:
            raise InvalidClientEvent(errors=(("tier", f"is only for {TIER_TYPE}"),))


@dataclass(frozen=True)
class RecordedClientEvent:
    event: ClientEvent
    user_id: uuid.UUID
    received_at: datetime
    first_time: bool


# One statement: the client by reference, and the event inserted unless its id was used.
_RECORD = sa.text(
    """
    WITH client AS (
        SELECT user_id FROM partner_owner_ref WHERE partner_id = :partner_id AND owner_ref = :ref
    ), inserted AS (
        INSERT INTO partner_client_event
            (id, partner_id, event_id, user_id, type, at, tier, received_at)
        SELECT :id, :partner_id, :event_id, user_id, :type, :at, :tier, :now FROM client
        ON CONFLICT (partner_id, event_id) DO NOTHING
        RETURNING received_at
    )
    SELECT client.user_id, (SELECT received_at FROM inserted) FROM client
    """
)
_EARLIER = sa.text(
    "SELECT user_id, type, at, tier, received_at FROM partner_client_event "
    "WHERE partner_id = :partner_id AND event_id = :event_id"
)
_ACCOUNT_OPENED = sa.text(
    "UPDATE user_account SET broker_account_opened_at = :at WHERE id = :user_id "
    "AND (broker_account_opened_at IS NULL OR broker_account_opened_at > :at)"
)


async def record_client_event(
    db: AsyncSession, *, partner_id: uuid.UUID, owner_ref: str, event: ClientEvent, now: datetime
) -> RecordedClientEvent:
    """Record the event for the partner's client `owner_ref` (`ClientNotFound` when none)."""
    event.check(now)
    row = (
        await db.execute(
            _RECORD,
            {
                "id": new_id(),
                "partner_id": partner_id,
                "ref": owner_ref,
                "event_id": event.event_id,
                "type": event.type,
                "at": event.at,
                "tier": event.tier,
                "now": now,
            },
        )
    ).one_or_none()
    if row is None:
        raise ClientNotFound()
    user_id, received_at = row
    if received_at is not None:
        if event.type == "account_opened":
            await db.execute(_ACCOUNT_OPENED, {"at": event.at, "user_id": user_id})
        return RecordedClientEvent(event, user_id, received_at, first_time=True)
    # The id was used: by this same fact (a retried delivery), or by another one.
    earlier = (
        await db.execute(_EARLIER, {"partner_id": partner_id, "event_id": event.event_id})
    ).one()
    same = (earlier.user_id, earlier.type, earlier.at, earlier.tier) == (
        user_id,
        event.type,
        event.at,
        event.tier,
    )
    if not same:
        raise ClientEventIdReused(event_id=event.event_id)
    return RecordedClientEvent(event, user_id, earlier.received_at, first_time=False)
