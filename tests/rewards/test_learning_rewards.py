"""The lesson and quiz routes pay their rewards in their own transaction and return the wallet."""

from typing import Any

from httpx import AsyncClient

from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import LoadRules, Publish, answers_for, bundle_doc, read_lesson

WALLET_KEYS = {"points", "xp", "level", "xp_to_next_level", "streak", "points_expiring"}


async def complete(client: AsyncClient, lesson_id: object, headers: dict[str, str]) -> Any:
    response = await client.post(f"/v1/lessons/{lesson_id}/complete", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_completing_a_lesson_returns_its_rewards_and_the_new_wallet_once(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    clock: FrozenClock,
    load_rules: LoadRules,
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc(lessons=2))
    learner = await user_factory(locale="en")
    await read_lesson(client, lessons["lesson-0"], learner.headers, clock)
    first = await complete(client, lessons["lesson-0"], learner.headers)
    assert first["rewards"] == [
        {
            "kind": "lesson_completed",
            "points": 10,
            "xp": 20,
            "reason": "Completed the lesson English lesson 0 (English course test-course)",
        }
    ]
    assert set(first["wallet"]) == WALLET_KEYS
    assert (first["wallet"]["points"], first["wallet"]["xp"]) == (10, 20)
    assert first["wallet"]["streak"] == {"current": 1, "longest": 1, "freezes": 0}
    again = await complete(client, lessons["lesson-0"], learner.headers)
    assert again["rewards"] == []
    assert again["wallet"] == first["wallet"]
    wallet = (await client.get("/v1/me/wallet", headers=learner.headers)).json()
    assert wallet == first["wallet"]
    # The last lesson completes the course: both rewards, in the caller's language.
    await read_lesson(client, lessons["lesson-1"], learner.headers, clock)
    last = await client.post(
        f"/v1/lessons/{lessons['lesson-1']}/complete",
        headers={**learner.headers, "Accept-Language": "zh-CN"},
    )
    assert [(r["kind"], r["points"], r["reason"]) for r in last.json()["rewards"]] == [
        ("lesson_completed", 10, "完成课时 中文 lesson 1（中文 course test-course）"),
        ("course_completed", 50, "完成课程 中文 course test-course"),
    ]
    assert last.json()["wallet"]["points"] == 70


async def test_a_perfect_first_attempt_pays_the_pass_and_the_perfect_score_once(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, load_rules: LoadRules
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc())
    learner = await user_factory(locale="en")
    url = f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts"
    perfect = await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
    assert [(r["kind"], r["points"], r["xp"]) for r in perfect.json()["rewards"]] == [
        ("quiz_passed", 10, 15),
        ("quiz_perfect", 10, 10),
    ]
    again = await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
    assert again.json()["rewards"] == []
    assert (again.json()["wallet"]["points"], again.json()["wallet"]["xp"]) == (20, 25)


async def test_a_perfect_score_after_the_answers_were_shown_pays_no_perfect_reward(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, load_rules: LoadRules
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc())
    learner = await user_factory(locale="en")
    url = f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts"
    failed = await client.post(
        url,
        json={"answers": answers_for(0, wrong=["single", "multiple"])},
        headers=learner.headers,
    )
    assert failed.json()["passed"] is False
    assert failed.json()["results"][0]["correct_choice_ids"] == ["a"]  # the answers, shown
    copied = await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
    assert copied.json()["perfect"] is True
    assert [r["kind"] for r in copied.json()["rewards"]] == ["quiz_passed"]
    assert copied.json()["wallet"]["points"] == 10


async def test_a_failed_attempt_earns_nothing_but_counts_the_day(
    client: AsyncClient, user_factory: UserFactory, publish: Publish, load_rules: LoadRules
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    failed = await client.post(
        f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts",
        json={"answers": answers_for(0, wrong=["single", "multiple", "tf"])},
        headers=learner.headers,
    )
    assert failed.status_code == 200
    assert failed.json()["passed"] is False
    assert failed.json()["rewards"] == []
    assert failed.json()["wallet"]["streak"]["current"] == 1
    progress = (await client.get("/v1/me/progress", headers=learner.headers)).json()
    assert progress["streak"] == {"current": 1, "longest": 1, "freezes": 0}


async def test_reward_and_activity_lines_show_titles(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    clock: FrozenClock,
    load_rules: LoadRules,
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc("basics"))
    learner = await user_factory(locale="en")
    await read_lesson(client, lessons["lesson-0"], learner.headers, clock)
    done = await client.post(f"/v1/lessons/{lessons['lesson-0']}/complete", headers=learner.headers)
    assert done.status_code == 200, done.text
    line = "Completed the lesson English lesson 0 (English course basics)"
    assert line in [reward["reason"] for reward in done.json()["rewards"]]
    ledger = (await client.get("/v1/me/ledger", headers=learner.headers)).json()
    assert line in [item["reason"] for item in ledger["items"]]
    chinese = {**learner.headers, "Accept-Language": "zh-CN"}
    zh_ledger = (await client.get("/v1/me/ledger", headers=chinese)).json()
    assert "完成课时 中文 lesson 0（中文 course basics）" in [
        i["reason"] for i in zh_ledger["items"]
    ]
    progress = (await client.get("/v1/me/progress", headers=learner.headers)).json()
    latest = progress["recent_activity"][0]
    assert (latest["course_title"], latest["lesson_title"]) == (
        "English course basics",
        "English lesson 0",
    )
    assert (latest["course_slug"], latest["lesson_slug"]) == ("basics", "lesson-0")
