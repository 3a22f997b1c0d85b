"""The engagement seed: `seed/badges.yaml`, `seed/quests.yaml` and `seed/leagues.yaml`, read and
checked together (a quest's badge must be in the badge catalogue). A problem in any of them
loads nothing: CatalogueError lists every problem of every file, with its path."""

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import SystemClock
from gamification.badges.catalogue import BADGES_FILE, BadgeSpec, read_badges, save_badges
from gamification.badges.models import Badge
from gamification.engagement.catalogue import CatalogueError
from gamification.leagues.tiers import LEAGUES_FILE, Tier, read_tiers, save_tiers
from gamification.quests.catalogue import QUESTS_FILE, Quest, read_quests, save_quests


async def engagement_loaded(db: AsyncSession) -> bool:
    return await db.scalar(sa.select(col(Badge.id)).limit(1)) is not None


def read_engagement(seed_dir: Path) -> tuple[list[BadgeSpec], list[Quest], list[Tier]]:
    problems: list[str] = []
    badges: list[BadgeSpec] | None = None
    quests: list[Quest] = []
    tiers: list[Tier] = []
    try:
        badges = read_badges(seed_dir / BADGES_FILE)
    except CatalogueError as exc:
        problems += exc.problems
    try:
        badge_ids = {badge.id for badge in badges} if badges is not None else None
        quests = read_quests(seed_dir / QUESTS_FILE, badge_ids=badge_ids)
    except CatalogueError as exc:
        problems += exc.problems
    try:
        tiers = read_tiers(seed_dir / LEAGUES_FILE)
    except CatalogueError as exc:
        problems += exc.problems
    if problems or badges is None:
        raise CatalogueError(problems)
    return badges, quests, tiers


async def load_engagement(db: AsyncSession, seed_dir: Path) -> str:
    badges, quests, tiers = read_engagement(seed_dir)
    now = SystemClock().now()
    await save_badges(db, badges, now=now)
    await save_quests(db, quests, now=now)
    await save_tiers(db, tiers, now=now)
    return f"{len(badges)} badges, {len(quests)} quests, {len(tiers)} league tiers"
