"""Reward rules, evaluated without the database: what an event is worth, and under which
ledger key it is paid.

Amounts come from the rule table only, never from a client. A campaign multiplier (a later
issue) scales the points of a rule for some learners inside a time window; it is passed in as
a plain callable, so this module stays pure. The caps are applied afterwards, in the database
(`caps.py`), and have the last word: an award that would cross a cap is reduced to what is
left under it.
"""

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from courses.events import CourseCompleted, LearningEvent, LessonCompleted, QuizPassed, QuizPerfect

LESSON_COMPLETED = "lesson_completed"
QUIZ_PASSED = "quiz_passed"
QUIZ_PERFECT = "quiz_perfect"
COURSE_COMPLETED = "course_completed"
CONTEST_PLACEMENT = "contest_placement"
POST_PUBLISHED = "post_published"
STREAK_PREFIX = "streak_"

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_AMOUNT = 1_000_000


@dataclass(frozen=True)
class Rule:
    kind: str
    points: int
    xp: int
    once_per_reference: bool = True
    daily_cap: int | None = None  # points per learner per local day from this rule
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True)
class RewardEvent:
    """Something other than learning that a rule may pay for (a contest placement, an
    approved post): the later domains hand these in like the learning events."""

    kind: str
    user_id: uuid.UUID
    reference: str  # what it is about, e.g. `contest:{id}` or `post:{id}`
    occurred_at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.user_id}:{self.reference}"


@dataclass(frozen=True)
class Occurrence:
    """One payable occurrence of a rule's event."""

    kind: str  # the rule kind
    reference: str  # the ledger transaction's reference
    key: str  # names the event once per learner and reference (the idempotency key)
    instance: str  # names this very occurrence, for rules that pay more than once
    details: Mapping[str, Any]


class CampaignMultiplier(Protocol):
    """The points multiplier in force for a rule kind, a learner and a moment (1 outside any
    campaign). XP is never multiplied: it measures learning, and leagues compare it."""

    def __call__(self, kind: str, user_id: uuid.UUID, at: datetime) -> Decimal: ...


def no_campaign(kind: str, user_id: uuid.UUID, at: datetime) -> Decimal:
    return Decimal(1)


class MultiplierSource(Protocol):
    """Where the rewards engine looks up a learner's campaign multipliers, at each award, in
    the award's transaction (the campaigns area provides it; the api layer plugs it in)."""

    async def __call__(
        self, db: AsyncSession, user_id: uuid.UUID, now: datetime
    ) -> CampaignMultiplier: ...


async def no_campaigns(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> CampaignMultiplier:
    return no_campaign


def occurrence_of(event: LearningEvent | RewardEvent) -> Occurrence:
    """Which rule an event falls under; its key is the event's own key, so a replayed event
    maps to the same ledger transaction and earns nothing more."""
    at = event.occurred_at.isoformat()
    match event:
        case LessonCompleted():
            details = {"course": event.course_slug, "lesson": event.lesson_slug}
            return Occurrence(LESSON_COMPLETED, f"lesson:{event.lesson_id}", event.key, at, details)
        case QuizPassed() | QuizPerfect():
            kind = QUIZ_PASSED if isinstance(event, QuizPassed) else QUIZ_PERFECT
            details = {"course": event.course_slug, "lesson_id": str(event.lesson_id)}
            return Occurrence(
                kind, f"lesson:{event.lesson_id}", event.key, str(event.attempt_id), details
            )
        case CourseCompleted():
            details = {"course": event.course_slug}
            return Occurrence(COURSE_COMPLETED, f"course:{event.course_id}", event.key, at, details)
        case RewardEvent():
            return Occurrence(event.kind, event.reference, event.key, at, dict(event.details))
    raise TypeError(f"not a reward event: {event!r}")


def streak_occurrence(user_id: uuid.UUID, days: int, run_started_on: str) -> Occurrence:
    """A streak milestone, paid once per run (a run is named by its first day)."""
    return Occurrence(
        kind=f"{STREAK_PREFIX}{days}",
        reference=f"streak:{run_started_on}",
        key=f"streak:{user_id}:{run_started_on}:{days}",
        instance=run_started_on,
        details={"days": days},
    )


def ledger_key(rule: Rule, occurrence: Occurrence) -> str:
    """Once-per-reference rules pay once per event key; the others once per occurrence."""
    if rule.once_per_reference:
        return occurrence.key
    return f"{occurrence.key}:{occurrence.instance}"


def multiplied_points(points: int, multiplier: Decimal) -> int:
    """Rule points times the campaign multiplier, rounded down, never negative."""
    if multiplier <= 0:
        return 0
    return int((Decimal(points) * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def grant_under_cap(used: int, wanted: int, cap: int) -> int:
    """What is left to grant of `wanted` when `used` of `cap` is gone. The database does the
    same sum in one conditional upsert (caps.py); this is its specification."""
    return max(0, min(wanted, cap - used))


class RuleTableError(ValueError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def parse_rule_table(document: Any) -> list[Rule]:
    """`{rules: {kind: {points, xp, once_per_reference?, daily_cap?, enabled?, description?}}}`
    checked as a whole: RuleTableError lists every problem."""
    if not isinstance(document, Mapping) or not isinstance(document.get("rules"), Mapping):
        raise RuleTableError(["the file needs a `rules:` mapping of kind to rule"])
    rules, problems = [], []
    for kind, spec in document["rules"].items():
        found = _rule_problems(kind, spec)
        if found:
            problems += [f"rules.{kind}: {problem}" for problem in found]
            continue
        rules.append(
            Rule(
                kind=kind,
                points=spec["points"],
                xp=spec["xp"],
                once_per_reference=spec.get("once_per_reference", True),
                daily_cap=spec.get("daily_cap"),
                enabled=spec.get("enabled", True),
                description=spec.get("description", ""),
            )
        )
    if problems:
        raise RuleTableError(problems)
    return rules


def _rule_problems(kind: Any, spec: Any) -> list[str]:
    if not isinstance(kind, str) or not KIND_PATTERN.match(kind):
        return ["a kind is lowercase letters, digits and underscores, at most 40"]
    if not isinstance(spec, Mapping):
        return ["must be a mapping"]
    problems = []
    unknown = set(spec) - {
        "points",
        "xp",
        "once_per_reference",
        "daily_cap",
        "enabled",
        "description",
    }
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    for name in ("points", "xp"):
        if not _amount(spec.get(name)):
            problems.append(f"{name} must be a whole number from 0 to {MAX_AMOUNT}")
    if spec.get("daily_cap") is not None and not _amount(spec["daily_cap"]):
        problems.append(f"daily_cap must be empty or a whole number from 0 to {MAX_AMOUNT}")
    for name in ("once_per_reference", "enabled"):
        if not isinstance(spec.get(name, True), bool):
            problems.append(f"{name} must be true or false")
    description = spec.get("description", "")
    if not isinstance(description, str) or len(description) > 200:
        problems.append("description must be text of at most 200 characters")
    return problems


def _amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AMOUNT
