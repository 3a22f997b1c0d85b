"""A quiz attempt as production runs it: no transaction around the route, each statement
committing on its own (`own_app` under `committing`). An attempt is recorded and paid once; a
request the route rejects (unanswered questions) or refuses (the daily cap) leaves nothing."""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import Settings
from tests.factories import UserFactory
from tests.helpers import LoadRules, Publish, answers_for, bundle_doc, http_client

pytestmark = pytest.mark.committing

_STORED = sa.text("""
SELECT (SELECT count(*) FROM course_quiz_attempt WHERE user_id = :user) AS attempts,
       (SELECT coalesce(sum(attempts), 0) FROM course_quiz_day WHERE user_id = :user) AS counted,
       (SELECT count(*) FROM ledger_transaction t
          JOIN ledger_entry e ON e.transaction_id = t.id
          JOIN ledger_account a ON a.id = e.account_id
         WHERE a.user_id = :user AND a.currency = 'points') AS paid,
       (SELECT coalesce(sum(balance), 0) FROM ledger_account
         WHERE user_id = :user AND currency = 'points') AS points
""")


async def stored(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID
) -> dict[str, Any]:
    async with sessionmaker() as db:
        return dict((await db.execute(_STORED, {"user": user_id})).one()._mapping)


async def test_an_attempt_commits_once_and_a_refused_one_writes_nothing(
    own_app: Litestar,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    user_factory: UserFactory,
    publish: Publish,
    load_rules: LoadRules,
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc())
    learner = await user_factory()
    url = f"/v1/lessons/{lessons['lesson-0']}/quiz-attempts"
    async with http_client(own_app) as client:
        first = await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
        assert first.status_code == 200, first.text
        assert first.json()["rewards"]
        after_first = await stored(sessionmaker, learner.id)
        assert (after_first["attempts"], after_first["counted"]) == (1, 1)
        assert after_first["paid"] > 0
        assert after_first["points"] > 0

        unanswered = await client.post(url, json={"answers": {}}, headers=learner.headers)
        assert unanswered.status_code == 422, unanswered.text
        assert await stored(sessionmaker, learner.id) == after_first

        wrong = {"answers": answers_for(0, wrong=["tf"])}
        for _ in range(settings.quiz_daily_attempts - 1):
            retry = await client.post(url, json=wrong, headers=learner.headers)
            assert retry.status_code == 200, retry.text
        at_cap = await stored(sessionmaker, learner.id)
        assert (at_cap["attempts"], at_cap["counted"]) == (settings.quiz_daily_attempts,) * 2
        refused = await client.post(url, json={"answers": answers_for(0)}, headers=learner.headers)
        assert refused.status_code == 429, refused.text
        assert await stored(sessionmaker, learner.id) == at_cap
