"""A short-lived, per-process cache of the access-token check (session id -> caller), and of
each cached user's current consents (user id -> consents, what `GET /v1/me` shows).

A hit saves the one read of the session and its user that every authenticated request would
otherwise make, and `GET /v1/me` its read of the consents. Correctness rests on PostgreSQL:
triggers (migrations 0014 and 0042, the consents) NOTIFY the user's id
on CALLER_CHANGED whenever a session ends or an account changes, in the transaction that makes
the change, and every process LISTENs (`CallerChangeListener`). A notice forgets that user's
entries on every replica at once; SESSION_CACHE_SECONDS bounds what a lost notice could cost.
A change the caller makes through this process (`PATCH /v1/me`) also forgets them here when it
commits, so their next request on this replica reads it without waiting for the notice.

The cache trusts itself only while its LISTEN connection is up: until the listener has
connected, and from the moment it drops until it is back, every request is checked in the
database. A check that started before a notice arrived is not stored (the generation moved).
"""

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api.accounts.caller import Caller, caller_of
from api.accounts.models import UserAccount

CALLER_CHANGED = "investquest_caller_changed"
MAX_ENTRIES = 100_000  # about 100 MB at most; past it, expired entries go, then all


Consents = dict[str, tuple[bool, datetime]]  # purpose -> (granted, decided at)

# What the cache holds is made of values the cycle collector does not track (ints, strings,
# dates, None, and tuples and dicts of them, which it stops tracking once it has looked),
# keyed by the ids' integers: a full collection visits every tracked object of the process,
# and a caller kept as objects (the caller, its account, their dicts, ids and sets: ten
# tracked objects) made each pass cost about 40 ms at 15,000 cached sessions and 280 ms at
# 50,000, every request of the process waiting meanwhile. A hit builds its caller anew (a few
# microseconds).
_ACCOUNT_COLUMNS = tuple(UserAccount.__table__.columns.keys())  # type: ignore[attr-defined]
# (expires on the monotonic clock, the user's id, the account's columns in _ACCOUNT_COLUMNS'
# order with its id as an integer and its roles as a tuple): the caller is the account's
_Entry = tuple[float, int, tuple[Any, ...]]


def _kept(caller: Caller, expires: float) -> _Entry:
    columns = {column: getattr(caller.account, column) for column in _ACCOUNT_COLUMNS}
    columns["id"] = caller.account.id.int
    columns["roles"] = tuple(caller.account.roles)
    return expires, caller.user_id.int, tuple(columns.values())


def _rebuilt(entry: _Entry, session_id: uuid.UUID, now: datetime) -> Caller:
    columns = dict(zip(_ACCOUNT_COLUMNS, entry[2], strict=True))
    columns["id"] = uuid.UUID(int=columns["id"])
    columns["roles"] = list(columns["roles"])
    return caller_of(UserAccount.model_construct(**columns), session_id, now=now)


class SessionCache:
    def __init__(self, ttl_seconds: float, monotonic: Callable[[], float] = time.monotonic):
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[int, _Entry] = {}  # by session id
        self._sessions_of: dict[int, tuple[int, ...]] = {}  # user id -> session ids
        # user id -> (expires, the consents' items): a tuple holding a dict stays tracked
        self._consents: dict[int, tuple[float, tuple[tuple[str, tuple[bool, datetime]], ...]]] = {}
        self._trusted = False
        self.generation = 0  # moves on every notice: a check begun before it is not stored

    @property
    def trusted(self) -> bool:
        return self._trusted

    def caller(self, session_id: uuid.UUID, user_id: uuid.UUID, *, now: datetime) -> Caller | None:
        """The cached caller of a live session, its risk profile as of `now`; None on a miss."""
        entry = self._entries.get(session_id.int)
        if entry is None or not self._trusted or entry[1] != user_id.int:
            return None
        if entry[0] <= self._monotonic():
            self._forget_session(session_id.int)
            return None
        return _rebuilt(entry, session_id, now)

    async def caller_or_load(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        now: datetime,
        load: Callable[[], Awaitable[Caller | None]],
    ) -> Caller | None:
        """The cached caller, else `load()`'s (kept when live); None for an ended session."""
        cached = self.caller(session_id, user_id, now=now)
        if cached is not None:
            return cached
        generation = self.generation
        caller = await load()
        if caller is not None:
            self.store(caller, generation=generation)
        return caller

    def store(self, caller: Caller, *, generation: int) -> None:
        """Keep a caller checked in the database, unless a notice came since the check began."""
        if not self._trusted or generation != self.generation or self._ttl <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._make_room()
        session_id, user_id = caller.session_id.int, caller.user_id.int
        self._entries[session_id] = _kept(caller, self._monotonic() + self._ttl)
        sessions = self._sessions_of.get(user_id, ())
        if session_id not in sessions:
            self._sessions_of[user_id] = (*sessions, session_id)

    async def consents_or_load(
        self, user_id: uuid.UUID, *, load: Callable[[], Awaitable[Consents]]
    ) -> Consents:
        """The user's current consents: cached (while one of their sessions is), else `load()`'s,
        kept unless a notice came while it ran."""
        entry = self._consents.get(user_id.int)
        if entry is not None and self._trusted and entry[0] > self._monotonic():
            return dict(entry[1])
        generation = self.generation
        consents = await load()
        if self._trusted and generation == self.generation and user_id.int in self._sessions_of:
            self._consents[user_id.int] = (self._monotonic() + self._ttl, tuple(consents.items()))
        return consents

    def forget_user(self, user_id: uuid.UUID) -> None:
        self.generation += 1
        self._consents.pop(user_id.int, None)
        for session_id in self._sessions_of.pop(user_id.int, ()):
            self._entries.pop(session_id, None)

    def forget_user_on_commit(self, db: AsyncSession, user_id: uuid.UUID) -> None:
        """Forget the user in this process as soon as `db`'s transaction commits, so the next
        request here reads the change at once (the NOTIFY reaches the other replicas a moment
        later). Not before the commit: a request of the user's reading meanwhile would cache
        what the change is about to replace. A rollback leaves the cache alone."""

        def forget(_: Session) -> None:
            self.forget_user(user_id)

        event.listen(db.sync_session, "after_commit", forget)

    def forget_all(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._sessions_of.clear()
        self._consents.clear()

    def trust(self) -> None:
        """The listener is (back) up: notices missed while it was down are unknown, so start
        empty."""
        self.forget_all()
        self._trusted = True

    def distrust(self) -> None:
        self._trusted = False
        self.forget_all()

    def _forget_session(self, session_id: int) -> None:
        entry = self._entries.pop(session_id, None)
        if entry is not None:
            user_id = entry[1]
            sessions = tuple(s for s in self._sessions_of.get(user_id, ()) if s != session_id)
            if sessions:
                self._sessions_of[user_id] = sessions
            else:
                self._sessions_of.pop(user_id, None)
                self._consents.pop(user_id, None)

    def _make_room(self) -> None:
        now = self._monotonic()
        for session_id in [key for key, entry in self._entries.items() if entry[0] <= now]:
            self._forget_session(session_id)
        if len(self._entries) >= MAX_ENTRIES:
            self.forget_all()
