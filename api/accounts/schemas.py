"""Request and response bodies of the accounts and profile routes."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

Email = Annotated[str, Meta(min_length=3, max_length=254)]
Password = Annotated[str, Meta(min_length=1, max_length=1024)]
DisplayName = Annotated[str, Meta(min_length=1, max_length=64)]
Locale = Literal["zh-CN", "en"]


class RegisterRequest(Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    display_name: DisplayName
    birthday: date | None = None
    locale: Locale = "zh-CN"


class LoginRequest(Struct):
    email: Email
    password: Password


class RefreshRequest(Struct):
    refresh_token: Annotated[str, Meta(min_length=1, max_length=256)]


class PasswordChangeRequest(Struct):
    current_password: Password
    new_password: Password


class ConsentOut(Struct):
    granted: bool
    decided_at: datetime


class ProfileOut(Struct):
    id: uuid.UUID
    email: str | None
    display_name: str | None
    birthday: date | None
    locale: str
    timezone: str
    roles: list[str]
    risk_profile: str | None
    lifecycle_stage: str
    created_at: datetime
    consents: dict[str, ConsentOut]
    public_boards: bool = True  # false: "anonymous" to others on contest leaderboards


class TokensOut(Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


class RegisterOut(Struct):
    user: ProfileOut
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


class ProfilePatch(Struct, forbid_unknown_fields=True):
    """Only these fields can be changed; anything else in the body is refused (422)."""

    display_name: DisplayName | None = None
    birthday: date | None = None
    locale: Locale | None = None
    timezone: Annotated[str, Meta(max_length=64)] | None = None
    consents: dict[str, bool] | None = None
    public_boards: bool | None = None


class RiskChoiceOut(Struct):
    id: str
    text: str


class RiskQuestionOut(Struct):
    id: str
    prompt: str
    choices: list[RiskChoiceOut]


class QuestionnaireOut(Struct):
    version: int
    questions: list[RiskQuestionOut]


class AssessmentRequest(Struct):
    answers: dict[str, str]


class AssessmentOut(Struct):
    risk_profile: str
    score: int
    assessed_at: datetime
    expires_at: datetime
