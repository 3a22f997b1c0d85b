"""Reading lessons, the minimum read time, completing, and courses completing."""

from datetime import timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.settings import Settings
from core.clock import FrozenClock
from courses.access import ALONE, NO_FLUSH_WAIT
from courses.lessons import open_lesson
from tests.courses.test_checks import example_card
from tests.factories import UserFactory
from tests.helpers import Publish, bundle_doc, each_locale, read_lesson


async def test_lesson_has_cards_and_questions_but_never_the_answers(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    response = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=learner.headers)
    assert response.status_code == 200
    lesson = response.json()
    assert lesson["course_slug"] == "test-course"
    assert [card["kind"] for card in lesson["cards"]] == ["text", "disclaimer", "takeaway"]
    questions = lesson["quiz"]["questions"]
    assert [q["id"] for q in questions] == ["q0-single", "q0-multiple", "q0-tf"]
    assert {"id": "a", "text": "中文 right"} in questions[0]["choices"]
    assert lesson["quiz"]["scoring"] == "all_or_nothing"
    for forbidden in ("correct", "explanation", "because"):
        assert forbidden not in response.text


async def test_unknown_lesson_is_404(client: AsyncClient, user_factory: UserFactory) -> None:
    learner = await user_factory()
    missing = "0192a1b2-0000-7000-8000-000000000000"
    for response in (
        await client.get(f"/v1/lessons/{missing}", headers=learner.headers),
        await client.post(f"/v1/lessons/{missing}/complete", headers=learner.headers),
        await client.post(
            f"/v1/lessons/{missing}/quiz-attempts", json={"answers": {}}, headers=learner.headers
        ),
    ):
        assert response.status_code == 404
        assert response.json()["type"].endswith("/lesson-not-found")


async def test_lessons_of_an_unpublished_course_are_404(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc(), draft_only=True)
    learner = await user_factory()
    response = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=learner.headers)
    assert response.status_code == 404
    assert (await client.get("/v1/courses/test-course", headers=learner.headers)).status_code == 404


async def test_opening_again_keeps_the_first_opening_time(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    first = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=learner.headers)
    clock.advance(timedelta(minutes=3))
    again = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=learner.headers)
    assert first.json()["opened_at"] == again.json()["opened_at"]


async def test_completing_faster_than_the_minimum_read_time_is_409(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    lessons = await publish(bundle_doc())  # 2 minutes each: at 0.3, 36 seconds minimum
    learner = await user_factory()
    url = f"/v1/lessons/{lessons['lesson-0']}"
    lesson = (await client.get(url, headers=learner.headers)).json()
    assert lesson["min_read_seconds"] == 36
    clock.advance(timedelta(seconds=35))
    too_fast = await client.post(f"{url}/complete", headers=learner.headers)
    assert too_fast.status_code == 409
    assert too_fast.json()["type"].endswith("/lesson-read-too-fast")
    assert too_fast.headers["retry-after"] == "1"
    clock.advance(timedelta(seconds=1))
    done = await client.post(f"{url}/complete", headers=learner.headers)
    assert done.status_code == 200
    assert done.json()["completed"] is True


async def test_completing_a_lesson_never_opened_is_409(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    response = await client.post(
        f"/v1/lessons/{lessons['lesson-0']}/complete", headers=learner.headers
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/lesson-not-opened")


async def test_read_factor_zero_turns_the_check_off(
    client: AsyncClient,
    app: Litestar,
    settings: Settings,
    user_factory: UserFactory,
    publish: Publish,
) -> None:
    app.state.settings = settings.model_copy(update={"lesson_min_read_factor": 0.0})
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    url = f"/v1/lessons/{lessons['lesson-0']}"
    assert (await client.get(url, headers=learner.headers)).json()["min_read_seconds"] == 0
    assert (await client.post(f"{url}/complete", headers=learner.headers)).status_code == 200


async def test_completing_twice_is_200_without_new_rewards(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    await read_lesson(client, lessons["lesson-0"], learner.headers, clock)
    url = f"/v1/lessons/{lessons['lesson-0']}/complete"
    first = (await client.post(url, headers=learner.headers)).json()
    again = await client.post(url, headers=learner.headers)
    assert again.status_code == 200
    assert first["newly_completed"] is True
    assert again.json()["newly_completed"] is False
    assert again.json()["rewards"] == []


async def test_course_page_shows_progress_and_completion(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    lessons = await publish(bundle_doc(lessons=2))
    learner = await user_factory()
    outcomes = []
    for slug in ("lesson-0", "lesson-1"):
        await read_lesson(client, lessons[slug], learner.headers, clock)
        response = await client.post(
            f"/v1/lessons/{lessons[slug]}/complete", headers=learner.headers
        )
        outcomes.append(response.json()["course_completed"])
    assert outcomes == [False, True]
    page = (await client.get("/v1/courses/test-course", headers=learner.headers)).json()
    assert page["progress"] == {"completed": 2, "total": 2}
    assert [lesson["completed"] for lesson in page["lessons"]] == [True, True]
    assert [lesson["slug"] for lesson in page["lessons"]] == ["lesson-0", "lesson-1"]


async def test_choices_keep_one_order_per_learner_and_differ_between_learners(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc())
    url = f"/v1/lessons/{lessons['lesson-0']}"

    async def orders(headers: dict[str, str]) -> list[list[str]]:
        questions = (await client.get(url, headers=headers)).json()["quiz"]["questions"]
        return [[choice["id"] for choice in q["choices"]] for q in questions]

    seen, again = [], []
    for _ in range(8):
        headers = (await user_factory()).headers
        seen.append(await orders(headers))
        again.append(await orders(headers))
    assert again == seen
    assert all(sorted(order[0]) == ["a", "b", "c"] for order in seen)
    assert all(order[2] == ["true", "false"] for order in seen)
    # 8 learners with 36 possible orders each: all alike by chance is about 1 in 10**12
    assert len({str(order) for order in seen}) > 1


async def test_opening_a_locked_lesson_starts_no_clock(
    client: AsyncClient,
    db: AsyncSession,
    user_factory: UserFactory,
    publish: Publish,
) -> None:
    """The clock starts in the statement that reads the lesson, under the lock's rule in SQL:
    a lesson the caller may not take (risk profile, prerequisites) writes no progress row."""
    above = await publish(bundle_doc("options", min_risk_profile="C4"))
    needs = await publish(bundle_doc("next-step", lessons=1, prerequisites=["test-course"]))
    cautious = await user_factory(risk_profile="C3")
    for lesson in (above["lesson-0"], needs["lesson-0"]):
        response = await client.get(f"/v1/lessons/{lesson}", headers=cautious.headers)
        assert response.status_code == 403
    started = await db.scalar(
        sa.text("SELECT count(*) FROM course_lesson_progress WHERE user_id = :u"),
        {"u": cautious.id},
    )
    assert started == 0
    bold = await user_factory(risk_profile="C4")
    opened = await client.get(f"/v1/lessons/{above['lesson-0']}", headers=bold.headers)
    assert opened.status_code == 200
    assert opened.json()["opened_at"] is not None


async def test_starting_a_clock_inside_a_wider_transaction_still_waits_for_the_disk(
    db: AsyncSession, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    """The relaxed commit is the clock's alone: an opening inside another transaction (one
    that might also pay) leaves `synchronous_commit` on, so that transaction's commit waits."""
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    assert await db.scalar(sa.text("SHOW synchronous_commit")) == "on"
    opened = await open_lesson(
        db,
        lessons["lesson-0"],
        user_id=learner.id,
        risk_profile=None,
        locale="en",
        now=clock.now(),
        min_read_factor=1.0,
    )
    assert opened is not None
    assert await db.scalar(sa.text("SHOW synchronous_commit")) == "on"


async def test_a_clock_started_by_a_statement_of_its_own_commits_without_waiting(
    engine: AsyncEngine,
) -> None:
    """A lesson's start time moves no value: the statement that starts the clock in a
    transaction of its own (the lesson route's, `alone`) commits with `synchronous_commit`
    off (a crash may forget it; the next opening starts it again); otherwise it stays on."""
    check = sa.select(NO_FLUSH_WAIT, sa.func.current_setting("synchronous_commit"))
    async with engine.connect() as conn:
        alone = await conn.execution_options(isolation_level="AUTOCOMMIT")
        assert tuple((await alone.execute(check, {ALONE.key: True})).one()) == (True, "off")
        assert tuple((await alone.execute(check)).one()) == (True, "on")


async def test_a_lessons_cards_carry_their_kind_and_body_only(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    """The cards go out as the JSON stored at import, unparsed: it must hold only what the
    response promises (an example card's checks stay with the editors)."""
    checks = [{"expr": "10000 * 1.05 ** 10", "value": "16289"}]
    lessons = await publish(each_locale(bundle_doc(), lambda d: example_card(d, checks)))
    learner = await user_factory()
    response = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=learner.headers)
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert cards[0] == {
        "kind": "example",
        "body": "¥10,000 at 5% for 10 years grows to about ¥16,289.",
    }
    assert all(card.keys() == {"kind", "body"} for card in cards)
