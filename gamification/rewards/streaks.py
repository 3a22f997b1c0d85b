"""Streak arithmetic on calendar days, free of the database and of clocks.

A day counts when the learner completes a lesson or a quiz, on the calendar of their own time
zone. Missing days break the streak unless freezes cover them: a freeze is earned at every
7th day of a run (at most 2 held) and spent automatically, one per missed day, when the
learner comes back. If the freezes held cannot cover every missed day the run ends and the
freezes are kept. A covered day keeps the streak alive but does not lengthen it.

Two extras: a vacation pause (1 to 14 days) whose days are neither missed nor counted (the
streak's last active day moves to the pause's last day, so the counting, done in SQL by
`reward_award`, needs to know nothing of pauses), and a repair, once a calendar month, of a
streak that broke at the start of today (the day after the last day the freezes could cover),
for points.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

MAX_FREEZES = 2
FREEZE_EVERY_DAYS = 7
MILESTONES = (3, 7, 30, 100)
MAX_PAUSE_DAYS = 14


@dataclass(frozen=True)
class Streak:
    current: int = 0
    longest: int = 0
    freezes: int = 0
    last_active_on: date | None = None
    run_started_on: date | None = None  # names the run: milestone rewards are once per run
    paused_from: date | None = None
    paused_until: date | None = None  # the last paused day
    repaired_on: date | None = None


@dataclass(frozen=True)
class StreakUpdate:
    streak: Streak
    counted: bool  # False when the day had already been counted
    milestones: tuple[int, ...]  # milestones reached by this day (at most one)
    freezes_used: int
    freezes_earned: int


@dataclass(frozen=True)
class StreakView:
    """The streak as the learner sees it today, before today's activity (if any)."""

    current: int
    longest: int
    freezes: int


def missed_days(last_active_on: date, today: date) -> int:
    """Whole days between the last active day and today, neither counted."""
    return max(0, (today - last_active_on).days - 1)


def record_active_day(streak: Streak, today: date) -> StreakUpdate:
    """Count `today` as active. A day already counted (or an earlier one, after the learner
    moved west across time zones) changes nothing."""
    last = streak.last_active_on
    if last is not None and today <= last:
        return StreakUpdate(streak, counted=False, milestones=(), freezes_used=0, freezes_earned=0)
    missed = missed_days(last, today) if last is not None else None
    if missed is None or missed > streak.freezes:
        current, started, freezes, used = 1, today, streak.freezes, 0
    else:
        current, used, freezes = streak.current + 1, missed, streak.freezes - missed
        started = streak.run_started_on or today
    earned = 1 if current % FREEZE_EVERY_DAYS == 0 and freezes < MAX_FREEZES else 0
    updated = replace(
        streak,
        current=current,
        longest=max(streak.longest, current),
        freezes=freezes + earned,
        last_active_on=today,
        run_started_on=started,
    )
    milestones = tuple(m for m in MILESTONES if m == current)
    return StreakUpdate(updated, True, milestones, freezes_used=used, freezes_earned=earned)


def streak_as_of(streak: Streak, today: date) -> StreakView:
    """What the learner has today: a run whose missed days the freezes can still cover is
    alive (and those freezes are spoken for); otherwise the current streak is 0."""
    last = streak.last_active_on
    if last is None:
        return StreakView(0, streak.longest, streak.freezes)
    missed = missed_days(last, today)
    if missed > streak.freezes:
        return StreakView(0, streak.longest, streak.freezes)
    return StreakView(streak.current, streak.longest, streak.freezes - missed)


class StreakRefusal(ValueError):
    """Why a streak cannot be repaired or paused: `not-broken`, `too-late`, `used-this-month`,
    `already-paused`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def repaired(streak: Streak, today: date) -> Streak:
    """The streak repaired today: the day that broke it (yesterday) covered, with the freezes
    it had. Only a run that broke at the start of today (within 24 hours) can be repaired, and
    once a calendar month."""
    last = streak.last_active_on
    if last is None or streak.current == 0:
        raise StreakRefusal("not-broken")
    missed = missed_days(last, today)
    if missed <= streak.freezes:
        raise StreakRefusal("not-broken")
    if missed > streak.freezes + 1:
        raise StreakRefusal("too-late")
    used = streak.repaired_on
    if used is not None and (used.year, used.month) == (today.year, today.month):
        raise StreakRefusal("used-this-month")
    return replace(streak, freezes=0, last_active_on=today - timedelta(days=1), repaired_on=today)


def paused(streak: Streak, today: date, days: int) -> Streak:
    """The streak paused from today for `days` days (1 to 14); not while a pause runs. A live
    streak counts the paused days as its last active days: none of them is missed, none
    lengthens it (activity in them counts no day), and the streak goes on after the pause. A
    broken or empty streak has nothing to keep: only the pause is recorded."""
    if not 1 <= days <= MAX_PAUSE_DAYS:
        raise ValueError(f"a pause is 1 to {MAX_PAUSE_DAYS} days")
    if streak.paused_until is not None and streak.paused_until >= today:
        raise StreakRefusal("already-paused")
    until = today + timedelta(days=days - 1)
    held = replace(streak, paused_from=today, paused_until=until)
    if streak_as_of(streak, today).current == 0 or streak.last_active_on is None:
        return held
    return replace(held, last_active_on=max(streak.last_active_on, until))
