"""`investquest partners`: broker systems that call the partner API, and their keys."""

from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.partners import (
    PartnerKeys,
    create_partner,
    list_partners,
    revoke_partner,
    rotate_partner_key,
)
from api.cli.runtime import record_cli_audit, run_with_db, settings_or_exit
from core.clock import SystemClock


@click.group()
def partners() -> None:
    """Broker systems that call the partner API."""


async def _audit(
    db: AsyncSession, clock: SystemClock, action: str, name: str, **summary: Any
) -> None:
    await record_cli_audit(
        db, clock, action=action, object_type="partner", object_id=name, summary=summary
    )


@partners.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create a partner and print its key (shown once; only its hash is stored)."""

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
        async with sessionmaker.begin() as db:
            clock = SystemClock()
            _, key = await create_partner(db, clock, name=name)
            await _audit(db, clock, "partner.create", name, key_prefix=key.split("_")[1])
        return key

    key = run_with_db(run, migrate=True)
    click.echo(f"partner {name} created. Its key, shown only this once:\n{key}")


@partners.command("rotate")
@click.argument("name")
def rotate(name: str) -> None:
    """Issue a new key for a partner and print it (shown once); its other keys keep working
    for PARTNER_KEY_OVERLAP_HOURS, then expire. Owner references do not change."""
    settings = settings_or_exit()
    overlap = timedelta(hours=settings.partner_key_overlap_hours)

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[str, datetime]:
        async with sessionmaker.begin() as db:
            clock = SystemClock()
            rotated = await rotate_partner_key(db, clock, name=name, overlap=overlap)
            key, old_keys_end = rotated
            await _audit(
                db,
                clock,
                "partner.rotate",
                name,
                key_prefix=key.split("_")[1],
                old_keys_end=old_keys_end.isoformat(),
            )
        return rotated

    key, old_keys_end = run_with_db(run, settings=settings, migrate=True)
    click.echo(
        f"partner {name} has a new key; its older keys work until {_when(old_keys_end)}. "
        f"The new key, shown only this once:\n{key}"
    )


@partners.command("list")
def list_() -> None:
    """Every partner with its keys: prefix, created, expires and last used."""

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> list[PartnerKeys]:
        async with sessionmaker() as db:
            return await list_partners(db)

    for entry in run_with_db(run, migrate=True):
        partner = entry.partner
        state = f"revoked {_when(partner.revoked_at)}" if partner.revoked_at else "live"
        click.echo(f"{partner.name}  created {_when(partner.created_at)}  {state}")
        for key in entry.keys:
            click.echo(
                f"  key iqp_{key.key_prefix}_…  created {_when(key.created_at)}"
                f"  expires {_when(key.expires_at)}  last used {_when(key.last_used_at)}"
            )


@partners.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke a partner: all its keys stop working at once."""

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
        async with sessionmaker.begin() as db:
            clock = SystemClock()
            revoked = await revoke_partner(db, clock, name=name)
            if revoked:
                await _audit(db, clock, "partner.revoke", name)
        return revoked

    if not run_with_db(run):
        raise click.ClickException(f"no partner named {name!r} with a live key")
    click.echo(f"partner {name} is revoked: none of its keys works any more")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"
