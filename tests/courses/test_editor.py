"""Editors: importing bundles over HTTP (JSON or YAML), versions, publishing, stats, audit."""

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import yaml
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog
from core.clock import FrozenClock
from courses.models import CourseVersion
from tests import factories
from tests.factories import UserFactory
from tests.helpers import answers_for, bundle_doc, each_locale

IMPORT = "/v1/editor/courses/import"


async def editor(user_factory: UserFactory) -> factories.TestUser:
    return await user_factory(roles=("editor",))


async def versions(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.select(col(CourseVersion.number), col(CourseVersion.status)).order_by(
                col(CourseVersion.number)
            )
        )
        return [(number, status) for number, status in rows]


async def test_import_creates_a_draft_and_the_same_bundle_again_changes_nothing(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = (await editor(user_factory)).headers
    first = await client.post(IMPORT, json=bundle_doc(), headers=headers)
    assert first.status_code == 201
    assert first.json() == {
        "slug": "test-course",
        "version": 1,
        "status": "draft",
        "lessons": 2,
        "questions": 6,
        "warnings": [],
        "changed": True,
    }
    again = await client.post(IMPORT, json=bundle_doc(), headers=headers)
    assert again.status_code == 200
    assert (again.json()["version"], again.json()["changed"]) == (1, False)
    assert await versions(sessionmaker) == [(1, "draft")]


async def test_yaml_body_imports_like_json(client: AsyncClient, user_factory: UserFactory) -> None:
    headers = (await editor(user_factory)).headers
    body = yaml.safe_dump(bundle_doc(), allow_unicode=True).encode()
    response = await client.post(
        IMPORT, content=body, headers=headers | {"Content-Type": "application/yaml"}
    )
    assert response.status_code == 201, response.text
    again = await client.post(IMPORT, json=bundle_doc(), headers=headers)
    assert again.json()["changed"] is False  # the same content, whichever way it came


async def test_a_bad_bundle_is_422_listing_every_problem_and_imports_nothing(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    def break_it(document: dict[str, Any]) -> None:
        document["lessons"][0]["quiz"]["questions"][0]["choices"][0]["correct"] = False
        document["lessons"][1]["cards"][0]["body"] = "<script>steal()</script>"
        document["prerequisites"] = ["nowhere"]

    response = await client.post(
        IMPORT,
        json=each_locale(bundle_doc(), break_it),
        headers=(await editor(user_factory)).headers,
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/invalid-bundle")
    assert {e["field"] for e in problem["errors"]} == {
        f"locales.{locale}.{path}"
        for locale in ("zh-CN", "en")
        for path in (
            "lessons[0].quiz.questions[0].choices",
            "lessons[1].cards[0].body",
            "prerequisites[0]",
        )
    }
    assert await versions(sessionmaker) == []


def line_of(text: str, needle: str) -> int:
    (line,) = [n for n, content in enumerate(text.splitlines(), 1) if needle in content]
    return line


async def test_a_yaml_bundle_problem_names_its_line(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    document = bundle_doc()
    document["locales"]["en"]["lessons"][1]["cards"][0]["body"] = "<b>bold</b>"
    del document["locales"]["en"]["lessons"][0]["quiz"]["pass_score"]  # the quiz's line
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    response = await client.post(
        IMPORT,
        content=body.encode(),
        headers=(await editor(user_factory)).headers | {"Content-Type": "application/yaml"},
    )
    assert response.status_code == 422
    lines = {e["field"]: e["line"] for e in response.json()["errors"]}
    en_quiz_lines = [n for n, text in enumerate(body.splitlines(), 1) if "quiz:" in text]
    assert lines == {
        "locales.en.lessons[1].cards[0].body": line_of(body, "<b>bold</b>"),
        "locales.en.lessons[0].quiz.pass_score": en_quiz_lines[2],  # zh-CN has two before
    }
    duplicate = await client.post(
        IMPORT,
        content=b"slug: x\nslug: y\n",
        headers=(await editor(user_factory)).headers | {"Content-Type": "application/yaml"},
    )
    assert duplicate.json()["errors"] == [
        {
            "field": "body",
            "message": "not valid YAML: column 1: duplicate key slug (first on line 1)",
            "line": 2,
        }
    ]


async def test_malformed_bodies_are_422_or_415(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    headers = (await editor(user_factory)).headers
    bad_yaml = await client.post(
        IMPORT, content=b"slug: [oops", headers=headers | {"Content-Type": "application/yaml"}
    )
    assert bad_yaml.status_code == 422
    assert bad_yaml.json()["errors"][0]["field"] == "body"
    no_locales = await client.post(IMPORT, json={"slug": "x"}, headers=headers)
    assert no_locales.status_code == 422
    assert {e["field"] for e in no_locales.json()["errors"]} >= {"locales", "body"}
    text = await client.post(
        IMPORT, content=b"hi", headers=headers | {"Content-Type": "text/plain"}
    )
    assert text.status_code == 415


async def test_learners_cannot_use_editor_routes(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    assert (
        await client.post(IMPORT, json=bundle_doc(), headers=learner.headers)
    ).status_code == 403
    stats = await client.get("/v1/editor/courses/test-course/stats", headers=learner.headers)
    assert stats.status_code == 403


async def test_publish_makes_the_latest_draft_published_and_archives_the_rest(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = (await editor(user_factory)).headers
    learner = await user_factory()
    await client.post(IMPORT, json=bundle_doc(), headers=headers)
    assert (await client.get("/v1/courses/test-course", headers=learner.headers)).status_code == 404
    published = await client.post("/v1/editor/courses/test-course/publish", headers=headers)
    assert published.status_code == 200
    assert published.json()["version"] == 1
    assert (await client.get("/v1/courses/test-course", headers=learner.headers)).status_code == 200
    second = bundle_doc(lessons=3)
    third = bundle_doc(lessons=4)
    assert (await client.post(IMPORT, json=second, headers=headers)).json()["version"] == 2
    assert (await client.post(IMPORT, json=third, headers=headers)).json()["version"] == 3
    page = (await client.get("/v1/courses/test-course", headers=learner.headers)).json()
    assert len(page["lessons"]) == 2  # learners still see version 1
    republished = await client.post("/v1/editor/courses/test-course/publish", headers=headers)
    assert republished.json() == {
        "slug": "test-course",
        "version": 3,
        "status": "published",
        "archived_versions": [1, 2],
    }
    assert await versions(sessionmaker) == [(1, "archived"), (2, "archived"), (3, "published")]
    nothing = await client.post("/v1/editor/courses/test-course/publish", headers=headers)
    assert nothing.status_code == 409
    assert nothing.json()["type"].endswith("/no-draft-version")
    unknown = await client.post("/v1/editor/courses/nope/publish", headers=headers)
    assert unknown.status_code == 404


async def test_editor_actions_are_audited(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await editor(user_factory)
    await client.post(IMPORT, json=bundle_doc(), headers=user.headers)
    await client.post("/v1/editor/courses/test-course/publish", headers=user.headers)
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.select(col(AuditLog.action), col(AuditLog.actor_id), col(AuditLog.object_id))
            .where(col(AuditLog.action).like("course.%"))
            .order_by(col(AuditLog.action))
        )
        assert [tuple(row) for row in rows] == [
            ("course.import", user.id, "test-course"),
            ("course.publish", user.id, "test-course"),
        ]


async def test_stats_on_a_known_data_set(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    headers = (await editor(user_factory)).headers
    await client.post(IMPORT, json=bundle_doc(), headers=headers)
    await client.post("/v1/editor/courses/test-course/publish", headers=headers)
    page_owner = await user_factory()
    page = (await client.get("/v1/courses/test-course", headers=page_owner.headers)).json()
    lesson_id = page["lessons"][0]["id"]
    learners = [await user_factory() for _ in range(3)]
    # Three learners open lesson 0; two complete it.
    for learner in learners:
        await client.get(f"/v1/lessons/{lesson_id}", headers=learner.headers)
    clock.advance(timedelta(minutes=5))
    for learner in learners[:2]:
        await client.post(f"/v1/lessons/{lesson_id}/complete", headers=learner.headers)
    # Four attempts: single wrong (b) twice and wrong (c) once; multiple wrong (a only) once.
    attempts = [
        answers_for(0, wrong=["single"]),
        answers_for(0, wrong=["single", "multiple"]),
        answers_for(0),
        answers_for(0) | {"q0-single": ["c"]},
    ]
    for learner, answers in zip([*learners, learners[0]], attempts, strict=True):
        response = await client.post(
            f"/v1/lessons/{lesson_id}/quiz-attempts",
            json={"answers": answers},
            headers=learner.headers,
        )
        assert response.status_code == 200
    stats = (
        await client.get(
            "/v1/editor/courses/test-course/stats", headers=headers | {"Accept-Language": "en"}
        )
    ).json()
    assert (stats["version"], stats["status"]) == (1, "published")
    lesson = stats["lessons"][0]
    assert (lesson["opens"], lesson["completions"]) == (3, 2)
    # Scores 2/3, 1/3, 3/3, 2/3 at a 60% pass score: three passes.
    assert (lesson["quiz_attempts"], lesson["quiz_passes"], lesson["pass_rate"]) == (4, 3, 0.75)
    single, multiple, true_false = lesson["questions"]
    assert (single["attempts"], single["correct"], single["accuracy"]) == (4, 1, 0.25)
    assert single["most_chosen_wrong_choice"] == {"id": "b", "text": "English tempting", "count": 2}
    assert (multiple["correct"], multiple["accuracy"]) == (3, 0.75)
    assert multiple["most_chosen_wrong_choice"] is None  # "a only" picks no wrong choice
    assert (true_false["accuracy"], true_false["most_chosen_wrong_choice"]) == (1.0, None)
    untouched = stats["lessons"][1]
    assert (untouched["opens"], untouched["quiz_attempts"], untouched["pass_rate"]) == (0, 0, None)
    assert untouched["questions"][0]["accuracy"] is None
