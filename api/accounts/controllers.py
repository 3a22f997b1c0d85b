"""Accounts routes: sign-up and login (public), the caller's profile, suitability, privacy."""

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts import sessions
from api.accounts.caller import Caller
from api.accounts.models import AuthSession, UserAccount
from api.accounts.profile import ProfileChanges, current_consents, lifecycle_stage, update_profile
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
from api.accounts.suitability import effective_risk_profile, load_questionnaire, record_assessment
from api.locale import content_locale
from api.openapi import BEARER, problem_responses
from api.privacy import erase_personal_data, export_personal_data
from api.problems import ProblemError, problem_response
from api.settings import Settings
from core.clock import Clock

# A stolen access token alone must not be enough to erase an account for good.
RECENT_LOGIN = timedelta(minutes=10)


def _tokens(pair: sessions.TokenPair) -> TokensOut:
    return TokensOut(pair.access_token, pair.refresh_token, pair.expires_in)


def _unauthorized(
    request: Request[Any, Any, Any], detail: str, *, code: str = "unauthorized"
) -> Response[Any]:
    """Returned, not raised: the request's transaction commits what the failure recorded
    (a login failure for throttling, a session revoked for refresh-token reuse)."""
    return problem_response(request, status=401, code=code, title="Unauthorized", detail=detail)


def _client_ip(request: Request[Any, Any, Any]) -> str:
    """The address sign-ups and logins are throttled by: the peer, or what a trusted proxy
    (`FORWARDED_ALLOW_IPS`) put in X-Forwarded-For."""
    return request.client.host if request.client else "unknown"


async def profile_out(db: AsyncSession, account: UserAccount, now: datetime) -> ProfileOut:
    consents = await current_consents(db, account.id)
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
    ) -> Response[Any]:
        pair = await sessions.login(
            db,
            settings,
            email=data.email,
            password=data.password,
            client_ip=_client_ip(request),
            now=clock.now(),
        )
        if pair is None:
            return _unauthorized(request, "The email or password is not correct.")
        return Response(_tokens(pair))

    @post(
        "/refresh",
        operation_id="refreshTokens",
        status_code=200,
        responses=problem_responses(400, 401, 422),
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        clock: NamedDependency[Clock],
        data: JSONBody[RefreshRequest],
    ) -> Response[Any]:
        pair = await sessions.refresh(db, settings, token=data.refresh_token, now=clock.now())
        if pair is None:
            # Whatever the reason (unknown, expired, spent, logged out), the app's next step is
            # the same: log in again.
            return _unauthorized(
                request,
                "The refresh token is invalid, expired or already used. Please log in again.",
                code="session-ended",
            )
        return Response(_tokens(pair))

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

    @get("", operation_id="getMe", responses=problem_responses(401))
    async def me(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
    ) -> ProfileOut:
        return await profile_out(db, caller.account, clock.now())

    @patch("", operation_id="updateMe", responses=problem_responses(400, 401, 422))
    async def update(
        self,
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
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[PasswordChangeRequest],
    ) -> Response[None]:
        changed = await sessions.change_password(
            db,
            caller.account,
            current=data.current_password,
            new=data.new_password,
            now=clock.now(),
        )
        if not changed:
            # Returned, not raised, so the failure recorded for throttling is committed. The
            # cast: Litestar allows a 204 route to return a Response only if typed Response[None].
            refusal = problem_response(
                request,
                status=422,
                code="validation-error",
                title="The request is not valid",
                detail="The current password is not correct.",
                errors=[{"field": "current_password", "message": "incorrect"}],
            )
            return cast("Response[None]", refusal)
        return Response(None, status_code=204)

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

    @get("/export", operation_id="exportMyData", responses=problem_responses(401))
    async def export(
        self, db: NamedDependency[AsyncSession], caller: NamedDependency[Caller]
    ) -> dict[str, Any]:
        return await export_personal_data(db, caller.user_id)

    @delete(
        "",
        operation_id="deleteMe",
        status_code=204,
        description="Irreversible, so it needs a login from the last "
        f"{RECENT_LOGIN.seconds // 60} minutes (403 `recent-login-required` otherwise). "
        "The last admin account cannot be deleted (409 `last-admin`).",
        responses=problem_responses(401, 403, 409),
    )
    async def erase(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
    ) -> None:
        now = clock.now()
        logged_in_at = await db.scalar(
            sa.select(col(AuthSession.created_at)).where(col(AuthSession.id) == caller.session_id)
        )
        if logged_in_at is None or now - logged_in_at > RECENT_LOGIN:
            raise ProblemError(
                403,
                "recent-login-required",
                "Deleting your account cannot be undone: log in again, then delete it.",
            )
        await erase_personal_data(db, caller.user_id, now)


class RiskQuestionnaireController(Controller):
    path = "/v1/risk-assessment"
    tags = ("accounts",)

    @get("", operation_id="getRiskQuestionnaire", responses=problem_responses(401))
    async def questionnaire(
        self, request: Request[Any, Any, Any], caller: NamedDependency[Caller]
    ) -> QuestionnaireOut:
        locale = content_locale(request, caller.locale)
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
