"""The catalogue, course pages, locks, locales, versions and the learner's progress."""

from datetime import timedelta

from httpx import AsyncClient

from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import Publish, answers_for, bundle_doc, each_locale, read_lesson


async def complete(
    client: AsyncClient, lesson_id: object, headers: dict[str, str], clock: FrozenClock
) -> None:
    await read_lesson(client, lesson_id, headers, clock)
    response = await client.post(f"/v1/lessons/{lesson_id}/complete", headers=headers)
    assert response.status_code == 200, response.text


async def test_catalogue_lists_published_courses_in_the_callers_locale(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    await publish(bundle_doc("basics"))
    await publish(bundle_doc("advanced-stuff", level="advanced"))
    await publish(bundle_doc("hidden-draft"), draft_only=True)
    learner = await user_factory(locale="en")
    page = (await client.get("/v1/courses", headers=learner.headers)).json()
    assert [item["slug"] for item in page["items"]] == ["basics", "advanced-stuff"]
    first = page["items"][0]
    assert first["title"] == "English course basics"
    assert first["lesson_count"] == 2
    assert first["progress"] == {"completed": 0, "total": 2}
    assert first["locked"] is False
    chinese = await client.get(
        "/v1/courses", headers=learner.headers | {"Accept-Language": "zh-CN"}
    )
    assert chinese.json()["items"][0]["title"] == "中文 course basics"


async def test_a_visitor_browses_the_catalogue_without_a_token(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc("basics"))
    await publish(bundle_doc("options", min_risk_profile="C4"))
    page = await client.get("/v1/courses", headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    items = {item["slug"]: item for item in page.json()["items"]}
    assert items["basics"]["title"] == "English course basics"
    assert items["basics"]["progress"] is None
    assert (items["basics"]["locked"], items["options"]["locked_reason"]) == (
        False,
        "risk-assessment-required",
    )
    course = (await client.get("/v1/courses/basics")).json()
    assert (course["title"], course["progress"]) == ("中文 course basics", None)
    assert [lesson["completed"] for lesson in course["lessons"]] == [False, False]
    assert (await client.get("/v1/courses/nowhere")).status_code == 404
    assert (await client.get(f"/v1/lessons/{lessons['lesson-0']}")).status_code == 401
    bad_token = await client.get("/v1/courses", headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    learner = await user_factory()
    signed_in = (await client.get("/v1/courses/basics", headers=learner.headers)).json()
    assert signed_in["progress"] == {"completed": 0, "total": 2}


async def test_catalogue_pages_with_a_cursor(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    for slug in ("c-one", "c-two", "c-three"):
        await publish(bundle_doc(slug, lessons=1))
    learner = await user_factory()
    first = (await client.get("/v1/courses?limit=2", headers=learner.headers)).json()
    assert [item["slug"] for item in first["items"]] == ["c-one", "c-three"]
    second = (
        await client.get(
            f"/v1/courses?limit=2&cursor={first['next_cursor']}", headers=learner.headers
        )
    ).json()
    assert [item["slug"] for item in second["items"]] == ["c-two"]
    assert second["next_cursor"] is None


async def test_a_course_above_the_learners_risk_profile_is_locked(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(bundle_doc("options", min_risk_profile="C4"))
    cautious = await user_factory(risk_profile="C3")
    unassessed = await user_factory()
    bold = await user_factory(risk_profile="C4")
    page = (await client.get("/v1/courses/options", headers=cautious.headers)).json()
    assert (page["locked"], page["locked_reason"]) == (True, "risk-profile-too-low")
    assert "C4" in page["locked_message"]
    refused = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=cautious.headers)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/risk-profile-too-low")
    assert "C4" in refused.json()["detail"]
    unassessed_page = (await client.get("/v1/courses/options", headers=unassessed.headers)).json()
    assert unassessed_page["locked_reason"] == "risk-assessment-required"
    attempt = await client.post(
        f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts",
        json={"answers": {}},
        headers=unassessed.headers,
    )
    assert attempt.status_code == 403
    assert (await client.get("/v1/courses/options", headers=bold.headers)).json()["locked"] is False
    opened = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=bold.headers)
    assert opened.status_code == 200


async def test_a_course_opens_when_its_prerequisites_are_completed(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    basics = await publish(bundle_doc("basics", lessons=1))
    advanced = await publish(bundle_doc("next-step", lessons=1, prerequisites=["basics"]))
    learner = await user_factory()
    page = (await client.get("/v1/courses/next-step", headers=learner.headers)).json()
    assert (page["locked"], page["missing_prerequisites"]) == (True, ["basics"])
    listed = (await client.get("/v1/courses", headers=learner.headers)).json()["items"]
    assert {item["slug"]: item["locked_reason"] for item in listed} == {
        "basics": None,
        "next-step": "prerequisites-incomplete",
    }
    refused = await client.get(f"/v1/lessons/{advanced['lesson-0']}", headers=learner.headers)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/prerequisites-incomplete")
    await complete(client, basics["lesson-0"], learner.headers, clock)
    assert (await client.get("/v1/courses/next-step", headers=learner.headers)).json()[
        "locked"
    ] is False
    opened = await client.get(f"/v1/lessons/{advanced['lesson-0']}", headers=learner.headers)
    assert opened.status_code == 200


async def test_switching_locale_keeps_progress(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    lessons = await publish(bundle_doc())
    learner = await user_factory(locale="zh-CN")
    await complete(client, lessons["lesson-0"], learner.headers, clock)
    english = learner.headers | {"Accept-Language": "en"}
    page = (await client.get("/v1/courses/test-course", headers=english)).json()
    assert page["locale"] == "en"
    assert page["lessons"][0]["title"] == "English lesson 0"
    assert page["lessons"][0]["completed"] is True
    assert page["progress"] == {"completed": 1, "total": 2}
    lesson = (await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=english)).json()
    assert (lesson["locale"], lesson["completed"]) == ("en", True)


async def test_a_new_version_keeps_progress_on_lessons_that_remain(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    first = await publish(bundle_doc(lessons=2))
    learner = await user_factory()
    await complete(client, first["lesson-0"], learner.headers, clock)
    await complete(client, first["lesson-1"], learner.headers, clock)
    changed = bundle_doc(lessons=3)
    for document in changed["locales"].values():
        document["lessons"] = document["lessons"][1:]  # lesson-0 removed, lesson-2 added
        document["lessons"][0]["title"] += " (revised)"
    second = await publish(changed)
    assert second["lesson-1"] == first["lesson-1"]  # the same identity in the new version
    page = (await client.get("/v1/courses/test-course", headers=learner.headers)).json()
    assert page["version"] == 2
    assert [(lesson["slug"], lesson["completed"]) for lesson in page["lessons"]] == [
        ("lesson-1", True),
        ("lesson-2", False),
    ]
    assert page["lessons"][0]["title"].endswith("(revised)")
    assert page["progress"] == {"completed": 1, "total": 2}
    gone = await client.get(f"/v1/lessons/{first['lesson-0']}", headers=learner.headers)
    assert gone.status_code == 404


async def test_my_progress_lists_started_courses_and_recent_activity(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, clock: FrozenClock
) -> None:
    lessons = await publish(bundle_doc())
    await publish(bundle_doc("untouched"))
    learner = await user_factory(locale="en")
    await complete(client, lessons["lesson-0"], learner.headers, clock)
    clock.advance(timedelta(minutes=1))
    await client.get(f"/v1/lessons/{lessons['lesson-1']}", headers=learner.headers)
    clock.advance(timedelta(minutes=1))
    await client.post(
        f"/v1/lessons/{lessons['lesson-1']}/quiz-attempts",
        json={"answers": answers_for(1, wrong=["single", "multiple"])},
        headers=learner.headers,
    )
    progress = (await client.get("/v1/me/progress", headers=learner.headers)).json()
    assert [(c["slug"], c["progress"]) for c in progress["courses"]] == [
        ("test-course", {"completed": 1, "total": 2})
    ]
    assert progress["courses"][0]["title"] == "English course test-course"
    assert [a["kind"] for a in progress["recent_activity"]] == [
        "quiz_attempted",
        "lesson_opened",
        "lesson_completed",
    ]


async def test_a_lesson_open_to_all_is_readable_in_a_locked_course(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    document = each_locale(
        bundle_doc("options", min_risk_profile="C4", prerequisites=[]),
        lambda d: d["lessons"][1].update(open_to_all=True),
    )
    lessons = await publish(document)
    cautious = await user_factory(risk_profile="C1")
    page = (await client.get("/v1/courses/options", headers=cautious.headers)).json()
    assert page["locked"] is True
    assert [lesson["open_to_all"] for lesson in page["lessons"]] == [False, True]
    gated = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=cautious.headers)
    assert gated.status_code == 403
    opened = await client.get(f"/v1/lessons/{lessons['lesson-1']}", headers=cautious.headers)
    assert opened.status_code == 200
    attempt = await client.post(
        f"/v1/lessons/{lessons['lesson-1']}/quiz-attempts",
        json={"answers": answers_for(1)},
        headers=cautious.headers,
    )
    assert (attempt.status_code, attempt.json()["passed"]) == (200, True)
