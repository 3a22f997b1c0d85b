"""The outcomes measures over an exact set of events: three learners who signed up in January
2026 (one opened a broker account in February), rolled up as the daily job does, read through
`GET /v1/admin/outcomes/{measure}`. The clock stands at 2 March 2026 (Shanghai)."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.factories import TestUser, UserFactory
from tests.outcomes.measure_helpers import (
    add_events,
    at,
    clear_events,
    rolled_up,
    set_account_opened,
    set_created,
)

QUARTER = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.fixture
async def staff(user_factory: UserFactory) -> TestUser:
    # Long a client: its cohort is years before the months these tests read.
    return await user_factory(roles=("marketer",), created_days_ago=900)


@pytest.fixture
async def world(
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    staff: TestUser,
) -> dict[str, Any]:
    users = [await user_factory() for _ in range(3)]
    a, b, c = users
    for user, day in zip(users, ("2026-01-10", "2026-01-15", "2026-01-20"), strict=True):
        await set_created(sessionmaker, user.id, at(day, 9))
    await set_account_opened(sessionmaker, b.id, at("2026-02-05", 9))
    await clear_events(sessionmaker)
    await add_events(
        sessionmaker,
        [
            (a.id, "signed_up", None, at("2026-01-10", 9)),
            (a.id, "lesson_opened", "l1", at("2026-01-11")),
            (a.id, "quiz_attempted", "passed", at("2026-01-11", 13)),
            (a.id, "lesson_completed", "l1", at("2026-01-11", 14)),
            (a.id, "voucher_redeemed", "fee", at("2026-02-03")),
            (a.id, "voucher_consumed", "fee", at("2026-02-20")),
            (a.id, "inbox_read", None, at("2026-02-21")),
            (a.id, "post_published", None, at("2026-03-01")),
            (b.id, "signed_up", None, at("2026-01-15", 9)),
            (b.id, "lesson_opened", "l1", at("2026-01-16")),
            (b.id, "quiz_attempted", "failed", at("2026-01-16", 13)),
            (b.id, "broker_account_opened", None, at("2026-02-05", 9)),
            (b.id, "report_filed", None, at("2026-02-06")),
            (b.id, "nps_answered", "9", at("2026-02-07")),
            (b.id, "contest_joined", "k1", at("2026-02-08")),
            (b.id, "order_placed", "k1", at("2026-02-08", 13)),
            (c.id, "signed_up", None, at("2026-01-20", 9)),
            (c.id, "nps_answered", "3", at("2026-03-01")),
        ],
    )
    await rolled_up(sessionmaker, clock)
    return {"a": a, "b": b, "c": c}


async def measure(client: AsyncClient, staff: TestUser, name: str, **params: str) -> dict[str, Any]:
    response = await client.get(
        f"/v1/admin/outcomes/{name}", params=params or QUARTER, headers=staff.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def table(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(body["columns"], row, strict=True)) for row in body["rows"]]


@pytest.mark.usefixtures("world")
async def test_retention_counts_from_the_account_opening_else_the_sign_up(
    client: AsyncClient, staff: TestUser
) -> None:
    body = await measure(client, staff, "retention")
    assert body["measure"] == "retention"
    assert body["from"] == "2026-01-01"
    assert body["as_of"] == "2026-03-02T01:30:00.000Z"
    assert "留存" in body["definition"]
    assert body["rows"] == [
        ["2026-01", 2, 50.0, 100.0, None],  # a and c; b moved to February; April not begun
        ["2026-02", 1, 0.0, None, None],
        ["2026-03", 0, None, None, None],
    ]


@pytest.mark.usefixtures("world")
async def test_interactions_leave_out_sign_ups_and_broker_facts(
    client: AsyncClient, staff: TestUser
) -> None:
    body = await measure(client, staff, "interactions")
    assert body["rows"] == [
        ["2026-01", 3, 5, 1.67],
        ["2026-02", 2, 7, 3.5],
        ["2026-03", 2, 2, 1.0],
    ]


@pytest.mark.usefixtures("world")
async def test_tool_usage_is_the_share_of_the_months_actives(
    client: AsyncClient, staff: TestUser
) -> None:
    rows = table(await measure(client, staff, "tool-usage"))
    assert rows[0] == {
        "month": "2026-01",
        "actives": 3,
        "lessons_pct": 66.7,
        "quizzes_pct": 66.7,
        "contests_pct": 0.0,
        "community_pct": 0.0,
        "vouchers_pct": 0.0,
    }
    assert [rows[1][k] for k in ("contests_pct", "community_pct", "vouchers_pct")] == [50.0] * 3
    assert rows[2]["community_pct"] == 50.0
    assert rows[2]["lessons_pct"] == 0.0


@pytest.mark.usefixtures("world")
async def test_cross_sell_counts_vouchers_per_100_actives_by_kind(
    client: AsyncClient, staff: TestUser
) -> None:
    rows = table(await measure(client, staff, "cross-sell"))
    february = [row for row in rows if row["month"] == "2026-02"]
    assert february == [
        {
            "month": "2026-02", "kind": "fee", "actives": 2, "redeemed": 1, "consumed": 1,
            "redeemed_per_100": 50.0, "consumed_per_100": 50.0,
        },
        {
            "month": "2026-02", "kind": "yield", "actives": 2, "redeemed": 0, "consumed": 0,
            "redeemed_per_100": 0.0, "consumed_per_100": 0.0,
        },
    ]  # fmt: skip
    assert len(rows) == 6  # two kinds a month


@pytest.mark.usefixtures("world")
async def test_complaints_are_reports_per_1000_actives(
    client: AsyncClient, staff: TestUser
) -> None:
    body = await measure(client, staff, "complaints")
    assert body["rows"] == [
        ["2026-01", 3, 0, 0.0],
        ["2026-02", 2, 1, 500.0],
        ["2026-03", 2, 0, 0.0],
    ]


@pytest.mark.usefixtures("world")
async def test_nps_is_promoters_less_detractors(client: AsyncClient, staff: TestUser) -> None:
    body = await measure(client, staff, "nps")
    assert body["rows"] == [
        ["2026-01", 0, 0, 0, 0, None],
        ["2026-02", 1, 1, 0, 0, 100.0],
        ["2026-03", 1, 0, 0, 1, -100.0],
    ]


@pytest.mark.usefixtures("world")
async def test_funnel_counts_each_step_with_the_ones_before(
    client: AsyncClient, staff: TestUser
) -> None:
    body = await measure(client, staff, "funnel", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert body["rows"] == [
        ["signed_up", 3, None, 100.0],
        ["lesson", 2, 66.7, 66.7],
        ["quiz_passed", 1, 50.0, 33.3],
        ["voucher", 1, 100.0, 33.3],
        ["consumed", 1, 100.0, 33.3],
    ]
    later = await measure(client, staff, "funnel", **{"from": "2026-01-16", "to": "2026-01-31"})
    assert [row[1] for row in later["rows"]] == [1, 0, 0, 0, 0]  # c alone


async def test_a_month_is_recomputed_with_its_late_events_and_a_rebuild_reaches_back(
    world: dict[str, Any],
    client: AsyncClient,
    staff: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    c = world["c"]
    # Committed after the run although it happened before it: within the late margin.
    await add_events(sessionmaker, [(c.id, "inbox_read", None, at("2026-02-28"))])
    # Reported long after: January is past the margin, so only a rebuild counts it.
    await add_events(sessionmaker, [(c.id, "lesson_opened", "l1", at("2026-01-21"))])
    await rolled_up(sessionmaker, clock)
    await rolled_up(sessionmaker, clock)  # again: nothing changes
    rows = (await measure(client, staff, "interactions"))["rows"]
    assert rows[:2] == [["2026-01", 3, 5, 1.67], ["2026-02", 3, 8, 2.67]]
    run = await rolled_up(sessionmaker, clock, since=at("2026-01-25").date())
    assert run.first_month.isoformat() == "2026-01-01"
    assert run.months == 3
    rows = (await measure(client, staff, "interactions"))["rows"]
    assert rows[0] == ["2026-01", 3, 6, 2.0]
    funnel = await measure(client, staff, "funnel", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert funnel["rows"][1][1] == 3  # c's late lesson counts in the funnel too


async def test_staff_accounts_are_left_out_of_every_measure(
    world: dict[str, Any],
    client: AsyncClient,
    staff: TestUser,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    before = {
        name: await measure(client, staff, name)
        for name in ("retention", "interactions", "tool-usage", "funnel")
    }
    # A moderator who signed up in January and uses the app like a client, and the marketer
    # reading the measures, active too: neither is a client.
    moderator = await user_factory(roles=("moderator",))
    await set_created(sessionmaker, moderator.id, at("2026-01-12", 9))
    await add_events(
        sessionmaker,
        [
            (moderator.id, "signed_up", None, at("2026-01-12", 9)),
            (moderator.id, "lesson_opened", "l1", at("2026-01-13")),
            (moderator.id, "quiz_attempted", "passed", at("2026-01-13", 13)),
            (moderator.id, "report_filed", None, at("2026-02-10")),
            (staff.id, "inbox_read", None, at("2026-02-11")),
        ],
    )
    await rolled_up(sessionmaker, clock, since=at("2026-01-01").date())
    for name, body in before.items():
        assert (await measure(client, staff, name))["rows"] == body["rows"], name


async def test_before_the_first_rollup_the_measures_are_empty_and_say_so(
    client: AsyncClient, staff: TestUser
) -> None:
    body = await measure(
        client, staff, "interactions", **{"from": "2026-02-10", "to": "2026-02-11"}
    )
    assert body["as_of"] is None
    assert body["rows"] == [["2026-02", 0, 0, None]]


async def test_the_default_range_is_the_twelve_months_to_today(
    client: AsyncClient, staff: TestUser
) -> None:
    response = await client.get("/v1/admin/outcomes/nps", headers=staff.headers)
    body = response.json()
    assert (body["from"], body["to"]) == ("2025-04-01", "2026-03-02")
    assert len(body["rows"]) == 12


async def test_an_unknown_measure_is_404_naming_it(client: AsyncClient, staff: TestUser) -> None:
    response = await client.get("/v1/admin/outcomes/happiness", headers=staff.headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "happiness" in response.json()["detail"]
    assert "retention" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-01-01", "to": "yesterday"}, "to"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
        ({"from": "2023-01-01", "to": "2026-01-01"}, "to"),
    ],
)
async def test_a_bad_range_is_422_naming_the_field(
    client: AsyncClient, staff: TestUser, params: dict[str, str], field: str
) -> None:
    response = await client.get(
        "/v1/admin/outcomes/retention", params=params, headers=staff.headers
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_learners_may_not_read_the_measures(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    response = await client.get("/v1/admin/outcomes/retention", headers=learner.headers)
    assert response.status_code == 403
    assert (await client.get("/v1/admin/outcomes/retention")).status_code == 401


@pytest.mark.usefixtures("world")
async def test_the_definition_follows_the_callers_language(
    client: AsyncClient, staff: TestUser
) -> None:
    response = await client.get(
        "/v1/admin/outcomes/nps", headers=staff.headers | {"Accept-Language": "en"}
    )
    assert response.json()["definition"].startswith("NPS by month")


async def test_a_sign_up_and_a_survey_through_the_api_reach_the_measures(
    client: AsyncClient,
    staff: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    registered = await client.post(
        "/v1/auth/register",
        json={"email": "mei@example.com", "password": "a long passphrase", "display_name": "Mei"},
    )
    assert registered.status_code == 201, registered.text
    token = registered.json()["access_token"]
    answered = await client.post(
        "/v1/me/surveys/nps",
        json={"score": 10, "comment": "useful"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answered.status_code == 201, answered.text
    await rolled_up(sessionmaker, clock)
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    nps = await measure(client, staff, "nps", **march)
    assert nps["rows"] == [["2026-03", 1, 1, 0, 0, 100.0]]
    funnel = await measure(client, staff, "funnel", **march)
    assert funnel["rows"][0] == ["signed_up", 1, None, 100.0]
    interactions = await measure(client, staff, "interactions", **march)
    assert interactions["rows"] == [["2026-03", 1, 1, 1.0]]  # the answer; the sign-up is none
