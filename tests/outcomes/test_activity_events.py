"""Each domain action, done through the HTTP API, writes exactly one activity event with the
right user, kind and detail, in its own transaction (migration 0027's triggers); repeating it
writes none, and neither does a rolled-back write. The log is append-only and its months are
partitions made ahead by a job."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.jobs import JobContext
from api.outcomes.jobs import add_activity_partitions
from api.settings import Settings
from core.clock import FrozenClock
from gamification.campaigns.inbox import post_message
from gamification.outcomes.partitions import horizon
from tests.community.helpers import community, member, published_post, write
from tests.contests.trading_helpers import create_contest, join, order, place, trading_market
from tests.factories import UserFactory
from tests.helpers import (
    Funder,
    PartnerKey,
    ProductFactory,
    Publish,
    answers_for,
    bundle_doc,
    funder_for,
    product_factory_for,
    read_lesson,
    redeem,
)
from tests.outcomes.helpers import events_of, partner

__all__ = ["community", "partner", "trading_market"]  # fixtures used by name


@pytest.fixture
def product_factory(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> ProductFactory:
    return product_factory_for(sessionmaker, clock)


@pytest.fixture
def fund(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Funder:
    return funder_for(sessionmaker, clock)


async def test_signing_up_writes_signed_up(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={"email": "mei@example.com", "password": "a long passphrase", "display_name": "Mei"},
    )
    assert response.status_code == 201, response.text
    user_id = uuid.UUID(response.json()["user"]["id"])
    assert await events_of(sessionmaker, user_id) == [("signed_up", None)]


async def test_opening_and_completing_a_lesson_write_one_event_each(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    lesson = lessons["lesson-0"]
    await read_lesson(client, lesson, learner.headers, clock)
    await read_lesson(client, lesson, learner.headers, clock)  # the clock started already
    for _ in range(2):  # completing again changes nothing
        done = await client.post(f"/v1/lessons/{lesson}/complete", headers=learner.headers)
        assert done.status_code == 200, done.text
    kinds = ("lesson_opened", "lesson_completed")
    assert await events_of(sessionmaker, learner.id, *kinds) == [
        ("lesson_opened", str(lesson)),
        ("lesson_completed", str(lesson)),
    ]


async def test_each_quiz_attempt_writes_passed_or_failed(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    url = f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts"
    for answers in (answers_for(0, wrong=["single", "multiple", "tf"]), answers_for(0)):
        response = await client.post(url, json={"answers": answers}, headers=learner.headers)
        assert response.status_code == 200, response.text
        clock.advance(timedelta(seconds=1))
    assert await events_of(sessionmaker, learner.id, "quiz_attempted") == [
        ("quiz_attempted", "failed"),
        ("quiz_attempted", "passed"),
    ]


async def test_a_redeemed_voucher_and_its_use_at_the_broker_write_their_kind(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    learner = await user_factory(risk_profile="C3")  # yield products need a risk profile
    await fund(learner.id, 1000)
    fee = await product_factory(kind="fee")
    yield_product = await product_factory(kind="yield")
    codes = []
    for product in (fee, yield_product):
        response = await redeem(client, learner.headers, product.id)
        assert response.status_code == 201, response.text
        codes.append(response.json()["voucher"]["code"])
        clock.advance(timedelta(seconds=1))
    for _ in range(2):  # the same reference again changes nothing
        consumed = await client.post(
            f"/v1/partner/vouchers/{codes[1]}/consume",
            json={"reference": "T-1"},
            headers=partner.headers,
        )
        assert consumed.status_code == 200, consumed.text
    kinds = ("voucher_redeemed", "voucher_consumed")
    assert await events_of(sessionmaker, learner.id, *kinds) == [
        ("voucher_redeemed", "fee"),
        ("voucher_redeemed", "yield"),
        ("voucher_consumed", "yield"),
    ]


async def test_a_voucher_used_after_its_owner_is_erased_writes_no_event(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    learner = await user_factory()
    await fund(learner.id, 1000)
    response = await redeem(client, learner.headers, (await product_factory(kind="fee")).id)
    assert response.status_code == 201, response.text
    code = response.json()["voucher"]["code"]
    assert (await client.delete("/v1/me", headers=learner.headers)).status_code == 204
    consumed = await client.post(
        f"/v1/partner/vouchers/{code}/consume", json={"reference": "T-9"}, headers=partner.headers
    )
    assert consumed.status_code == 200, consumed.text  # the broker may still use it
    assert await events_of(sessionmaker, learner.id) == []


@pytest.mark.usefixtures("trading_market")
async def test_joining_a_contest_and_each_order_write_the_contest_id(
    client: AsyncClient,
    user_factory: UserFactory,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    marketer, learner = await user_factory(roles=["marketer"]), await user_factory()
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    body = order(quantity=100)
    await place(client, contest_id, learner, body)
    await place(client, contest_id, learner, body)  # the same client_order_id: a replay
    await place(client, contest_id, learner, order(quantity=7))  # rejected (lot size): counted
    kinds = ("contest_joined", "order_placed")
    assert await events_of(sessionmaker, learner.id, *kinds) == [
        ("contest_joined", contest_id),
        ("order_placed", contest_id),
        ("order_placed", contest_id),
    ]


@pytest.mark.usefixtures("community")
async def test_a_post_counts_once_when_first_published_and_a_report_for_its_reporter(
    client: AsyncClient,
    user_factory: UserFactory,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    author, reader = await member(user_factory), await member(user_factory)
    moderator = await user_factory(roles=["moderator"], created_days_ago=30)
    await published_post(client, author)
    held = (await write(client, author, "这只股票稳赚，跟我买")).json()
    assert held["status"] == "pending"
    assert await events_of(sessionmaker, author.id, "post_published") == [("post_published", None)]
    for action in ("approve", "hide", "approve"):  # published for the first time once
        clock.advance(timedelta(minutes=1))
        decided = await client.post(
            f"/v1/admin/posts/{held['id']}/decision",
            json={"action": action, "reason": "checked against the community standards"},
            headers=moderator.headers,
        )
        assert decided.status_code == 200, decided.text
    assert await events_of(sessionmaker, author.id, "post_published") == [
        ("post_published", None),
        ("post_published", None),
    ]
    reported = await client.post(
        f"/v1/posts/{held['id']}/reports", json={"reason": "spam"}, headers=reader.headers
    )
    assert reported.status_code == 202, reported.text
    assert await events_of(sessionmaker, reader.id, "report_filed") == [("report_filed", None)]
    assert await events_of(sessionmaker, author.id, "report_filed") == []


async def test_reading_an_inbox_message_writes_inbox_read_once(
    client: AsyncClient,
    user_factory: UserFactory,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        message_id = await post_message(
            db, user_id=learner.id, reference="hello:1", title={"en": "Hi"}, body={"en": "Hello"}
        )
    assert await events_of(sessionmaker, learner.id, "inbox_read") == []
    for _ in range(2):
        read = await client.post(f"/v1/me/inbox/{message_id}/read", headers=learner.headers)
        assert read.status_code == 200, read.text
        clock.advance(timedelta(minutes=1))
    assert await events_of(sessionmaker, learner.id, "inbox_read") == [("inbox_read", None)]


async def test_a_rolled_back_write_leaves_no_event(
    user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    learner = await user_factory()
    async with sessionmaker() as db:
        await db.execute(
            sa.text(
                "INSERT INTO nps_response (id, user_id, score, answered_at) "
                "VALUES (:id, :user_id, 9, :now)"
            ),
            {"id": uuid.uuid4(), "user_id": learner.id, "now": clock.now()},
        )
        written = await db.scalar(
            sa.text("SELECT count(*) FROM activity_event WHERE user_id = :u"), {"u": learner.id}
        )
        assert written == 2  # signed_up, and nps_answered inside the transaction
        await db.rollback()
    assert await events_of(sessionmaker, learner.id) == [("signed_up", None)]


async def test_the_log_refuses_updates_and_allows_deletes(
    user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    learner = await user_factory()
    async with sessionmaker() as db:
        with pytest.raises(DBAPIError, match="append-only"):
            await db.execute(
                sa.text("UPDATE activity_event SET detail = 'x' WHERE user_id = :u"),
                {"u": learner.id},
            )
    async with sessionmaker.begin() as db:
        deleted = await db.execute(
            sa.text("DELETE FROM activity_event WHERE user_id = :u"), {"u": learner.id}
        )
        assert deleted.rowcount == 1  # type: ignore[attr-defined]


async def test_the_job_adds_months_ahead_and_moves_rows_out_of_the_default_partition(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    later = FrozenClock(datetime(2031, 3, 15, tzinfo=UTC))  # beyond the migration's 24 months
    user_id = uuid.uuid4()
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text(
                "INSERT INTO activity_event (occurred_at, user_id, kind) "
                "VALUES ('2032-02-10T00:00:00Z', :u, 'signed_up')"
            ),
            {"u": user_id},
        )
    summary = await add_activity_partitions(JobContext(sessionmaker, later, settings))
    assert summary != "added 0 activity_event partitions"
    assert horizon(later.now().date()) == datetime(2033, 3, 1).date()
    async with sessionmaker() as db:
        where = await db.scalar(
            sa.text("SELECT tableoid::regclass::text FROM activity_event WHERE user_id = :u"),
            {"u": user_id},
        )
        assert where == "activity_event_y2032m02"
        newest = await db.scalar(
            sa.text("SELECT to_regclass('activity_event_y2033m03') IS NOT NULL")
        )
        assert newest
    again = await add_activity_partitions(JobContext(sessionmaker, later, settings))
    assert again == "added 0 activity_event partitions"
