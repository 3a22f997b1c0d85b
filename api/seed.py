"""Loading the files under `seed/`: each domain contributes a loader, run in order.

`investquest seed load` runs every loader (each is idempotent: unchanged content changes
nothing). `serve` runs only the loaders whose content is absent, so it never overwrites what
editors and marketers changed after the first start.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.campaigns.seeding import load_seed_campaigns, seed_campaigns_loaded
from api.contests.contest_seed import load_seed_contests, seed_contests_loaded
from api.contests.market_seed import load_seed_instruments, seed_instruments_loaded
from api.learning.loading import load_seed_courses, seed_courses_loaded
from api.rewards.seeding import load_reward_rules, reward_rules_loaded
from api.vouchers.loading import load_seed_vouchers, seed_vouchers_loaded

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"


@dataclass(frozen=True)
class SeedLoader:
    name: str
    is_loaded: Callable[[AsyncSession], Awaitable[bool]]
    load: Callable[[AsyncSession, Path], Awaitable[str]]


def seed_loaders() -> list[SeedLoader]:
    return [
        SeedLoader("courses", seed_courses_loaded, load_seed_courses),
        SeedLoader("rewards", reward_rules_loaded, load_reward_rules),
        SeedLoader("vouchers", seed_vouchers_loaded, load_seed_vouchers),
        SeedLoader("instruments", seed_instruments_loaded, load_seed_instruments),
        SeedLoader("contests", seed_contests_loaded, load_seed_contests),
        SeedLoader("campaigns", seed_campaigns_loaded, load_seed_campaigns),
    ]


async def load_seed(
    sessionmaker: async_sessionmaker[AsyncSession], *, only_missing: bool = False
) -> list[str]:
    """Run the loaders, each in its own transaction; return one line per loader."""
    report = []
    for loader in seed_loaders():
        async with sessionmaker.begin() as db:
            if only_missing and await loader.is_loaded(db):
                report.append(f"{loader.name}: already loaded")
                continue
            report.append(f"{loader.name}: {await loader.load(db, SEED_DIR)}")
    return report


async def load_seed_if_empty(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    return await load_seed(sessionmaker, only_missing=True)
