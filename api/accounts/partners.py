"""Partner keys: shown once at creation, stored as a SHA-256, looked up by a short prefix."""

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import PartnerCaller
from api.accounts.models import Partner
from core.clock import Clock

PARTNER_KEY_HEADER = "X-Partner-Key"
KEY_PREFIX = "iqp"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_partner(db: AsyncSession, clock: Clock, *, name: str) -> tuple[Partner, str]:
    """Create a partner and return it with its key, which is never stored or shown again."""
    lookup = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"
    partner = Partner(name=name, key_prefix=lookup, key_hash=_hash(key), created_at=clock.now())
    db.add(partner)
    await db.flush()
    return partner, key


async def authenticate_partner(db: AsyncSession, key: str) -> PartnerCaller | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    partner = (
        await db.execute(
            sa.select(Partner).where(
                col(Partner.key_prefix) == parts[1], col(Partner.revoked_at).is_(None)
            )
        )
    ).scalar_one_or_none()
    if partner is None or not hmac.compare_digest(partner.key_hash, _hash(key)):
        return None
    return PartnerCaller(partner_id=partner.id, name=partner.name)


async def revoke_partner(db: AsyncSession, clock: Clock, *, name: str) -> bool:
    """Stop a partner's key working at once; False if there is no live partner of that name."""
    revoked = await db.scalar(
        sa.update(Partner)
        .where(col(Partner.name) == name, col(Partner.revoked_at).is_(None))
        .values(revoked_at=clock.now())
        .returning(col(Partner.id))
    )
    return revoked is not None
