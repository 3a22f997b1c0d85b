"""Rewards errors, each with the stable code the API turns into a problem `type`."""

from core.errors import DomainError, ErrorKind


class StreakNotBroken(DomainError):
    """Nothing to repair: the streak is alive (freezes cover the missed days) or empty."""

    code = "streak-not-broken"
    kind = ErrorKind.CONFLICT


class StreakRepairTooLate(DomainError):
    code = "streak-repair-too-late"
    kind = ErrorKind.CONFLICT


class StreakRepairUsed(DomainError):
    code = "streak-repair-used"
    kind = ErrorKind.CONFLICT


class StreakAlreadyPaused(DomainError):
    code = "streak-already-paused"
    kind = ErrorKind.CONFLICT
