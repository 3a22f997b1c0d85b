"""Partners and their keys. A key is shown once, stored as a SHA-256 and looked up by a short
prefix. A partner may hold several keys: rotating issues a new one and lets the others run on
for an overlap, so the broker can switch without downtime and keeps its identity."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import PartnerCaller
from api.accounts.models import Partner, PartnerKey
from core.clock import Clock
from core.errors import DomainError, ErrorKind
from core.ids import new_id

PARTNER_KEY_HEADER = "X-Partner-Key"
KEY_PREFIX = "iqp"
OWNER_SECRET_BYTES = 32
# A key's last use is written at most this often: authentication stays a read, nearly always.
LAST_USED_PRECISION = timedelta(minutes=1)


class PartnerNameTaken(DomainError):
    code = "partner-name-taken"
    kind = ErrorKind.CONFLICT


class PartnerNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "partner-not-found"


@dataclass(frozen=True)
class PartnerKeys:
    partner: Partner
    keys: list[PartnerKey]  # oldest first


# Generous: the references of every live user, computed and indexed in one statement.
OWNER_REFS_TIMEOUT = "30min"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_partner(db: AsyncSession, clock: Clock, *, name: str) -> tuple[Partner, str]:
    """Create a partner with its owner-reference secret and a first key, returned once.

    The insert's trigger (`partner_owner_refs`, migration 0027) writes every live user's owner
    reference for the partner in that one statement: minutes at a million users, far past the
    engine's statement_timeout (`DB_STATEMENT_TIMEOUT_MS`), so this transaction lifts it."""
    now = clock.now()
    await db.execute(sa.text(f"SET LOCAL statement_timeout = '{OWNER_REFS_TIMEOUT}'"))
    partner = (
        await db.execute(
            insert(Partner)
            .values(
                id=new_id(),
                name=name,
                owner_secret=secrets.token_bytes(OWNER_SECRET_BYTES),
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(Partner)
        )
    ).scalar_one_or_none()
    if partner is None:
        raise PartnerNameTaken(name=name)
    return partner, await _issue_key(db, partner.id, now)


async def rotate_partner_key(
    db: AsyncSession, clock: Clock, *, name: str, overlap: timedelta
) -> tuple[str, datetime]:
    """Issue a new key for a live partner; its other keys expire after `overlap` (or sooner,
    if they were due to). Returns the key and when the old ones stop working."""
    now = clock.now()
    partner_id = await db.scalar(
        sa.select(col(Partner.id))
        .where(col(Partner.name) == name, col(Partner.revoked_at).is_(None))
        .with_for_update()
    )
    if partner_id is None:
        raise PartnerNotFound(name=name)
    old_keys_end = now + overlap
    await db.execute(
        sa.update(PartnerKey)
        .where(
            col(PartnerKey.partner_id) == partner_id,
            sa.or_(col(PartnerKey.expires_at).is_(None), col(PartnerKey.expires_at) > old_keys_end),
        )
        .values(expires_at=old_keys_end)
    )
    return await _issue_key(db, partner_id, now), old_keys_end


async def _issue_key(db: AsyncSession, partner_id: uuid.UUID, now: datetime) -> str:
    lookup = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"
    db.add(
        PartnerKey(partner_id=partner_id, key_prefix=lookup, key_hash=_hash(key), created_at=now)
    )
    await db.flush()
    return key


async def authenticate_partner(
    db: AsyncSession, key: str, *, now: datetime
) -> PartnerCaller | None:
    """The partner behind a live, unexpired key, or None. Notes the key's use (to the minute)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    found = (
        await db.execute(
            sa.select(PartnerKey, Partner)
            .join(Partner, col(Partner.id) == col(PartnerKey.partner_id))
            .where(
                col(PartnerKey.key_prefix) == parts[1],
                col(Partner.revoked_at).is_(None),
                sa.or_(col(PartnerKey.expires_at).is_(None), col(PartnerKey.expires_at) > now),
            )
        )
    ).one_or_none()
    if found is None or not hmac.compare_digest(found[0].key_hash, _hash(key)):
        return None
    partner_key, partner = found
    if partner_key.last_used_at is None or now - partner_key.last_used_at >= LAST_USED_PRECISION:
        await _note_use(db, partner_key.id, now)
    return PartnerCaller(partner.id, partner.name, partner.owner_secret)


async def _note_use(db: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    # Conditional, so concurrent requests write it once; the others find it fresh.
    await db.execute(
        sa.update(PartnerKey)
        .where(
            col(PartnerKey.id) == key_id,
            sa.or_(
                col(PartnerKey.last_used_at).is_(None),
                col(PartnerKey.last_used_at) <= now - LAST_USED_PRECISION,
            ),
        )
        .values(last_used_at=now)
    )


async def revoke_partner(db: AsyncSession, clock: Clock, *, name: str) -> bool:
    """Stop all of a partner's keys at once; False if there is no live partner of that name."""
    revoked = await db.scalar(
        sa.update(Partner)
        .where(col(Partner.name) == name, col(Partner.revoked_at).is_(None))
        .values(revoked_at=clock.now())
        .returning(col(Partner.id))
    )
    return revoked is not None


async def list_partners(db: AsyncSession) -> list[PartnerKeys]:
    partners = (await db.scalars(sa.select(Partner).order_by(col(Partner.name)))).all()
    keys = (
        await db.scalars(
            sa.select(PartnerKey).order_by(col(PartnerKey.created_at), col(PartnerKey.id))
        )
    ).all()
    return [
        PartnerKeys(partner, [key for key in keys if key.partner_id == partner.id])
        for partner in partners
    ]


def owner_reference(owner_secret: bytes, user_id: uuid.UUID) -> str:
    """A stable pseudonym of a voucher's owner for one partner: the broker can tell two vouchers
    of one client apart from two clients', but learns nothing about the person, and two
    partners' references for one user do not match. It depends only on the partner's own
    secret, so it survives key rotation and a change of SECRET_KEY."""
    digest = hmac.new(owner_secret, f"voucher-owner:{user_id}".encode(), hashlib.sha256)
    return "usr_" + digest.hexdigest()[:32]
