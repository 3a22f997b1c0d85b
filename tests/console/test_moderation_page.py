"""Moderation in the console: the queue with the matched rules marked, a decision with a
reason, and the API's problems when the reason is missing."""

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from api.console.highlight import highlighted
from api.settings import Settings
from gamification.community.screening import moderation_rules
from tests.community.helpers import write
from tests.console.conftest import sign_in
from tests.factories import UserFactory


async def test_a_held_post_is_shown_with_its_rule_and_decided_with_a_reason(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    author = await user_factory(created_days_ago=400)
    held = (await write(client, author, "这只股票稳赚，跟我买")).json()
    assert held["status"] == "pending"
    moderator = await user_factory(roles=["moderator"], locale="en")
    csrf = await sign_in(console, moderator.email)
    queue = await console.get("/console/moderation")
    assert queue.status_code == 200
    assert "<mark>stock-tip-solicitation</mark>" in queue.text
    decision = f"/console/moderation/post/{held['id']}/decision"
    refused = await console.post(decision, data={"_csrf": csrf, "action": "approve", "reason": " "})
    assert refused.status_code == 422
    assert "must be at least 1 character" in refused.text
    status = sa.text("SELECT status FROM community_post WHERE id = :id")
    assert await db.scalar(status, {"id": held["id"]}) == "pending"
    decided = await console.post(
        decision, data={"_csrf": csrf, "action": "approve", "reason": "a fair question"}
    )
    assert decided.status_code == 200
    assert "Decided: post pending → published" in decided.text
    assert await db.scalar(status, {"id": held["id"]}) == "published"
    audited = sa.text("SELECT count(*) FROM audit_log WHERE action = 'community.post.approve'")
    assert await db.scalar(audited) == 1
    assert '<h2 id="item-' not in decided.text  # the queue is empty again


def test_matched_words_are_marked_and_the_rest_escaped(settings: Settings) -> None:
    rules = [
        r
        for r in moderation_rules(settings.community_rules_file).rules
        if r.id == "stock-tip-solicitation"
    ]
    marked = str(highlighted("<b>这只股票稳赚</b>", rules))
    assert "&lt;b&gt;" in marked
    assert "<mark" in marked
