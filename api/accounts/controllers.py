"""Accounts routes: sign-up and login (public), the caller's profile, suitability.

Export and erasure of the caller's data are in api/privacy.py (every area contributes)."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts import sessions
from api.accounts.caller import Caller, lifecycle_stage
from api.accounts.models import UserAccount
from api.accounts.profile import ProfileChanges, current_consents, update_profile
from api.accounts.schemas import (
    AssessmentOut,
    AssessmentRequest,
    ConsentOut,
    LoginRequest,
    PasswordChangeRequest,
    ProfileOut,
    ProfilePatch,
    QuestionnaireOut,
    RefreshRequest,
    RegisterOut,
    RegisterRequest,
    RiskChoiceOut,
    RiskQuestionOut,
    TokensOut,
)
from api.accounts.session_cache import Consents, SessionCache
from api.accounts.suitability import effective_risk_profile, load_questionnaire, record_assessment
from api.autocommit_routes import DRIVER_ONLY
from api.openapi import BEARER, problem_responses
from api.settings import Settings
from core.clock import Clock


def _tokens(pair: sessions.TokenPair) -> TokensOut:
    return TokensOut(pair.access_token, pair.refresh_token, pair.expires_in)


def _client_ip(request: Request[Any, Any, Any]) -> str:
    """The address sign-ups and logins are throttled by: the peer, or what a trusted proxy
    (`FORWARDED_ALLOW_IPS`) put in X-Forwarded-For."""
    return request.client.host if request.client else "unknown"


async def profile_out(db: AsyncSession, account: UserAccount, now: datetime) -> ProfileOut:
    return profile_of(account, await current_consents(db, account.id), now)


def profile_of(account: UserAccount, consents: Consents, now: datetime) -> ProfileOut:
    return ProfileOut(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        birthday=account.birthday,
        locale=account.locale,
        timezone=account.timezone,
        roles=sorted(account.roles),
        risk_profile=effective_risk_profile(account, now),
        lifecycle_stage=lifecycle_stage(account.created_at, now),
        created_at=account.created_at,
        consents={p: ConsentOut(granted, at) for p, (granted, at) in consents.items()},
        public_boards=account.public_boards,
    )


class AuthController(Controller):
    path = "/v1/auth"
    tags = ("accounts",)

    @post(
        "/register",
        operation_id="register",
        status_code=201,
        responses=problem_responses(400, 409, 422, 429),
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        clock: NamedDependency[Clock],
        data: JSONBody[RegisterRequest],
    ) -> RegisterOut:
        now = clock.now()
        pair = await sessions.register(
            db,
            settings,
            email=data.email,
            password=data.password,
            display_name=data.display_name,
            birthday=data.birthday,
            locale=data.locale,
            client_ip=_client_ip(request),
            now=now,
        )
        account = await db.get(UserAccount, pair.user_id)
        assert account is not None
        user = await profile_out(db, account, now)
        return RegisterOut(user, pair.access_token, pair.refresh_token, pair.expires_in)

    @post(
        "/login",
        operation_id="logIn",
        status_code=200,
        responses=problem_responses(400, 401, 422, 429),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        clock: NamedDependency[Clock],
        data: JSONBody[LoginRequest],
    ) -> TokensOut:
        pair = await sessions.login(
            db,
            settings,
            email=data.email,
            password=data.password,
            client_ip=_client_ip(request),
            now=clock.now(),
        )
        return _tokens(pair)

    @post(
        "/refresh",
        operation_id="refreshTokens",
        status_code=200,
        responses=problem_responses(400, 401, 422),
    )
    async def refresh(
        self,
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        clock: NamedDependency[Clock],
        data: JSONBody[RefreshRequest],
    ) -> TokensOut:
        pair = await sessions.refresh(db, settings, token=data.refresh_token, now=clock.now())
        return _tokens(pair)

    @post(
        "/logout",
        operation_id="logOut",
        status_code=204,
        responses=problem_responses(401),
        security=[{BEARER: []}],
    )
    async def logout(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
    ) -> None:
        await sessions.revoke_sessions(
            db, session_id=caller.session_id, now=clock.now(), reason="logout"
        )


class MeController(Controller):
    path = "/v1/me"
    tags = ("accounts",)

    @get("", operation_id="getMe", responses=problem_responses(401), opt=DRIVER_ONLY)
    async def me(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
    ) -> ProfileOut:
        # The consents are cached with the caller (and forgotten with them on any change), so
        # a cached caller's profile needs no round trip.
        cache: SessionCache = request.app.state.session_cache
        consents = await cache.consents_or_load(
            caller.user_id, load=lambda: current_consents(db, caller.user_id)
        )
        return profile_of(caller.account, consents, clock.now())

    @patch("", operation_id="updateMe", responses=problem_responses(400, 401, 422))
    async def update(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[ProfilePatch],
    ) -> ProfileOut:
        changes = ProfileChanges(
            display_name=data.display_name,
            birthday=data.birthday,
            locale=data.locale,
            timezone=data.timezone,
            consents=data.consents,
            public_boards=data.public_boards,
        )
        now = clock.now()
        # The cached caller and consents go when this commits: the caller's next GET /v1/me on
        # this replica shows the change at once, without waiting for the NOTIFY.
        cache: SessionCache = request.app.state.session_cache
        cache.forget_user_on_commit(db, caller.user_id)
        account = await update_profile(db, caller.account, changes, now=now)
        return await profile_out(db, account, now)

    @post(
        "/password",
        operation_id="changePassword",
        status_code=204,
        responses=problem_responses(400, 401, 422, 429),
    )
    async def change_password(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[PasswordChangeRequest],
    ) -> None:
        await sessions.change_password(
            db,
            caller.account,
            current=data.current_password,
            new=data.new_password,
            now=clock.now(),
        )

    @post(
        "/risk-assessment",
        operation_id="submitRiskAssessment",
        status_code=201,
        responses=problem_responses(400, 401, 422),
    )
    async def assess(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[AssessmentRequest],
    ) -> AssessmentOut:
        account = await db.get(UserAccount, caller.user_id)
        assert account is not None
        result = await record_assessment(db, account, data.answers, now=clock.now())
        return AssessmentOut(
            result.risk_profile, result.score, result.assessed_at, result.expires_at
        )


class RiskQuestionnaireController(Controller):
    path = "/v1/risk-assessment"
    tags = ("accounts",)

    @get("", operation_id="getRiskQuestionnaire", responses=problem_responses(400, 401, 422))
    async def questionnaire(
        self, caller: NamedDependency[Caller], locale: NamedDependency[str]
    ) -> QuestionnaireOut:
        questionnaire = load_questionnaire()
        return QuestionnaireOut(
            version=questionnaire.version,
            questions=[
                RiskQuestionOut(
                    id=q.id,
                    prompt=q.prompt[locale],
                    choices=[RiskChoiceOut(c.id, c.text[locale]) for c in q.choices],
                )
                for q in questionnaire.questions
            ],
        )
