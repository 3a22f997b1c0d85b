"""Who is calling: the authenticated user, as every controller sees it."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from api.accounts.models import UserAccount


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


@dataclass(frozen=True)
class PartnerCaller:
    """A broker system authenticated by its partner key."""

    partner_id: uuid.UUID
    name: str
    owner_secret: bytes = field(repr=False)  # keys the owner references this partner sees
