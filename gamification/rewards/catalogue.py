"""The rule table in the database, and loading it from `seed/rewards.yaml`."""

from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.rewards.models import RewardRule
from gamification.rewards.rules import Rule, RuleTableError, parse_rule_table

RULE_FIELDS = ("points", "xp", "once_per_reference", "daily_cap", "enabled", "description")


def read_rule_file(path: Path) -> list[Rule]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleTableError([f"{path.name}: not valid YAML: {exc}"]) from exc
    return parse_rule_table(document)


async def save_rules(db: AsyncSession, rules: Sequence[Rule], *, now: datetime) -> int:
    """Insert or update each rule; return how many rows changed (0 when all were equal)."""
    changed = 0
    for rule in rules:
        values = {name: getattr(rule, name) for name in RULE_FIELDS}
        upsert = insert(RewardRule).values(kind=rule.kind, updated_at=now, **values)
        statement = upsert.on_conflict_do_update(
            index_elements=["kind"],
            set_={**values, "updated_at": now},
            where=sa.or_(
                *(
                    col(getattr(RewardRule, name)).is_distinct_from(upsert.excluded[name])
                    for name in RULE_FIELDS
                )
            ),
        ).returning(col(RewardRule.kind))
        changed += (await db.execute(statement)).first() is not None
    return changed


async def any_rule_exists(db: AsyncSession) -> bool:
    return await db.scalar(sa.select(col(RewardRule.kind)).limit(1)) is not None


async def enabled_rule_kinds(db: AsyncSession, kinds: Collection[str]) -> set[str]:
    """Those of `kinds` that name an enabled rule."""
    rows = await db.scalars(
        sa.select(col(RewardRule.kind)).where(
            col(RewardRule.kind).in_(list(kinds)), col(RewardRule.enabled).is_(True)
        )
    )
    return set(rows)
