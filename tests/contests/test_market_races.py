"""Ticks and pushes that meet: quote rows are locked in symbol order and checked after the lock,
so an older quote never overwrites a newer one and a tick and a push never deadlock."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.contests.calendar import market_calendar
from gamification.contests.market import accept_partner_quotes, move_market
from gamification.contests.market_data import Simulator
from gamification.contests.market_models import Quote
from gamification.contests.partner_quotes import PushedQuote, QuoteRefusal
from tests.contests.market_helpers import load_market

pytestmark = pytest.mark.committing

CALENDAR = market_calendar()
SYMBOLS = ["600036.SH", "600519.SH", "601318.SH", "000001.SZ", "300750.SZ"]


async def push(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, quotes: list[PushedQuote]
) -> list[tuple[int, QuoteRefusal]]:
    async with sessionmaker.begin() as db:
        return await accept_partner_quotes(db, quotes, now=clock.now(), calendar=CALENDAR)


async def last_price(sessionmaker: async_sessionmaker[AsyncSession], symbol: str) -> Decimal:
    async with sessionmaker() as db:
        quote = await db.get(Quote, symbol)
        assert quote is not None
        return quote.last_price


async def test_the_newer_of_two_racing_quotes_always_wins(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    await load_market(sessionmaker, clock)
    for round_ in range(10):
        clock.advance(timedelta(seconds=2))
        older = PushedQuote("600519.SH", Decimal("1451.00") + round_, clock.now())
        newer = PushedQuote(
            "600519.SH", Decimal("1440.00") + round_, clock.now() + timedelta(seconds=1)
        )
        pushes = [push(sessionmaker, clock, [q]) for q in (newer, older)]
        results = await asyncio.gather(*(pushes if round_ % 2 else reversed(pushes)))
        assert sum(len(refused) for refused in results) <= 1
        assert await last_price(sessionmaker, "600519.SH") == newer.price
        clock.advance(timedelta(seconds=1))


async def test_a_tick_and_a_push_in_reverse_symbol_order_do_not_deadlock(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    await load_market(sessionmaker, clock)
    feed = Simulator(seed=5, tick_seconds=5)

    async def tick(slot: int) -> int:
        async with sessionmaker.begin() as db:
            return await move_market(db, feed, now=clock.now(), slot=slot, calendar=CALENDAR)

    for slot in range(5):
        clock.advance(timedelta(seconds=5))
        quotes = [PushedQuote(s, Decimal(0), clock.now()) for s in reversed(SYMBOLS)]
        results = await asyncio.gather(tick(slot), push(sessionmaker, clock, quotes))
        assert results[0] >= 60
        assert [reason for _, reason in results[1]] == [QuoteRefusal.NON_POSITIVE_PRICE] * 5
