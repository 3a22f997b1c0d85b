"""A quiz attempt waits for the database once: one statement reads the lesson and, on its
row, `quiz_attempt_grade_submit` grades, records and pays the attempt (no BEGIN or COMMIT
around it, the token check cached). Counted at the wire (tests/benchmarks/wire.py) on an app built as `serve`
builds it."""

import asyncio

import pytest
from httpx import AsyncClient

from tests.benchmarks.wire import WireCounts, WireProxy
from tests.factories import UserFactory
from tests.foundation.test_read_round_trips import SETTLE_SECONDS, counted
from tests.helpers import LoadRules, Publish, answers_for, bundle_doc

__all__ = ["counted"]  # a fixture used by name
pytestmark = pytest.mark.committing


async def test_a_quiz_attempt_is_one_round_trip(
    counted: tuple[WireProxy, AsyncClient],
    user_factory: UserFactory,
    publish: Publish,
    load_rules: LoadRules,
) -> None:
    proxy, client = counted
    await load_rules()
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    url = f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts"
    wrong = {"answers": answers_for(0, wrong=["tf"])}
    for _ in range(2):  # the first prepares the statements and fills the caller cache
        assert (await client.post(url, json=wrong, headers=learner.headers)).status_code == 200
    await asyncio.sleep(SETTLE_SECONDS)
    proxy.take()
    answer = await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
    assert answer.status_code == 200
    await asyncio.sleep(SETTLE_SECONDS)
    assert proxy.take() == WireCounts(round_trips=1, statements=1, prepares=0)
