"""The outcomes page: every measure as a table over the range asked for, with the retention
heat table, funnel bars and NPS line; a bad day is shown at its field; marketers and admins
only."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.console.conftest import sign_in
from tests.factories import UserFactory
from tests.outcomes.measure_helpers import add_events, at, clear_events, rolled_up, set_created


async def test_the_measures_show_as_tables_and_charts_over_the_range(
    console: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    marketer = await user_factory(roles=["marketer"], locale="en", created_days_ago=900)
    learner = await user_factory()
    await set_created(sessionmaker, learner.id, at("2026-01-10", 9))
    await clear_events(sessionmaker)
    await add_events(
        sessionmaker,
        [
            (learner.id, "signed_up", None, at("2026-01-10", 9)),
            (learner.id, "lesson_opened", "l1", at("2026-02-11")),
            (learner.id, "nps_answered", "10", at("2026-02-12")),
        ],
    )
    await rolled_up(sessionmaker, clock)
    await sign_in(console, marketer.email)
    home = await console.get("/console")
    assert 'href="/console/outcomes"' in home.text
    page = await console.get("/console/outcomes", params={"from": "2026-01-01", "to": "2026-02-28"})
    assert page.status_code == 200
    for title in ("New-client 3-month retention", "Cross-sell", "Funnel", "Learning effect"):
        assert title in page.text
    assert '<td class="heat-10">100.0%</td>' in page.text  # January's one client, in February
    assert page.text.count('<svg class="chart"') == 2  # the funnel's bars and NPS by month
    assert "<title>2026-02: 100</title>" in page.text
    assert "First lesson opened" in page.text
    assert 'value="2026-01-01"' in page.text


async def test_a_bad_day_is_shown_at_its_field(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"], locale="en")
    await sign_in(console, admin.email)
    page = await console.get("/console/outcomes", params={"from": "2026-02-30"})
    assert page.status_code == 422
    assert 'id="f-from" name="from" type="date" value="2026-02-30"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert "must be a date" in page.text
    later = await console.get(
        "/console/outcomes", params={"from": "2026-03-01", "to": "2026-01-01"}
    )
    assert later.status_code == 422


async def test_editors_do_not_see_the_outcomes(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    editor = await user_factory(roles=["editor"], locale="en")
    await sign_in(console, editor.email)
    assert 'href="/console/outcomes"' not in (await console.get("/console")).text
    assert (await console.get("/console/outcomes")).status_code == 403
