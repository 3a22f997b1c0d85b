"""Which quests a learner has in a period: drawn from the pool by a hash of the learner, the
period and the template, so every replica and every request draws the same. Pure."""

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from gamification.quests.catalogue import DAILY, DAILY_QUESTS, MONTHLY, WEEKLY, Quest


@dataclass(frozen=True)
class Periods:
    """The learner's day, week (from Monday) and month (from the 1st), on their calendar."""

    day: date

    @property
    def week_start(self) -> date:
        return self.day - timedelta(days=self.day.weekday())

    @property
    def month_start(self) -> date:
        return self.day.replace(day=1)

    def start_of(self, cadence: str) -> date:
        return {DAILY: self.day, WEEKLY: self.week_start, MONTHLY: self.month_start}[cadence]


@dataclass(frozen=True)
class Drawn:
    daily: tuple[Quest, ...]
    weekly: Quest | None
    monthly: Quest | None

    @property
    def all(self) -> list[Quest]:
        return [*self.daily, *(q for q in (self.weekly, self.monthly) if q is not None)]


def _order(seed: str, quest: Quest) -> tuple[bytes, str]:
    return hashlib.sha256(f"{seed}:{quest.id}".encode()).digest(), quest.id


def draw(pool: Sequence[Quest], user_id: uuid.UUID, periods: Periods) -> Drawn:
    daily = sorted(
        (q for q in pool if q.cadence == DAILY),
        key=lambda q: _order(f"{periods.day}:{user_id}", q),
    )[:DAILY_QUESTS]
    weekly = sorted(
        (q for q in pool if q.cadence == WEEKLY),
        key=lambda q: _order(f"{periods.week_start}:{user_id}", q),
    )
    return Drawn(tuple(daily), weekly[0] if weekly else None, month_challenge(pool, periods))


def month_challenge(pool: Sequence[Quest], periods: Periods) -> Quest | None:
    """The month's themed challenge, the same for everyone: one naming this month, else one
    naming no month."""
    monthly = [q for q in pool if q.cadence == MONTHLY]
    month = periods.month_start.month
    themed = [q for q in monthly if q.months and month in q.months]
    candidates = themed or [q for q in monthly if not q.months]
    ordered = sorted(candidates, key=lambda q: _order(str(periods.month_start), q))
    return ordered[0] if ordered else None
