"""The profile, what a client may change, lifecycle, and suitability."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import lifecycle_stage
from api.accounts.models import Consent, UserAccount
from core.clock import FrozenClock
from tests.factories import PASSWORD, UserFactory

CAUTIOUS_ANSWERS = {
    "age": "a", "income": "a", "investable-share": "d", "emergency-fund": "c", "experience": "a",
    "knowledge": "a", "horizon": "a", "goal": "a", "loss-tolerance": "b", "drawdown-reaction": "a",
}  # fmt: skip
BOLD_ANSWERS = {
    "age": "b", "income": "d", "investable-share": "a", "emergency-fund": "a", "experience": "d",
    "knowledge": "d", "horizon": "c", "goal": "c", "loss-tolerance": "d", "drawdown-reaction": "d",
}  # fmt: skip


async def test_me_shows_the_profile_and_lifecycle(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory(created_days_ago=200, roles=("editor",))
    body = (await client.get("/v1/me", headers=user.headers)).json()
    assert body["id"] == str(user.id)
    assert body["email"] == user.email
    assert body["roles"] == ["editor", "learner"]
    assert body["lifecycle_stage"] == "growing"
    assert body["risk_profile"] is None


@pytest.mark.parametrize(
    ("days", "stage"),
    [(0, "new"), (179, "new"), (190, "growing"), (730, "growing"), (760, "mature")],
)
def test_lifecycle_stage_follows_account_age(clock: FrozenClock, days: int, stage: str) -> None:
    now = clock.now()
    assert lifecycle_stage(now - timedelta(days=days), now) == stage


async def test_patch_changes_allowed_fields_and_records_consents(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    user = await user_factory()
    body = {
        "display_name": "Lin",
        "birthday": "2004-02-29",
        "locale": "en",
        "timezone": "Europe/London",
        "consents": {"marketing": True, "analytics": False},
    }
    response = await client.patch("/v1/me", json=body, headers=user.headers)
    assert response.status_code == 200
    profile = response.json()
    assert (profile["display_name"], profile["locale"], profile["timezone"]) == (
        "Lin",
        "en",
        "Europe/London",
    )
    assert profile["consents"]["marketing"]["granted"] is True
    withdrawn = await client.patch(
        "/v1/me", json={"consents": {"marketing": False}}, headers=user.headers
    )
    assert withdrawn.json()["consents"]["marketing"]["granted"] is False
    history = await db.scalars(
        sa.select(col(Consent.granted)).where(
            col(Consent.user_id) == user.id, col(Consent.purpose) == "marketing"
        )
    )
    assert sorted(history.all()) == [False, True]


@pytest.mark.parametrize(
    "field",
    [{"roles": ["admin"]}, {"id": "00000000-0000-0000-0000-000000000000"}, {"risk_profile": "C5"},
     {"points": 100000}, {"created_at": "2000-01-01T00:00:00Z"}, {"email": "other@example.com"}],
)  # fmt: skip
async def test_mass_assignment_is_refused_and_changes_nothing(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession, field: dict[str, object]
) -> None:
    user = await user_factory()
    before = (
        (await db.execute(sa.select(UserAccount).where(col(UserAccount.id) == user.id)))
        .scalar_one()
        .model_dump()
    )
    response = await client.patch(
        "/v1/me", json={"display_name": "Sneaky", **field}, headers=user.headers
    )
    assert response.status_code == 422
    db.expire_all()
    after = (
        (await db.execute(sa.select(UserAccount).where(col(UserAccount.id) == user.id)))
        .scalar_one()
        .model_dump()
    )
    assert after == before


async def test_bad_profile_values_are_422(client: AsyncClient, user_factory: UserFactory) -> None:
    user = await user_factory()
    for body in (
        {"locale": "fr"},
        {"timezone": "Moon/Base"},
        {"birthday": "2999-01-01"},
        {"consents": {"sell-my-data": True}},
    ):
        assert (await client.patch("/v1/me", json=body, headers=user.headers)).status_code == 422, (
            body
        )


async def test_questionnaire_is_served_in_the_asked_locale(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory(locale="zh-CN")
    english = (
        await client.get(
            "/v1/risk-assessment", headers={**user.headers, "Accept-Language": "en-GB,en;q=0.8"}
        )
    ).json()
    chinese = (await client.get("/v1/risk-assessment", headers=user.headers)).json()
    assert len(english["questions"]) == 10
    assert english["questions"][0]["prompt"] == "How old are you?"
    assert chinese["questions"][0]["prompt"] == "您的年龄是？"
    assert "points" not in english["questions"][0]["choices"][0]


async def test_assessment_scores_a_profile_keeps_history_and_expires(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    bold = await client.post(
        "/v1/me/risk-assessment", json={"answers": BOLD_ANSWERS}, headers=user.headers
    )
    assert bold.status_code == 201
    assert bold.json()["risk_profile"] == "C5"
    cautious = await client.post(
        "/v1/me/risk-assessment", json={"answers": CAUTIOUS_ANSWERS}, headers=user.headers
    )
    assert cautious.json()["risk_profile"] == "C1"
    assert (await client.get("/v1/me", headers=user.headers)).json()["risk_profile"] == "C1"
    exported = (await client.get("/v1/me/export", headers=user.headers)).json()
    assert [a["risk_profile"] for a in exported["account"]["risk_assessments"]] == ["C5", "C1"]
    clock.advance(timedelta(days=2 * 365))
    login = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = await client.get("/v1/me", headers=fresh)
    assert me.status_code == 200, me.text
    assert me.json()["risk_profile"] is None


async def test_refusing_any_loss_caps_the_profile_at_c1(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    answers = {**BOLD_ANSWERS, "loss-tolerance": "a"}
    response = await client.post(
        "/v1/me/risk-assessment", json={"answers": answers}, headers=user.headers
    )
    assert response.json()["risk_profile"] == "C1"


async def test_incomplete_or_unknown_answers_are_422(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    missing = {k: v for k, v in BOLD_ANSWERS.items() if k != "goal"}
    response = await client.post(
        "/v1/me/risk-assessment", json={"answers": missing}, headers=user.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "answers.goal", "message": "not answered"}]
    odd = {**BOLD_ANSWERS, "age": "z", "shoe-size": "a"}
    fields = {
        e["field"]
        for e in (
            await client.post("/v1/me/risk-assessment", json={"answers": odd}, headers=user.headers)
        ).json()["errors"]
    }
    assert fields == {"answers.age", "answers.shoe-size"}
