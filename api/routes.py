"""Every route of the API, grouped by how its callers authenticate.

Which routes are public is decided in one place, `PUBLIC_PATHS` in
api/accounts/auth_middleware.py; the groups here say the same thing to OpenAPI clients.
"""

from litestar import Router
from litestar.types import ControllerRouterHandler

from api.accounts.admin import AdminAccountsController
from api.accounts.controllers import AuthController, MeController, RiskQuestionnaireController
from api.campaigns.campaigns import CampaignController
from api.campaigns.inbox import InboxController
from api.campaigns.segments import SegmentController
from api.community.moderation import ModerationController, MyReportsController
from api.community.posts import PostController
from api.community.rules import ModerationRulesController
from api.console.routes import console_router
from api.contests.contest_admin import ContestAdminController
from api.contests.contests import ContestController
from api.contests.market import MarketController, PartnerQuoteController
from api.contests.standings import StandingsAdminController, StandingsController
from api.docs_page import docs_asset
from api.engagement.controllers import EngagementController
from api.health import HealthController
from api.learning.controllers import LearningController
from api.learning.editor import EditorController
from api.learning.versions import CourseVersionsController
from api.metrics import MetricsController
from api.openapi import BEARER, PARTNER_KEY
from api.outcomes.measures import OutcomeMeasureController
from api.outcomes.partner import PartnerClientController
from api.outcomes.surveys import SurveyController
from api.privacy import PrivacyController
from api.rewards.adjustments import AdjustmentAdminController
from api.rewards.admin import LedgerAdminController
from api.rewards.controllers import WalletController
from api.rewards.streaks import StreakController
from api.vouchers.admin import VoucherAdminController, VoucherProductController
from api.vouchers.controllers import VoucherController
from api.vouchers.partner import PartnerVoucherController


def route_handlers() -> list[ControllerRouterHandler]:
    return [
        HealthController,
        MetricsController,
        docs_asset,
        AuthController,  # register, login and refresh are public; logout declares its own
        Router(
            "/",
            security=[{BEARER: []}],
            route_handlers=[
                MeController,
                PrivacyController,
                RiskQuestionnaireController,
                LearningController,
                WalletController,
                StreakController,
                EngagementController,
                VoucherController,
                EditorController,
                CourseVersionsController,
                AdminAccountsController,
                LedgerAdminController,
                AdjustmentAdminController,
                VoucherProductController,
                VoucherAdminController,
                ContestController,
                ContestAdminController,
                MarketController,
                StandingsController,
                StandingsAdminController,
                PostController,
                MyReportsController,
                ModerationController,
                ModerationRulesController,
                InboxController,
                SegmentController,
                CampaignController,
                OutcomeMeasureController,
                SurveyController,
            ],
        ),
        Router(
            "/",
            security=[{PARTNER_KEY: []}],
            route_handlers=[
                PartnerVoucherController,
                PartnerQuoteController,
                PartnerClientController,
            ],
        ),
        console_router(),  # HTML for staff, with its own cookie session: not in the schema
    ]
