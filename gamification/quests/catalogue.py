"""The quest pool as data: parsing and checking `seed/quests.yaml` (pure), and saving it.

A template counts one engagement counter kind over its period (a day, a week, a month). The
validator refuses trading counts: quests reward learning and thoughtful practice, never
volume, so `practice_order` quests ask for exactly one order and trade counts are no kind.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.engagement.catalogue import (
    Problems,
    check_fields,
    check_id,
    check_text,
    check_whole,
    entries,
    read_yaml,
)
from gamification.engagement.kinds import (
    COUNTER_KINDS,
    MAXIMUM_KINDS,
    PRACTICE_ORDER,
    TRADING_COUNT_KINDS,
)
from gamification.quests.models import QuestTemplate

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
CADENCES = (DAILY, WEEKLY, MONTHLY)
DAILY_QUESTS = 3  # drawn per learner and day
QUESTS_FILE = "quests.yaml"
_FIELDS = {"id", "cadence", "kind", "target", "points", "xp", "title", "months", "badge"}
_REQUIRED = {"id", "cadence", "kind", "target", "points", "xp", "title"}


@dataclass(frozen=True)
class Quest:
    id: str
    cadence: str
    kind: str
    target: int
    points: int
    xp: int
    title: Mapping[str, str]
    months: tuple[int, ...] | None = None
    badge_id: str | None = None


def parse_quests(document: Any, *, file_name: str, badge_ids: set[str] | None) -> list[Quest]:
    """Every template, checked as a whole: CatalogueError lists each problem with its path.
    A monthly challenge's badge is checked against `badge_ids` (None: the badge catalogue is
    itself broken, so that check is left to its own problems)."""
    problems = Problems(file_name)
    quests, seen = [], set[str]()
    for index, entry in enumerate(entries(document, "quests", problems)):
        path = f"quests[{index}]"
        if not isinstance(entry, Mapping):
            problems.add(path, "must be a mapping")
            continue
        before = len(problems.found)
        _check_quest(entry, path, problems, seen, badge_ids)
        if len(problems.found) == before:
            quests.append(_quest(entry))
    if not problems.found:
        for cadence, least in ((DAILY, DAILY_QUESTS), (WEEKLY, 1), (MONTHLY, 1)):
            if sum(quest.cadence == cadence for quest in quests) < least:
                problems.add("quests", f"needs at least {least} {cadence} quest(s)")
    problems.raise_any()
    return quests


def _check_quest(
    entry: Mapping[str, Any],
    path: str,
    problems: Problems,
    seen: set[str],
    badge_ids: set[str] | None,
) -> None:
    check_fields(entry, path, problems, required=_REQUIRED, known=_FIELDS)
    check_id(entry.get("id"), f"{path}.id", problems, seen)
    cadence, kind = entry.get("cadence"), entry.get("kind")
    if cadence not in CADENCES:
        problems.add(f"{path}.cadence", f"must be one of {', '.join(CADENCES)}")
    if kind in TRADING_COUNT_KINDS:
        problems.add(f"{path}.kind", "quests never reward a count of trades or orders")
    elif kind not in COUNTER_KINDS or kind in MAXIMUM_KINDS:
        problems.add(f"{path}.kind", f"unknown kind {kind!r}")
    check_whole(entry.get("target"), f"{path}.target", problems, low=1, high=100)
    if kind == PRACTICE_ORDER and entry.get("target") != 1:
        problems.add(f"{path}.target", "a practice order quest asks for one order, never volume")
    for name in ("points", "xp"):
        check_whole(entry.get(name), f"{path}.{name}", problems, low=0, high=10_000)
    check_text(entry.get("title"), f"{path}.title", problems, max_length=80)
    _check_monthly(entry, path, problems, badge_ids)


def _check_monthly(
    entry: Mapping[str, Any], path: str, problems: Problems, badge_ids: set[str] | None
) -> None:
    monthly = entry.get("cadence") == MONTHLY
    for name in ("months", "badge"):
        if name in entry and not monthly:
            problems.add(f"{path}.{name}", "only a monthly challenge has it")
    months = entry.get("months")
    if months is not None and (
        not isinstance(months, list)
        or not months
        or any(isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12 for m in months)
    ):
        problems.add(f"{path}.months", "must be a list of months 1 to 12")
    badge = entry.get("badge")
    if monthly and badge_ids is not None and badge not in badge_ids:
        problems.add(f"{path}.badge", f"names no badge of the badge catalogue: {badge!r}")


def _quest(entry: Mapping[str, Any]) -> Quest:
    months = entry.get("months")
    return Quest(
        id=entry["id"],
        cadence=entry["cadence"],
        kind=entry["kind"],
        target=entry["target"],
        points=entry["points"],
        xp=entry["xp"],
        title=dict(entry["title"]),
        months=tuple(sorted(set(months))) if months else None,
        badge_id=entry.get("badge"),
    )


def read_quests(path: Path, *, badge_ids: set[str] | None) -> list[Quest]:
    return parse_quests(read_yaml(path), file_name=path.name, badge_ids=badge_ids)


async def save_quests(db: AsyncSession, quests: Sequence[Quest], *, now: datetime) -> int:
    """Insert or update every template; templates no longer in the file are disabled."""
    for quest in quests:
        values = {
            **{k: v for k, v in asdict(quest).items() if k not in ("months", "title")},
            "title": dict(quest.title),
            "months": list(quest.months) if quest.months else None,
            "enabled": True,
            "updated_at": now,
        }
        upsert = insert(QuestTemplate).values(**values)
        await db.execute(upsert.on_conflict_do_update(index_elements=["id"], set_=values))
    kept = [quest.id for quest in quests]
    await db.execute(
        QuestTemplate.__table__.update()  # type: ignore[attr-defined]
        .where(QuestTemplate.__table__.c.id.not_in(kept))  # type: ignore[attr-defined]
        .values(enabled=False, updated_at=now)
    )
    return len(quests)
