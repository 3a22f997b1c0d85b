"""The badge catalogue as data: parsing and checking `seed/badges.yaml` (pure), and saving it.

A badge's criterion is a counter the events keep reaching a target, over the learner's whole
history or over a window of their last N days; `monthly_challenge` badges are given by
completing the month's challenge quest that names them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.badges.models import Badge
from gamification.engagement.catalogue import (
    Problems,
    check_fields,
    check_id,
    check_text,
    check_whole,
    entries,
    read_yaml,
)
from gamification.engagement.kinds import COUNTER_KINDS, MAXIMUM_KINDS

BADGES_FILE = "badges.yaml"
MONTHLY_CHALLENGE = "monthly_challenge"
TIERS = ("bronze", "silver", "gold")
_FIELDS = {"id", "name", "description", "tier", "criterion"}
_CRITERION_FIELDS = {"counter", "target", "window_days"}


@dataclass(frozen=True)
class BadgeSpec:
    id: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    tier: str
    counter: str
    target: int
    window_days: int | None = None


def parse_badges(document: Any, *, file_name: str) -> list[BadgeSpec]:
    problems = Problems(file_name)
    badges, seen = [], set[str]()
    for index, entry in enumerate(entries(document, "badges", problems)):
        path = f"badges[{index}]"
        if not isinstance(entry, Mapping):
            problems.add(path, "must be a mapping")
            continue
        before = len(problems.found)
        check_fields(entry, path, problems, required=_FIELDS, known=_FIELDS)
        check_id(entry.get("id"), f"{path}.id", problems, seen)
        check_text(entry.get("name"), f"{path}.name", problems, max_length=40)
        check_text(entry.get("description"), f"{path}.description", problems, max_length=200)
        if entry.get("tier") not in TIERS:
            problems.add(f"{path}.tier", f"must be one of {', '.join(TIERS)}")
        _check_criterion(entry.get("criterion"), f"{path}.criterion", problems)
        if len(problems.found) == before:
            criterion = entry["criterion"]
            badges.append(
                BadgeSpec(
                    id=entry["id"],
                    name=dict(entry["name"]),
                    description=dict(entry["description"]),
                    tier=entry["tier"],
                    counter=criterion["counter"],
                    target=criterion.get("target", 1),
                    window_days=criterion.get("window_days"),
                )
            )
    problems.raise_any()
    return badges


def _check_criterion(criterion: Any, path: str, problems: Problems) -> None:
    if not isinstance(criterion, Mapping):
        problems.add(path, "must be a mapping with a counter and a target")
        return
    check_fields(criterion, path, problems, required={"counter"}, known=_CRITERION_FIELDS)
    counter = criterion.get("counter")
    if counter != MONTHLY_CHALLENGE and counter not in COUNTER_KINDS:
        problems.add(f"{path}.counter", f"unknown criterion {counter!r}")
    if counter == MONTHLY_CHALLENGE:
        if set(criterion) - {"counter"}:
            problems.add(path, "a monthly challenge badge has no target or window")
        return
    check_whole(criterion.get("target"), f"{path}.target", problems, low=1, high=100_000)
    window = criterion.get("window_days")
    if window is not None:
        check_whole(window, f"{path}.window_days", problems, low=1, high=366)
        if counter in MAXIMUM_KINDS:
            problems.add(f"{path}.window_days", f"{counter} is a record, not counted by day")


def read_badges(path: Path) -> list[BadgeSpec]:
    return parse_badges(read_yaml(path), file_name=path.name)


async def save_badges(db: AsyncSession, badges: Sequence[BadgeSpec], *, now: datetime) -> int:
    """Insert or update every badge; badges no longer in the file are disabled (awards stay)."""
    for position, badge in enumerate(badges):
        values = {
            "id": badge.id,
            "name": dict(badge.name),
            "description": dict(badge.description),
            "tier": badge.tier,
            "counter": badge.counter,
            "target": badge.target,
            "window_days": badge.window_days,
            "position": position,
            "enabled": True,
            "updated_at": now,
        }
        upsert = insert(Badge).values(**values)
        await db.execute(upsert.on_conflict_do_update(index_elements=["id"], set_=values))
    table = Badge.__table__  # type: ignore[attr-defined]
    await db.execute(
        table.update()
        .where(table.c.id.not_in([badge.id for badge in badges]))
        .values(enabled=False, updated_at=now)
    )
    return len(badges)
