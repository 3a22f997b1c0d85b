"""A Hypothesis state machine drives the real ledger (earn, spend, expire, reverse, replay,
move the clock) and compares it with a plain model after every step, with all invariants."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from api.accounts.models import UserAccount
from api.database import create_sessionmaker, run_in_own_loop
from gamification.ledger.errors import AlreadyReversed, InsufficientPoints
from gamification.ledger.expiry import expire_overdue_points
from gamification.ledger.models import TransactionKind
from gamification.ledger.operations import DEFAULT_LOT_DAYS, earn, reverse, spend
from gamification.ledger.queries import balances
from gamification.ledger.reconcile import check_ledger

pytestmark = pytest.mark.committing

T = TypeVar("T")


@dataclass
class Lot:
    remaining: int
    expires_at: datetime


@dataclass
class Posting:
    kind: str  # earn | spend
    points: int
    xp: int = 0
    reversed: bool = False


def run_with_db(
    url: str, work: Callable[[AsyncSession], Awaitable[T]], *, commit: bool = True
) -> T:
    """One unit of work in its own event loop and engine (Hypothesis steps are synchronous)."""

    async def go() -> T:
        engine = create_async_engine(url)
        try:
            sessionmaker = create_sessionmaker(engine)
            async with sessionmaker() as db:
                result = await work(db)
                if commit:
                    await db.commit()
                return result
        finally:
            await engine.dispose()

    return run_in_own_loop(go)


class LedgerMachine(RuleBasedStateMachine):
    url: str

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.user_id = uuid.uuid4()
        self.lots: list[Lot] = []
        self.xp = 0
        self.postings: dict[uuid.UUID, Posting] = {}
        self.used_keys: set[str] = set()
        account = UserAccount(id=self.user_id, email=f"{self.user_id}@example.com", password_hash="x",
                              password_changed_at=self.now, created_at=self.now)  # fmt: skip

        async def add_user(db: AsyncSession) -> None:
            db.add(account)

        run_with_db(self.url, add_user)

    @property
    def live(self) -> list[Lot]:
        return sorted(
            (lot for lot in self.lots if lot.remaining and lot.expires_at > self.now),
            key=lambda lot: lot.expires_at,
        )

    def take(self, points: int) -> None:
        for lot in self.live:
            taken = min(points, lot.remaining)
            lot.remaining -= taken
            points -= taken

    @rule(
        points=st.integers(1, 80),
        xp=st.integers(0, 20),
        days=st.integers(1, 60),
        key=st.integers(0, 30),
    )
    def earn_points(self, points: int, xp: int, days: int, key: int) -> None:
        name = f"earn:{self.user_id}:{key}"

        async def work(db: AsyncSession) -> Any:
            return await earn(
                db,
                user_id=self.user_id,
                points=points,
                xp=xp,
                key=name,
                reference="r",
                reason={},
                now=self.now,
                lot_days=days,
            )

        posted = run_with_db(self.url, work)
        assert posted.posted == (name not in self.used_keys)
        if posted.posted:
            self.used_keys.add(name)
            self.lots.append(Lot(points, self.now + timedelta(days=days)))
            self.xp += xp
            self.postings[posted.transaction_id] = Posting("earn", points, xp)

    @rule(points=st.integers(1, 120))
    def spend_points(self, points: int) -> None:
        available = sum(lot.remaining for lot in self.live)

        async def work(db: AsyncSession) -> Any:
            return await spend(
                db,
                user_id=self.user_id,
                points=points,
                kind=TransactionKind.SPEND,
                key=f"spend:{uuid.uuid4()}",
                reference="r",
                reason={},
                now=self.now,
            )

        try:
            posted = run_with_db(self.url, work)
        except InsufficientPoints:
            assert points > available
            return
        assert points <= available
        self.take(points)
        self.postings[posted.transaction_id] = Posting("spend", points)

    @rule(days=st.integers(0, 45))
    def advance_clock(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule()
    def run_expiry(self) -> None:
        async def work(db: AsyncSession) -> Any:
            return await expire_overdue_points(create_sessionmaker(db.bind), now=self.now)  # type: ignore[arg-type]

        run_with_db(self.url, work)
        for lot in self.lots:
            if lot.expires_at <= self.now:
                lot.remaining = 0

    @precondition(lambda self: bool(self.postings))
    @rule(data=st.data())
    def reverse_a_posting(self, data: st.DataObject) -> None:
        tx_id = data.draw(st.sampled_from(sorted(self.postings)))
        posting = self.postings[tx_id]
        available = sum(lot.remaining for lot in self.live)

        async def work(db: AsyncSession) -> Any:
            return await reverse(db, tx_id, reason={}, now=self.now)

        try:
            run_with_db(self.url, work)
        except AlreadyReversed:
            assert posting.reversed
            return
        except InsufficientPoints:
            assert posting.kind == "earn"
            assert posting.points > available
            return
        assert not posting.reversed
        posting.reversed = True
        if posting.kind == "earn":
            self.take(posting.points)
            self.xp -= posting.xp
        else:
            self.lots.append(Lot(posting.points, self.now + timedelta(days=DEFAULT_LOT_DAYS)))

    @invariant()
    def database_matches_the_model(self) -> None:
        async def work(db: AsyncSession) -> Any:
            return await balances(db, self.user_id, now=self.now), await check_ledger(db)

        wallet, breaks = run_with_db(self.url, work, commit=False)
        assert breaks == []
        assert wallet.points == sum(lot.remaining for lot in self.live)
        assert wallet.xp == self.xp


@pytest.mark.usefixtures("sessionmaker")  # empties the tables afterwards
def test_the_ledger_behaves_like_its_model(database_url: str) -> None:
    LedgerMachine.url = database_url
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
