"""Changing a user's roles, and the rule that keeps the service administrable: there is always
at least one live admin. Used by the admin route, the CLI and account erasure."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Role
from api.accounts.models import UserAccount
from api.accounts.sessions import login_email
from core.errors import DomainError, ErrorKind


class LastAdmin(DomainError):
    code = "last-admin"
    kind = ErrorKind.CONFLICT


class SelfDemotion(DomainError):
    code = "self-demotion-forbidden"
    kind = ErrorKind.FORBIDDEN


class RolesUserNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "user-not-found"


class RolesEmailNotFound(RolesUserNotFound):
    message = "email-not-found"


@dataclass(frozen=True)
class RoleChange:
    user_id: uuid.UUID
    before: list[str]
    after: list[str]


async def ensure_admin_remains(db: AsyncSession, *, leaving: uuid.UUID) -> None:
    """Refuse if `leaving` is the only live admin. Every admin row is locked (in id order) until
    the transaction ends, so two admins demoting or deleting each other at once are serialised:
    the second one finds the first change made, and one admin is always left."""
    admins = (
        await db.scalars(
            sa.select(col(UserAccount.id))
            .where(
                sa.literal(Role.ADMIN.value) == sa.any_(col(UserAccount.roles)),
                col(UserAccount.deleted_at).is_(None),
            )
            .order_by(col(UserAccount.id))
            .with_for_update()
        )
    ).all()
    if admins == [leaving]:
        raise LastAdmin()


async def set_user_roles(
    db: AsyncSession, user_id: uuid.UUID, roles: Iterable[str], *, by: uuid.UUID | None = None
) -> RoleChange:
    """Give a live user exactly `roles` (plus learner). `by` is the admin doing it, if any: an
    admin cannot take their own admin role away."""
    after = sorted({Role.LEARNER.value, *roles})
    if Role.ADMIN.value not in after:
        if by == user_id:
            raise SelfDemotion()
        await ensure_admin_remains(db, leaving=user_id)  # before the user's own row lock
    before = await db.scalar(
        sa.select(col(UserAccount.roles))
        .where(col(UserAccount.id) == user_id, col(UserAccount.deleted_at).is_(None))
        .with_for_update()
    )
    if before is None:
        raise RolesUserNotFound()
    await db.execute(
        sa.update(UserAccount).where(col(UserAccount.id) == user_id).values(roles=after)
    )
    return RoleChange(user_id, sorted(before), after)


async def live_user_id(db: AsyncSession, email: str) -> uuid.UUID:
    """The live account with this email (as sign-up stores it)."""
    user_id = await db.scalar(
        sa.select(col(UserAccount.id)).where(
            col(UserAccount.email) == login_email(email), col(UserAccount.deleted_at).is_(None)
        )
    )
    if user_id is None:
        raise RolesEmailNotFound(email=email)
    return user_id
