"""`investquest partners`: broker systems that call the partner API, and their keys."""

from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.partners import (
    PartnerKeys,
    create_partner,
    list_partners,
    revoke_partner,
    rotate_partner_key,
)
from api.cli.runtime import (
    database_url,
    open_database,
    record_cli_audit,
    run_command,
    settings_or_exit,
)
from api.migrations import upgrade
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
    settings = settings_or_exit()
    url = database_url(settings)
    upgrade(url)

    async def run() -> str:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
            clock = SystemClock()
            _, key = await create_partner(db, clock, name=name)
            await _audit(db, clock, "partner.create", name, key_prefix=key.split("_")[1])
        return key

    key = run_command(run())
    click.echo(f"partner {name} created. Its key, shown only this once:\n{key}")


@partners.command("rotate")
@click.argument("name")
def rotate(name: str) -> None:
    """Issue a new key for a partner and print it (shown once); its other keys keep working
    for PARTNER_KEY_OVERLAP_HOURS, then expire. Owner references do not change."""
    settings = settings_or_exit()
    url = database_url(settings)
    upgrade(url)
    overlap = timedelta(hours=settings.partner_key_overlap_hours)

    async def run() -> tuple[str, datetime]:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
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

    key, old_keys_end = run_command(run())
    click.echo(
        f"partner {name} has a new key; its older keys work until {_when(old_keys_end)}. "
        f"The new key, shown only this once:\n{key}"
    )


@partners.command("list")
def list_() -> None:
    """Every partner with its keys: prefix, created, expires and last used."""
    settings = settings_or_exit()
    url = database_url(settings)
    upgrade(url)

    async def run() -> list[PartnerKeys]:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker() as db:
            return await list_partners(db)

    for entry in run_command(run()):
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
    settings = settings_or_exit()
    url = database_url(settings)

    async def run() -> bool:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
            clock = SystemClock()
            revoked = await revoke_partner(db, clock, name=name)
            if revoked:
                await _audit(db, clock, "partner.revoke", name)
        return revoked

    if not run_command(run()):
        raise click.ClickException(f"no partner named {name!r} with a live key")
    click.echo(f"partner {name} is revoked: none of its keys works any more")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"
