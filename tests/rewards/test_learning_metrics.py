"""Learning's business series: first completions, graded attempts by outcome, points earned."""

from httpx import AsyncClient
from prometheus_client import REGISTRY

from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import LoadRules, Publish, answers_for, bundle_doc, read_lesson


def learning_series() -> list[float]:
    names = [
        ("investquest_lessons_completed_total", {}),
        ("investquest_quiz_attempts_total", {"outcome": "passed"}),
        ("investquest_quiz_attempts_total", {"outcome": "failed"}),
        ("investquest_points_earned_total", {}),
    ]
    return [REGISTRY.get_sample_value(name, labels) or 0.0 for name, labels in names]


async def test_learning_is_counted_once_per_first_completion_and_per_graded_attempt(
    client: AsyncClient,
    user_factory: UserFactory,
    publish: Publish,
    clock: FrozenClock,
    load_rules: LoadRules,
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc(lessons=2))
    learner = await user_factory(locale="en")
    before = learning_series()
    await read_lesson(client, lessons["lesson-0"], learner.headers, clock)
    for _ in range(2):  # completing again is 200 but no new completion
        await client.post(f"/v1/lessons/{lessons['lesson-0']}/complete", headers=learner.headers)
    url = f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts"
    wrong = answers_for(0, wrong=["single", "multiple", "tf"])
    await client.post(url, json={"answers": wrong}, headers=learner.headers)
    await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
    refused = await client.post(url, json={"answers": {"no-such": ["a"]}}, headers=learner.headers)
    assert refused.status_code == 422

    after = learning_series()
    # 10 for the lesson and 10 for the first pass; the perfect score came on a second attempt,
    # after the answers were shown, so it pays no quiz_perfect.
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1, 20]
