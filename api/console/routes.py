"""The staff console under /console: HTML pages, not the JSON API (kept out of the OpenAPI
document), with its own cookie session, CSRF tokens and Content-Security-Policy."""

from pathlib import Path

from litestar import Router
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from api.console.audit_page import AuditPageController
from api.console.campaign_form_page import CampaignFormPageController
from api.console.campaigns_page import CampaignsPageController
from api.console.contests_page import ContestsPageController
from api.console.courses_page import CoursesPageController
from api.console.moderation_page import ModerationPageController
from api.console.outcomes_page import OutcomesPageController
from api.console.pages import domain_error_page, staff_only, to_sign_in
from api.console.segments_page import SegmentsPageController
from api.console.session import CONSOLE_PATH, SignInRequired, StaffOnly, provide_staff
from api.console.signing_in import SignInController
from api.console.vouchers_page import VouchersPageController
from core.errors import DomainError

HERE = Path(__file__).parent


def console_templates() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)


def console_router() -> Router:
    return Router(
        CONSOLE_PATH,
        include_in_schema=False,
        dependencies={"staff": Provide(provide_staff)},
        exception_handlers={
            SignInRequired: to_sign_in,
            StaffOnly: staff_only,
            DomainError: domain_error_page,
        },
        route_handlers=[
            SignInController,
            CoursesPageController,
            VouchersPageController,
            ContestsPageController,
            CampaignsPageController,
            CampaignFormPageController,
            SegmentsPageController,
            ModerationPageController,
            AuditPageController,
            OutcomesPageController,
            create_static_files_router(
                "/static", directories=[HERE / "static"], name="console-static"
            ),
        ],
    )
