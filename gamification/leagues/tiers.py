"""League tiers as data (`seed/leagues.yaml`): names, how many go up and down, leaders' prizes.
Parsing is pure; a file with any problem loads nothing."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.engagement.catalogue import (
    Problems,
    check_fields,
    check_id,
    check_text,
    check_whole,
    entries,
    read_yaml,
)
from gamification.leagues.models import LeagueTier

LEAGUES_FILE = "leagues.yaml"
COHORT_SIZE = 30  # the most learners in one cohort
MAX_TIERS = 20  # one place sequence per tier position (league_place_0 ... _19, migration 0024)
_FIELDS = {"id", "name", "promote", "demote", "prizes"}


@dataclass(frozen=True)
class Tier:
    position: int  # 0 is the lowest
    id: str
    name: Mapping[str, str]
    promote: int  # how many at the top go up (none from the highest tier)
    demote: int  # how many at the bottom go down (none from the lowest tier)
    prizes: tuple[int, ...]  # points for the 1st, 2nd, ... of a cohort


def parse_tiers(document: Any, *, file_name: str) -> list[Tier]:
    problems = Problems(file_name)
    tiers, seen = [], set[str]()
    for index, entry in enumerate(entries(document, "tiers", problems)):
        path = f"tiers[{index}]"
        if not isinstance(entry, Mapping):
            problems.add(path, "must be a mapping")
            continue
        before = len(problems.found)
        check_fields(entry, path, problems, required=_FIELDS, known=_FIELDS)
        check_id(entry.get("id"), f"{path}.id", problems, seen)
        check_text(entry.get("name"), f"{path}.name", problems, max_length=40)
        for name in ("promote", "demote"):
            check_whole(entry.get(name), f"{path}.{name}", problems, low=0, high=COHORT_SIZE // 2)
        prizes = entry.get("prizes")
        if not isinstance(prizes, list) or len(prizes) > 10:
            problems.add(f"{path}.prizes", "must be a list of at most 10 amounts")
        else:
            for rank, prize in enumerate(prizes):
                check_whole(prize, f"{path}.prizes[{rank}]", problems, low=0, high=100_000)
        if len(problems.found) == before:
            tiers.append(
                Tier(
                    index,
                    entry["id"],
                    dict(entry["name"]),
                    entry["promote"],
                    entry["demote"],
                    tuple(entry["prizes"]),
                )
            )
    if len(tiers) > MAX_TIERS:
        problems.add("tiers", f"at most {MAX_TIERS} tiers")
    problems.raise_any()
    return tiers


def read_tiers(path: Path) -> list[Tier]:
    return parse_tiers(read_yaml(path), file_name=path.name)


def promotion_zone(tier: Tier, tiers: int) -> int:
    return 0 if tier.position >= tiers - 1 else tier.promote


def demotion_zone(tier: Tier, cohort_size: int) -> int:
    """The bottom places that go down: none from the lowest tier, and never a place that
    the promotion zone holds."""
    if tier.position == 0:
        return 0
    return max(0, min(tier.demote, cohort_size - tier.promote))


async def save_tiers(db: AsyncSession, tiers: Sequence[Tier], *, now: datetime) -> int:
    """Replace the tiers by the file's (positions beyond the file's last are removed)."""
    for tier in tiers:
        values = {
            "position": tier.position,
            "id": tier.id,
            "name": dict(tier.name),
            "promote": tier.promote,
            "demote": tier.demote,
            "prizes": list(tier.prizes),
            "updated_at": now,
        }
        upsert = insert(LeagueTier).values(**values)
        await db.execute(upsert.on_conflict_do_update(index_elements=["position"], set_=values))
    await db.execute(sa.delete(LeagueTier).where(col(LeagueTier.position) >= len(tiers)))
    return len(tiers)
