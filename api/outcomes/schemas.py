"""Bodies of the outcomes routes."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from gamification.outcomes.models import NPS_COMMENT_MAX, PARTNER_EVENT_ID_MAX, TIER_MAX

AwareTime = Annotated[datetime, Meta(tz=True)]
# Partner-chosen identifiers: printable, no spaces (the pattern's words are in validation_errors).
PARTNER_IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


class NpsIn(Struct, forbid_unknown_fields=True):
    score: Annotated[int, Meta(ge=0, le=10, description="How likely to recommend us, 0-10.")]
    comment: Annotated[str, Meta(max_length=NPS_COMMENT_MAX)] | None = None


class NpsOut(Struct):
    id: uuid.UUID
    score: int
    comment: str | None
    answered_at: datetime
    next_allowed_at: datetime  # the survey is answered at most once per 90 days


class NpsDueOut(Struct):
    due: bool  # ask now: a milestone since the last answer, which is at least 90 days old
    next_allowed_at: datetime | None  # while the last answer holds the survey closed


ClientEventType = Literal["account_opened", "first_trade", "asset_tier_changed"]


class ClientEventIn(Struct, forbid_unknown_fields=True):
    event_id: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=PARTNER_EVENT_ID_MAX,
            pattern=PARTNER_IDENTIFIER,
            description="The partner's id of this fact: a repeated delivery changes nothing.",
        ),
    ]
    type: ClientEventType
    at: Annotated[AwareTime, Meta(description="When it happened at the broker.")]
    tier: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=TIER_MAX,
                pattern=PARTNER_IDENTIFIER,
                description="Required for asset_tier_changed, and only there.",
            ),
        ]
        | None
    ) = None


class ClientEventOut(Struct):
    event_id: str
    type: ClientEventType
    at: datetime
    tier: str | None
    received_at: datetime  # of the first delivery
