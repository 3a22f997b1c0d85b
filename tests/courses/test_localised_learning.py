"""What the learning routes say, in the caller's locale: problems, and lock messages naming
courses by title (reward and activity lines: tests/rewards/test_learning_rewards.py)."""

import uuid

from httpx import AsyncClient

from tests.factories import UserFactory
from tests.helpers import Publish, bundle_doc, each_locale


async def test_problems_are_in_the_callers_locale(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    missing = f"/v1/lessons/{uuid.uuid4()}"
    chinese = await user_factory(locale="zh-CN")
    english = await user_factory(locale="en")
    zh = (await client.get(missing, headers=chinese.headers)).json()
    assert (zh["title"], zh["detail"]) == ("未找到课时", f"没有已发布的课时 {missing[12:]}。")
    en = (await client.get(missing, headers=english.headers)).json()
    assert (en["title"], en["detail"]) == (
        "Lesson not found",
        f"There is no published lesson {missing[12:]}.",
    )
    asked = {**chinese.headers, "Accept-Language": "en"}
    assert (await client.get(missing, headers=asked)).json()["title"] == "Lesson not found"
    visitor = await client.get(missing, headers={"Accept-Language": "en"})
    assert visitor.json()["title"] == "Authentication is required"


async def test_a_lock_names_missing_courses_by_title_in_the_callers_locale(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    await publish(bundle_doc("basics"))
    lessons = await publish(bundle_doc("funds", prerequisites=["basics"]))
    chinese = await user_factory(locale="zh-CN")
    english = await user_factory(locale="en")
    zh = (await client.get("/v1/courses/funds", headers=chinese.headers)).json()
    assert zh["locked_reason"] == "prerequisites-incomplete"
    assert zh["locked_message"] == "请先完成以下课程：中文 course basics。"
    en = (await client.get("/v1/courses/funds", headers=english.headers)).json()
    assert en["locked_message"] == "Complete these courses first: English course basics."
    refused = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=english.headers)
    problem = refused.json()
    assert (refused.status_code, problem["reason"]) == (403, "prerequisites-incomplete")
    assert problem["missing_prerequisites"] == ["basics"]
    assert problem["title"] == "This course is locked"


async def test_a_kept_course_page_names_a_prerequisite_by_its_title_as_now_published(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    await publish(bundle_doc("basics"))
    await publish(bundle_doc("funds", prerequisites=["basics"]))
    english = await user_factory(locale="en")
    first = (await client.get("/v1/courses/funds", headers=english.headers)).json()
    assert first["locked_message"] == "Complete these courses first: English course basics."
    renamed = each_locale(bundle_doc("basics"), lambda d: d.update(title="Market basics"))
    await publish(renamed)  # a new version of the prerequisite; the funds page stays kept
    again = (await client.get("/v1/courses/funds", headers=english.headers)).json()
    assert again["locked_message"] == "Complete these courses first: Market basics."
    assert again["lessons"] == first["lessons"]
