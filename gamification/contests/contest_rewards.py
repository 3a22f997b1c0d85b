"""The reward events a contest hands to the rule table (seed/rewards.yaml): joining, finishing
with the minimum activity, a placement in a prize band, opening the report card. Each is paid
once per learner and contest (reference `contest:{id}`). Nothing counts trades or turnover."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gamification.rewards.rules import RewardEvent

CONTEST_JOINED = "contest_joined"
CONTEST_FINISHED = "contest_finished"
CONTEST_PLACEMENT = "contest_placement"
REPORT_CARD_OPENED = "contest_report_card_opened"


def contest_event(
    kind: str,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> RewardEvent:
    details = {"contest": str(contest_id), **(details or {})}
    return RewardEvent(kind, user_id, f"contest:{contest_id}", now, details)
