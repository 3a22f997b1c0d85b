"""Imports every table module so `metadata` is complete for migrations and the models check."""

from api.accounts.models import (
    AuthSession,
    Consent,
    LoginFailure,
    Partner,
    PartnerKey,
    PartnerOwnerRef,
    RefreshToken,
    RiskAssessment,
    UserAccount,
)
from api.audit import AuditLog
from api.idempotency import IdempotencyRecord
from api.rewards.models import LedgerAdjustment
from api.scheduler.models import JobRun
from core.tables import metadata
from courses import models as course_models
from gamification.badges import models as badge_models
from gamification.campaigns import models as campaign_models
from gamification.community import models as community_models
from gamification.contests import market_models, standings_models
from gamification.contests import models as contest_models
from gamification.engagement import models as engagement_models
from gamification.leagues import models as league_models
from gamification.ledger import models as ledger_models
from gamification.outcomes import models as outcome_models
from gamification.outcomes import rollup_tables as outcome_rollup_tables
from gamification.quests import models as quest_models
from gamification.rewards import models as reward_models
from gamification.vouchers import models as voucher_models

__all__ = [
    "AuditLog",
    "AuthSession",
    "Consent",
    "IdempotencyRecord",
    "JobRun",
    "LedgerAdjustment",
    "LoginFailure",
    "Partner",
    "PartnerKey",
    "PartnerOwnerRef",
    "RefreshToken",
    "RiskAssessment",
    "UserAccount",
    "badge_models",
    "campaign_models",
    "community_models",
    "contest_models",
    "course_models",
    "engagement_models",
    "league_models",
    "ledger_models",
    "market_models",
    "metadata",
    "outcome_models",
    "outcome_rollup_tables",
    "quest_models",
    "reward_models",
    "standings_models",
    "voucher_models",
]
