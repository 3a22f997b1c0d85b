"""`voucher_redeem` (migrations 0013, 0029, 0034 and 0051) called directly in SQL: all or nothing,
never oversold, never paid with expired points, the engagement event left in the outbox with the
redemption and not with a refusal; and the redemption route's one statement."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.clock import FrozenClock
from gamification.engagement.service import Payout, reporting
from gamification.ledger.operations import earn
from gamification.quests.catalogue import save_quests
from gamification.vouchers.models import VoucherProduct
from tests.engagement.catalogue import save_catalogue
from tests.engagement.test_report_function import NOON, engagement_state, reported_quest
from tests.factories import UserFactory
from tests.helpers import Funder, ProductFactory, redeem
from tests.statements import statements_sent

REDEEM = sa.text(
    "SELECT * FROM voucher_redeem(:voucher_id, :code, :product_id, :user_id, :per_user_limit, "
    ":price, 'fee', 'title', NULL, '{}', '{}', :now, :expires_at, :day, :cap_day, :daily_cap, "
    ":lot_days, :daily_quests, :highest_tier, :cohort_size, CAST(:now AS timestamptz) + interval '30 days')"
)
PAYOUT = Payout(daily_points_cap=500, lot_days=365, business_timezone="Asia/Shanghai")


async def pending(db: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """The learner's events in the engagement outbox, by reference."""
    rows = await db.scalars(
        sa.text("SELECT reference FROM engagement_outbox WHERE user_id = :u ORDER BY reference"),
        {"u": user_id},
    )
    return list(rows)


async def call_redeem(
    db: AsyncSession,
    product: VoucherProduct,
    user_id: uuid.UUID,
    clock: FrozenClock,
    *,
    code: str = "2222-3333-4444",
    voucher_id: uuid.UUID | None = None,
) -> Any:
    params = redemption_params(product, user_id, clock, code=code, voucher_id=voucher_id)
    return (await db.execute(REDEEM, params)).one()


def redemption_params(
    product: VoucherProduct,
    user_id: uuid.UUID,
    clock: FrozenClock,
    *,
    code: str,
    voucher_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The parameters `voucher_redeem` takes (and `voucher_redeem_keyed` after its key's)."""
    return {
        "voucher_id": voucher_id or uuid.uuid4(),
        "code": code,
        "product_id": product.id,
        "user_id": user_id,
        "per_user_limit": product.per_user_limit,
        "price": product.points_price,
        "now": clock.now(),
        "expires_at": clock.now() + timedelta(days=30),
        **reporting(timezone=None, now=clock.now(), payout=PAYOUT).params(),
    }


async def state(db: AsyncSession, product: VoucherProduct, user_id: uuid.UUID) -> dict[str, Any]:
    """Everything a redemption writes: stock, counter, vouchers, debits, balance, lots."""
    row = (
        await db.execute(
            sa.text(
                "SELECT (SELECT remaining_stock FROM voucher_product WHERE id = :p) AS stock, "
                "(SELECT redeemed FROM voucher_user_count WHERE product_id = :p AND user_id = :u) "
                "AS counted, (SELECT count(*) FROM voucher WHERE product_id = :p) AS vouchers, "
                "(SELECT count(*) FROM ledger_transaction WHERE kind = 'spend') AS debits, "
                "(SELECT balance FROM ledger_account WHERE user_id = :u AND currency = 'points') "
                "AS balance, (SELECT array_agg(l.remaining ORDER BY l.expires_at) FROM ledger_lot l "
                "JOIN ledger_account a ON a.id = l.account_id WHERE a.user_id = :u) AS lots"
            ),
            {"p": product.id, "u": user_id},
        )
    ).one()
    return dict(row._mapping)


async def test_the_exact_balance_redeems_and_writes_every_row(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 30)
    product = await product_factory(points_price=30, total_stock=2)
    row = await call_redeem(db, product, user.id, clock)
    assert (row.outcome, row.points_balance) == ("redeemed", 0)
    assert row.debit_transaction_id is not None
    assert await state(db, product, user.id) == {
        "stock": 1,
        "counted": 1,
        "vouchers": 1,
        "debits": 1,
        "balance": 0,
        "lots": [0],
    }


async def test_no_stock_at_the_function_is_out_of_stock_and_writes_nothing(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30, total_stock=0)
    before = await state(db, product, user.id)
    row = await call_redeem(db, product, user.id, clock)
    assert (row.outcome, row.debit_transaction_id, row.points_balance) == (
        "out-of-stock",
        None,
        None,
    )
    assert await state(db, product, user.id) == before
    assert before["counted"] is None  # the counter row was undone too


async def test_expired_lots_do_not_pay_even_when_the_balance_would(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    for points, days_ago, days in ((50, 10, 5), (10, 0, 365)):
        await earn(
            db,
            user_id=user.id,
            points=points,
            xp=0,
            key=f"fund:{days_ago}",
            reference="t",
            reason={},
            now=clock.now() - timedelta(days=days_ago),
            lot_days=days,
        )
    product = await product_factory(points_price=30)
    before = await state(db, product, user.id)
    assert before["balance"] == 60  # the expiry job has not run yet
    row = await call_redeem(db, product, user.id, clock)
    assert row.outcome == "insufficient-points"
    assert await state(db, product, user.id) == before


async def test_limit_reached_and_a_taken_code_are_refused_without_a_trace(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user, other = await user_factory(), await user_factory()
    await fund(user.id, 100)
    await fund(other.id, 100)
    product = await product_factory(points_price=10, per_user_limit=1)
    assert (await call_redeem(db, product, user.id, clock)).outcome == "redeemed"
    after_first = await state(db, product, user.id)
    again = await call_redeem(db, product, user.id, clock, code="5555-6666-7777")
    assert again.outcome == "limit-reached"
    assert await state(db, product, user.id) == after_first
    others_before = await state(db, product, other.id)
    taken = await call_redeem(db, product, other.id, clock)  # the first voucher's code
    assert taken.outcome == "code-taken"
    assert await state(db, product, other.id) == others_before


async def test_the_same_voucher_twice_is_refused_by_the_unique_debit_key(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=10)
    voucher_id = uuid.uuid4()
    first = await call_redeem(db, product, user.id, clock, voucher_id=voucher_id)
    assert first.outcome == "redeemed"
    with pytest.raises(IntegrityError, match="uq_ledger_transaction_idempotency_key"):
        async with db.begin_nested():
            await call_redeem(
                db, product, user.id, clock, voucher_id=voucher_id, code="7777-8888-9999"
            )
    assert (await state(db, product, user.id))["debits"] == 1


async def test_a_redemption_sends_one_call_that_reads_the_product_and_claims_its_key(
    client: AsyncClient,
    engine: AsyncEngine,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30)
    with statements_sent(engine) as sent:
        assert (await redeem(client, user.headers, product.id)).status_code == 201
    # The product's read, the key's claim, the redemption with its engagement and the wallet
    # in the answer, and the answer stored with the key: one call, the last statement, with
    # the stock update its last write. Nothing of it is left for the app to send before or
    # after it but the caller's session check.
    assert not [s for s in sent if "idempotency_record" in s or "voucher_product" in s]
    work = [s for s in sent if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    tables = [s.split(" FROM ")[-1].split()[0] for s in work]
    assert tables[-1] == "voucher_redeem_product($1,"
    assert len(work) <= 2


async def test_a_redemption_leaves_its_event_in_the_outbox_and_a_refusal_leaves_nothing(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    await save_catalogue(db, clock)
    await save_quests(
        db, [reported_quest("daily-redeem", "daily", kind="vouchers_redeemed")], now=NOON
    )
    user = await user_factory()
    await fund(user.id, 100)
    sold_out = await product_factory(points_price=30, total_stock=0)
    refused = await call_redeem(db, sold_out, user.id, clock)
    assert refused.outcome == "out-of-stock"
    assert await pending(db, user.id) == []
    product = await product_factory(points_price=30)
    voucher_id = uuid.uuid4()
    row = await call_redeem(
        db, product, user.id, clock, code="3333-4444-5555", voucher_id=voucher_id
    )
    assert (row.outcome, row.points_balance) == ("redeemed", 70)
    assert await pending(db, user.id) == [f"voucher:{voucher_id}"]
    assert await engagement_state(db, user.id) == (None, None, None, None, 70)
    assert await db.scalar(sa.text("SELECT engagement_drain(NULL, 100)")) == 1
    assert await pending(db, user.id) == []
    assert await engagement_state(db, user.id) == (1, ["redeemer"], ["daily-redeem"], 5, 80)
