"""Who is calling: the authenticated user, as every controller sees it."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from api.accounts.models import UserAccount
from api.accounts.suitability import effective_risk_profile

NEW_MONTHS = 6
GROWING_MONTHS = 24


def lifecycle_stage(created_at: datetime, now: datetime) -> str:
    """`new` under 6 months, `growing` 6 to 24, `mature` over 24."""
    months = (now.year - created_at.year) * 12 + (now.month - created_at.month)
    if now.day < created_at.day:
        months -= 1
    if months < NEW_MONTHS:
        return "new"
    return "growing" if months <= GROWING_MONTHS else "mature"


class Role(StrEnum):
    LEARNER = "learner"
    EDITOR = "editor"
    MARKETER = "marketer"
    MODERATOR = "moderator"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """The user behind a request's access token, loaded fresh from the database each request."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    roles: frozenset[Role]
    locale: str  # zh-CN | en
    timezone: str  # IANA zone name
    risk_profile: str | None  # C1..C5, None until the suitability questionnaire is done
    created_at: datetime
    account: UserAccount  # the row as loaded for this request (read-only)

    def has_role(self, role: Role) -> bool:
        return role in self.roles or Role.ADMIN in self.roles


def caller_of(account: UserAccount, session_id: uuid.UUID, *, now: datetime) -> Caller:
    """The caller of a live session of this account, its risk profile as of `now`."""
    return Caller(
        user_id=account.id,
        session_id=session_id,
        roles=frozenset(Role(role) for role in account.roles),
        locale=account.locale,
        timezone=account.timezone,
        risk_profile=effective_risk_profile(account, now),
        created_at=account.created_at,
        account=account,
    )


@dataclass(frozen=True)
class PartnerCaller:
    """A broker system authenticated by its partner key."""

    partner_id: uuid.UUID
    name: str
    owner_secret: bytes = field(repr=False)  # keys the owner references this partner sees
