"""The campaign seed: `seed/campaigns.yaml`, templates created as drafts with their segments
(format explained in the file). Every problem is listed with its path, and then nothing is
created."""

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import SystemClock
from gamification.campaigns.definitions import CampaignDraft
from gamification.campaigns.errors import InvalidCampaign, InvalidSegment
from gamification.campaigns.models import Campaign
from gamification.campaigns.segments import create_segment
from gamification.campaigns.service import create_campaign
from gamification.contests.calendar import market_calendar
from gamification.vouchers.models import VoucherProduct

SEED_FILE = "campaigns.yaml"
FORMAT = 1


class CampaignSeedProblem(Exception):
    """The seed file is wrong; the message lists every problem with its path."""


def _moment(value: Any, zone: ZoneInfo, now: datetime) -> Any:
    """`{month_day, time}`: its next occurrence after `now` in `zone`; anything else as is."""
    if not isinstance(value, dict) or "month_day" not in value:
        return value
    month, day = (int(part) for part in str(value["month_day"]).split("-"))
    hour, minute = (int(part) for part in str(value.get("time", "00:00")).split(":"))
    local = now.astimezone(zone)
    for year in (local.year, local.year + 1):
        moment = datetime.combine(
            local.date().replace(year=year, month=month, day=day), time(hour, minute), zone
        )
        if moment > now:
            return moment
    raise ValueError(f"no next {value['month_day']}")


async def _action(
    db: AsyncSession, raw: dict[str, Any], zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    action = dict(raw)
    if "product_sku" in action:
        sku = action.pop("product_sku")
        product_id = await db.scalar(
            sa.select(col(VoucherProduct.id)).where(col(VoucherProduct.sku) == sku)
        )
        action["product_id"] = str(product_id) if product_id else f"no product {sku}"
    if "starts_at" in action:
        starts_at = _moment(action["starts_at"], zone, now)
        action["starts_at"] = starts_at
        if "days" in action:
            action["ends_at"] = starts_at + timedelta(days=int(action.pop("days")))
    return action


async def _draft(db: AsyncSession, spec: dict[str, Any], now: datetime) -> CampaignDraft:
    schedule = dict(spec["schedule"])
    zone = ZoneInfo(schedule["timezone"])
    segment = await create_segment(
        db,
        name=spec["segment"]["name"],
        filter_=spec["segment"]["filter"],
        created_by=None,
        now=now,
    )
    return CampaignDraft(
        name=spec["name"],
        segment_id=segment.id,
        action=await _action(db, spec["action"], zone, now),
        timezone=schedule["timezone"],
        at=_moment(schedule.get("at"), zone, now),
        cron=schedule.get("cron"),
        trigger=spec.get("trigger"),
        starts_at=_moment(spec.get("starts_at"), zone, now),
        ends_at=_moment(spec.get("ends_at"), zone, now),
        budget_points=spec.get("budget_points"),
        quiet_hours=spec.get("quiet_hours", True),
        draft=True,
    )


async def seed_campaigns_loaded(db: AsyncSession) -> bool:
    return bool(await db.scalar(sa.select(sa.exists().where(col(Campaign.created_by).is_(None)))))


async def load_seed_campaigns(db: AsyncSession, seed_dir: Path) -> str:
    """Create each template whose name no seed campaign has yet, as a draft."""
    path = seed_dir / SEED_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CampaignSeedProblem(f"{path}: expected `format: {FORMAT}` and a `campaigns` list")
    taken = set(
        await db.scalars(sa.select(col(Campaign.name)).where(col(Campaign.created_by).is_(None)))
    )
    now, calendar = SystemClock().now(), market_calendar()
    problems: list[str] = []
    created = 0
    for i, spec in enumerate(document["campaigns"]):
        if spec["name"] in taken:
            continue
        try:
            async with db.begin_nested():
                draft = await _draft(db, spec, now)
                await create_campaign(db, draft, created_by=None, now=now, calendar=calendar)
            created += 1
        except (InvalidCampaign, InvalidSegment) as exc:
            problems += [f"campaigns.{i}.{field}: {message}" for field, message in exc.errors or ()]
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"campaigns.{i}: {exc!r}")
    if problems:
        raise CampaignSeedProblem(f"{path}: " + "; ".join(problems))
    return (
        f"{created} campaign drafts created, {len(document['campaigns']) - created} already there"
    )
