"""The seed loader of the reward rule table (`seed/rewards.yaml`)."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import SystemClock
from gamification.rewards.catalogue import any_rule_exists, read_rule_file, save_rules

RULES_FILE = "rewards.yaml"


async def reward_rules_loaded(db: AsyncSession) -> bool:
    return await any_rule_exists(db)


async def load_reward_rules(db: AsyncSession, seed_dir: Path) -> str:
    """Insert or update every rule of the file (rules missing from the file are kept)."""
    rules = read_rule_file(seed_dir / RULES_FILE)
    changed = await save_rules(db, rules, now=SystemClock().now())
    return f"{len(rules)} reward rules: {changed} added or changed"
