"""The caller's own profile: reading it, the fields they may change, consents."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.display_names import clean_display_name, display_name_problem
from api.accounts.errors import InvalidProfile
from api.accounts.models import Consent, UserAccount

CONSENT_PURPOSES = ("marketing", "personalisation", "analytics")
LOCALES = ("zh-CN", "en")


@dataclass(frozen=True)
class ProfileChanges:
    display_name: str | None = None
    birthday: date | None = None
    locale: str | None = None
    timezone: str | None = None
    consents: dict[str, bool] | None = None
    public_boards: bool | None = None


def _current_consents_statement() -> sa.Select[Any]:
    """Built once, on the table (no ORM entities, so no ORM compile step): every `GET /v1/me`
    runs it."""
    consent: sa.Table = Consent.__table__  # type: ignore[attr-defined]
    return (
        sa.select(consent.c.purpose, consent.c.granted, consent.c.decided_at)
        .where(consent.c.user_id == sa.bindparam("user_id", type_=sa.Uuid()))
        .order_by(consent.c.purpose, consent.c.decided_at.desc(), consent.c.id.desc())
        .ext(distinct_on(consent.c.purpose))
    )


_CURRENT_CONSENTS = _current_consents_statement()


async def current_consents(db: AsyncSession, user_id: object) -> dict[str, tuple[bool, datetime]]:
    rows = await db.execute(_CURRENT_CONSENTS, {"user_id": user_id})
    return {purpose: (granted, at) for purpose, granted, at in rows.all()}


async def update_profile(
    db: AsyncSession, account: UserAccount, changes: ProfileChanges, *, now: datetime
) -> UserAccount:
    check_profile_changes(changes, today=now.date())
    values = {
        field: getattr(changes, field)
        for field in ("display_name", "birthday", "locale", "timezone", "public_boards")
        if getattr(changes, field) is not None
    }
    if "display_name" in values:
        values["display_name"] = clean_display_name(values["display_name"])
    if values:
        await db.execute(
            sa.update(UserAccount).where(col(UserAccount.id) == account.id).values(**values)
        )
    if changes.consents:
        existing = await current_consents(db, account.id)
        for purpose, granted in changes.consents.items():
            if purpose not in existing or existing[purpose][0] != granted:
                db.add(
                    Consent(user_id=account.id, purpose=purpose, granted=granted, decided_at=now)
                )
    await db.flush()
    refreshed = await db.get(UserAccount, account.id, populate_existing=True)
    assert refreshed is not None
    return refreshed


def check_profile_changes(changes: ProfileChanges, *, today: date) -> None:
    errors: list[tuple[str, str]] = []
    if changes.locale is not None and changes.locale not in LOCALES:
        errors.append(("locale", f"must be one of {', '.join(LOCALES)}"))
    if changes.timezone is not None and not _known_zone(changes.timezone):
        errors.append(("timezone", "unknown time zone"))
    if changes.birthday is not None and not date(1900, 1, 1) <= changes.birthday <= today:
        errors.append(("birthday", "must be a past date"))
    if changes.display_name is not None and (problem := display_name_problem(changes.display_name)):
        errors.append(("display_name", problem))
    for purpose in changes.consents or {}:
        if purpose not in CONSENT_PURPOSES:
            errors.append((f"consents.{purpose}", "unknown purpose"))
    if errors:
        raise InvalidProfile(tuple(errors))


def _known_zone(name: str) -> bool:
    """An IANA zone a person lives in ("Asia/Shanghai", "UTC"), not a file alias such as
    "localtime" or "Factory" that zoneinfo also opens."""
    return name in _LIVED_IN_ZONES


_LIVED_IN_ZONES = frozenset(zone for zone in available_timezones() if "/" in zone) | {"UTC"}
