"""Joining a contest: an entry with its own paper cash, counted against the contest's size."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.contests.definitions import get_contest
from gamification.contests.errors import (
    AlreadyJoined,
    ContestFull,
    NotJoined,
    RegistrationClosed,
)
from gamification.contests.models import Contest, ContestEntry

_JOIN = (
    insert(ContestEntry.__table__)  # type: ignore[attr-defined]
    .on_conflict_do_nothing(index_elements=["contest_id", "user_id"])
    .returning(col(ContestEntry.id))
)
_ENTRY_ID = sa.select(col(ContestEntry.id)).where(
    col(ContestEntry.contest_id) == sa.bindparam("contest_id"),
    col(ContestEntry.user_id) == sa.bindparam("user_id"),
)
# One more entrant, unless the contest is full: the counter row, never count(*).
_COUNT_ENTRANT = (
    sa.update(Contest)
    .where(
        col(Contest.id) == sa.bindparam("contest_id"),
        sa.or_(
            col(Contest.max_entrants).is_(None), col(Contest.entrants) < col(Contest.max_entrants)
        ),
    )
    .values(entrants=col(Contest.entrants) + 1)
    .returning(col(Contest.entrants))
)


async def entry_id_of(db: AsyncSession, contest_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID:
    """The caller's entry in the contest; 404 `not-joined` when there is none."""
    entry_id = await db.scalar(_ENTRY_ID, {"contest_id": contest_id, "user_id": user_id})
    if entry_id is None:
        raise NotJoined()
    return entry_id


def registration_problem(contest: Contest, now: datetime) -> str | None:
    """Why the contest cannot be joined now (a reason code the problem carries); None when it
    can."""
    if now >= contest.ends_at:
        return "finished"
    if now >= contest.registration_ends_at:
        return "registration-ended"
    if now >= contest.starts_at and not contest.late_entry:
        return "no-late-entry"
    return None


async def join_contest(
    db: AsyncSession, *, contest_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> ContestEntry:
    """409 `already-joined`, `contest-full` or `registration-closed`; nothing is written then."""
    contest = await get_contest(db, contest_id)
    problem = registration_problem(contest, now)
    if problem is not None:
        raise RegistrationClosed(reason=problem)
    entry = ContestEntry(
        id=new_id(),
        contest_id=contest.id,
        user_id=user_id,
        joined_at=now,
        starting_cash=contest.starting_cash,
        cash=contest.starting_cash,
    )
    if await db.scalar(_JOIN, entry.model_dump()) is None:
        raise AlreadyJoined()
    if await db.scalar(_COUNT_ENTRANT, {"contest_id": contest.id}) is None:
        raise ContestFull(max_entrants=contest.max_entrants)
    return entry


async def anonymise_entries(db: AsyncSession, *, user_id: uuid.UUID, now: datetime) -> None:
    """A deleted account's entries stay in the books (their cash, orders and fills balance) but
    leave the public boards; the entry row names the user only by the anonymous account id."""
    await db.execute(
        sa.update(ContestEntry)
        .where(col(ContestEntry.user_id) == user_id, col(ContestEntry.anonymised_at).is_(None))
        .values(anonymised_at=now)
    )


__all__ = ["anonymise_entries", "entry_id_of", "join_contest", "registration_problem"]
