"""GET /v1/me/wallet and GET /v1/me/ledger."""

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.rewards.reasons import reason_text
from core.clock import FrozenClock
from courses.titles import Titles
from gamification.ledger.models import TransactionKind
from gamification.ledger.operations import earn, spend
from gamification.rewards.service import award_for_events
from tests.factories import UserFactory
from tests.helpers import LoadRules, course_done, lesson_done


async def test_the_wallet_of_a_new_learner_is_empty_but_complete(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    response = await client.get("/v1/me/wallet", headers=learner.headers)
    assert response.status_code == 200
    assert response.json() == {
        "points": 0,
        "xp": 0,
        "level": 1,
        "xp_to_next_level": 100,
        "streak": {"current": 0, "longest": 0, "freezes": 0},
        "points_expiring": [],
    }


async def test_the_wallet_shows_level_streak_and_points_expiring_within_30_days(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    load_rules: LoadRules,
) -> None:
    await load_rules()
    learner = await user_factory()
    now = clock.now()
    async with sessionmaker.begin() as db:
        await award_for_events(
            db,
            user_id=learner.id,
            timezone="Asia/Shanghai",
            events=[lesson_done(learner.id, now), course_done(learner.id, now)],
            now=now,
        )
        await earn(
            db,
            user_id=learner.id,
            points=7,
            xp=0,
            key="soon",
            reference="test",
            reason={},
            now=now,
            lot_days=10,
        )
    wallet = (await client.get("/v1/me/wallet", headers=learner.headers)).json()
    assert {key: wallet[key] for key in ("points", "xp", "level", "xp_to_next_level")} == {
        "points": 67,
        "xp": 120,
        "level": 2,
        "xp_to_next_level": 180,
    }
    assert wallet["streak"] == {"current": 1, "longest": 1, "freezes": 0}
    expires = (now + timedelta(days=10)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert wallet["points_expiring"] == [{"points": 7, "expires_at": expires}]


async def test_the_ledger_pages_newest_first_with_balances_and_lists_only_the_callers_entries(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    learner, other = await user_factory(), await user_factory()
    async with sessionmaker.begin() as db:
        for i in range(5):
            await earn(
                db,
                user_id=learner.id,
                points=10 + i,
                xp=1,
                key=f"k{i}",
                reference="test",
                reason={"code": "lesson_completed", "course": "basics", "lesson": f"l{i}"},
                now=clock.now(),
            )
        await earn(
            db,
            user_id=other.id,
            points=99,
            xp=0,
            key="other",
            reference="t",
            reason={},
            now=clock.now(),
        )
    first = (await client.get("/v1/me/ledger?limit=2", headers=learner.headers)).json()
    assert [item["amount"] for item in first["items"]] == [14, 13]
    assert [item["balance_after"] for item in first["items"]] == [60, 46]
    assert first["items"][0]["kind"] == "earn"
    cursor = first["next_cursor"]
    second = (
        await client.get(f"/v1/me/ledger?limit=2&cursor={cursor}", headers=learner.headers)
    ).json()
    third = (
        await client.get(
            f"/v1/me/ledger?limit=2&cursor={second['next_cursor']}", headers=learner.headers
        )
    ).json()
    assert [item["amount"] for item in second["items"] + third["items"]] == [12, 11, 10]
    assert third["next_cursor"] is None
    everything = (await client.get("/v1/me/ledger?limit=100", headers=learner.headers)).json()
    assert 99 not in [
        item["amount"] for item in everything["items"]
    ]  # XP entries are not listed either
    assert len(everything["items"]) == 5


async def test_ledger_reasons_are_sentences_in_the_callers_locale(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    load_rules: LoadRules,
) -> None:
    await load_rules(lesson_completed={"points": 600})
    learner = await user_factory(locale="zh-CN")
    now = clock.now()
    async with sessionmaker.begin() as db:
        await award_for_events(
            db,
            user_id=learner.id,
            timezone="Asia/Shanghai",
            events=[lesson_done(learner.id, now)],
            now=now,
        )
        await spend(
            db,
            user_id=learner.id,
            points=100,
            kind=TransactionKind.SPEND,
            key="voucher",
            reference="voucher:1",
            reason={"code": "something-new"},
            now=now,
        )
    chinese = (await client.get("/v1/me/ledger", headers=learner.headers)).json()["items"]
    assert [item["reason"] for item in chinese] == [
        "使用积分",
        "完成课时 lesson-a（basics）（受每日积分上限限制）",
    ]
    english = (
        await client.get("/v1/me/ledger", headers={**learner.headers, "Accept-Language": "en-US"})
    ).json()["items"]
    assert [item["reason"] for item in english] == [
        "Points spent",
        "Completed the lesson lesson-a (basics) (reduced by the daily points cap)",
    ]
    assert [item["amount"] for item in english] == [-100, 500]


async def test_a_cursor_the_api_did_not_issue_is_422(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    response = await client.get("/v1/me/ledger?cursor=bm9wZQ", headers=learner.headers)
    assert response.status_code == 422
    assert (await client.get("/v1/me/ledger")).status_code == 401


def test_reasons_fall_back_to_the_transaction_kind_and_never_fail() -> None:
    assert reason_text(
        {"code": "streak_30", "days": 30}, kind="earn", locale="en", titles=Titles()
    ) == ("30-day learning streak")
    assert (
        reason_text({"code": "lesson_completed"}, kind="earn", locale="en", titles=Titles())
        == "Points earned"
    )
    assert (
        reason_text(
            {"code": "points-expired", "earned_at": "2026-01-05T02:00:00+00:00"},
            kind="expire",
            locale="zh-CN",
            titles=Titles(),
        )
        == "2026-01-05 获得的积分已过期"
    )
    assert reason_text({}, kind="mystery", locale="fr", titles=Titles()) == "积分变动"


async def test_the_openapi_document_has_the_rewards_routes(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "/v1/me/wallet" in paths
    assert "/v1/me/ledger" in paths
    responses = paths["/v1/admin/ledger/adjustments"]["post"]["responses"]
    assert {"201", "403", "404", "409", "422"} <= set(responses)
