"""Editors over versions: the list of courses and versions, draft previews, unpublishing and
rolling back to an earlier version; learners' progress survives all of it."""

import uuid
from typing import Any

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog
from api.timestamps import format_timestamp
from core.clock import FrozenClock
from tests.courses.test_editor import IMPORT, editor, versions
from tests.factories import UserFactory
from tests.helpers import bundle_doc, read_lesson

COURSES = "/v1/editor/courses"
COURSE = f"{COURSES}/test-course"


async def imported(client: AsyncClient, headers: dict[str, str], *bundles: Any) -> None:
    for bundle in bundles:
        response = await client.post(IMPORT, json=bundle, headers=headers)
        assert response.status_code == 201, response.text


async def test_editors_list_every_course_with_its_versions(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    headers = (await editor(user_factory)).headers
    await imported(client, headers, bundle_doc(), bundle_doc("other"))
    await client.post(f"{COURSE}/publish", headers=headers)
    await imported(client, headers, bundle_doc(lessons=3))
    page = await client.get(COURSES, params={"limit": "1"}, headers=headers)
    assert page.status_code == 200, page.text
    (other,) = page.json()["items"]
    assert (other["slug"], other["live_version"], other["pending_draft"]) == ("other", None, 1)
    rest = await client.get(COURSES, params={"cursor": page.json()["next_cursor"]}, headers=headers)
    (course,) = rest.json()["items"]
    assert rest.json()["next_cursor"] is None
    assert (course["live_version"], course["pending_draft"]) == (1, 2)
    now = format_timestamp(clock.now())
    assert course["versions"] == [
        {
            "number": 2,
            "status": "draft",
            "title": "中文 course test-course",
            "locales": ["zh-CN", "en"],
            "lesson_count": 3,
            "question_count": 9,
            "created_at": now,
            "published_at": None,
        },
        course["versions"][1] | {"number": 1, "status": "published", "published_at": now},
    ]
    learner = await user_factory()
    assert (await client.get(COURSES, headers=learner.headers)).status_code == 403


async def test_a_draft_lesson_is_previewed_with_its_answers_but_learners_cannot_open_it(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    headers = (await editor(user_factory)).headers | {"Accept-Language": "en"}
    await imported(client, headers, bundle_doc())
    version = (await client.get(f"{COURSE}/versions/1", headers=headers)).json()
    assert (version["status"], version["locale"]) == ("draft", "en")
    assert [lesson["slug"] for lesson in version["lessons"]] == ["lesson-0", "lesson-1"]
    lesson_id = version["lessons"][1]["id"]
    preview = await client.get(f"{COURSE}/versions/1/lessons/{lesson_id}", headers=headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["title"], body["status"], body["position"]) == ("English lesson 1", "draft", 1)
    assert body["cards"][0] == {"kind": "text", "body": "English teaching 1"}
    single = body["quiz"]["questions"][0]
    assert single["explanation"] == "English because single 1"
    assert sorted((c["id"], c["correct"]) for c in single["choices"]) == [
        ("a", True),
        ("b", False),
        ("c", False),
    ]
    learner = await user_factory()
    assert (
        await client.get(f"/v1/lessons/{lesson_id}", headers=learner.headers)
    ).status_code == 404
    missing = [
        f"{COURSE}/versions/2",
        f"{COURSE}/versions/1/lessons/{uuid.uuid4()}",
        f"{COURSES}/nope/versions/1",
    ]
    assert [(await client.get(path, headers=headers)).status_code for path in missing] == [404] * 3
    statuses = {
        bad: (await client.get(f"{COURSE}/versions/{bad}", headers=headers)).status_code
        for bad in ("0", "99999999999", "x")
    }
    assert statuses == {"0": 422, "99999999999": 422, "x": 404}


async def test_unpublish_hides_the_course_and_keeps_progress(
    client: AsyncClient,
    user_factory: UserFactory,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers = (await editor(user_factory)).headers
    await imported(client, headers, bundle_doc())
    await client.post(f"{COURSE}/publish", headers=headers)
    learner = await user_factory()
    lesson_id = (await client.get("/v1/courses/test-course", headers=learner.headers)).json()[
        "lessons"
    ][0]["id"]
    await read_lesson(client, lesson_id, learner.headers, clock)
    await client.post(f"/v1/lessons/{lesson_id}/complete", headers=learner.headers)
    unpublished = await client.post(f"{COURSE}/unpublish", headers=headers)
    assert unpublished.status_code == 200, unpublished.text
    assert unpublished.json() == {"slug": "test-course", "version": 1, "status": "unpublished"}
    assert (await client.get("/v1/courses", headers=learner.headers)).json()["items"] == []
    assert (
        await client.get(f"/v1/lessons/{lesson_id}", headers=learner.headers)
    ).status_code == 404
    again = await client.post(f"{COURSE}/unpublish", headers=headers)
    assert (again.status_code, again.json()["type"].split("/")[-1]) == (409, "course-not-published")
    assert await versions(sessionmaker) == [(1, "unpublished")]
    back = await client.post(f"{COURSE}/versions/1/publish", headers=headers)
    assert back.json() == {
        "slug": "test-course",
        "version": 1,
        "status": "published",
        "archived_versions": [],
    }
    course = (await client.get("/v1/courses/test-course", headers=learner.headers)).json()
    assert course["progress"] == {"completed": 1, "total": 2}


async def test_rolling_back_publishes_an_earlier_version_and_keeps_newer_drafts(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await editor(user_factory)
    headers = user.headers
    await imported(client, headers, bundle_doc())
    await client.post(f"{COURSE}/publish", headers=headers)
    await imported(client, headers, bundle_doc(lessons=3))
    await client.post(f"{COURSE}/publish", headers=headers)
    await imported(client, headers, bundle_doc(lessons=4))
    rolled_back = await client.post(f"{COURSE}/versions/1/publish", headers=headers)
    assert rolled_back.status_code == 200, rolled_back.text
    assert rolled_back.json()["archived_versions"] == [2]
    assert await versions(sessionmaker) == [(1, "published"), (2, "archived"), (3, "draft")]
    learner = await user_factory()
    page = (await client.get("/v1/courses/test-course", headers=learner.headers)).json()
    assert (page["version"], len(page["lessons"])) == (1, 2)
    live = await client.post(f"{COURSE}/versions/1/publish", headers=headers)
    assert (live.status_code, live.json()["type"].split("/")[-1]) == (
        409,
        "version-already-published",
    )
    assert (await client.post(f"{COURSE}/versions/9/publish", headers=headers)).status_code == 404
    latest = await client.post(f"{COURSE}/publish", headers=headers)  # the pending draft
    assert latest.json()["version"] == 3
    assert await versions(sessionmaker) == [(1, "archived"), (2, "archived"), (3, "published")]
    await client.post(f"{COURSE}/unpublish", headers=headers)
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.select(col(AuditLog.action), col(AuditLog.summary))
            .where(col(AuditLog.actor_id) == user.id, col(AuditLog.action) != "course.import")
            .order_by(col(AuditLog.created_at), col(AuditLog.id))
        )
        audited = [(action, summary["version"]) for action, summary in rows]
    assert sorted(audited) == sorted(
        [
            ("course.publish", 1),
            ("course.publish", 2),
            ("course.publish", 1),
            ("course.publish", 3),
            ("course.unpublish", 3),
        ]
    )


async def test_the_course_page_follows_publishes_rollbacks_and_progress(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    """The page's version part is kept in-process between requests (`courses.course_page`):
    each publish and rollback shows at once, and so does the learner's own progress."""
    headers = (await editor(user_factory)).headers
    revised = bundle_doc()
    for document in revised["locales"].values():
        document["lessons"][0]["title"] += " (revised)"
    await imported(client, headers, bundle_doc())
    await client.post(f"{COURSE}/publish", headers=headers)
    learner = (await user_factory()).headers | {"Accept-Language": "en"}

    async def page() -> tuple[int, str, bool, dict[str, int]]:
        course = (await client.get("/v1/courses/test-course", headers=learner)).json()
        first = course["lessons"][0]
        return course["version"], first["title"], first["completed"], course["progress"]

    assert await page() == (1, "English lesson 0", False, {"completed": 0, "total": 2})
    lesson_id = (await client.get("/v1/courses/test-course", headers=learner)).json()["lessons"][0][
        "id"
    ]
    await read_lesson(client, lesson_id, learner, clock)
    await client.post(f"/v1/lessons/{lesson_id}/complete", headers=learner)
    assert await page() == (1, "English lesson 0", True, {"completed": 1, "total": 2})
    await imported(client, headers, revised)
    await client.post(f"{COURSE}/publish", headers=headers)
    assert await page() == (2, "English lesson 0 (revised)", True, {"completed": 1, "total": 2})
    back = await client.post(f"{COURSE}/versions/1/publish", headers=headers)
    assert back.status_code == 200, back.text
    assert await page() == (1, "English lesson 0", True, {"completed": 1, "total": 2})
