"""Compliance rules changed without a restart: a new version stored through the audited admin
route is live on another replica within a second (LISTEN/NOTIFY); a bad set is refused with
422 naming each problem and the live one stays; the rules file can be stored as a version."""

import copy
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from api.audit import AuditLog
from api.community.rule_book import RuleBook, rule_changes_heard
from api.database import create_engine, create_sessionmaker
from api.settings import MODERATION_RULES, Settings
from core.clock import FrozenClock
from gamification.community.models import CommunityRuleSet
from gamification.community.pattern_safety import pattern_problem
from gamification.community.rule_versions import compiled, file_rule_version
from gamification.community.screening import read_rule_document
from tests.community.helpers import community, member, write
from tests.factories import TestUser, UserFactory
from tests.helpers import http_client
from tests.waiting import eventually

__all__ = ["community"]  # fixtures used by name
pytestmark = pytest.mark.usefixtures("community")
WITHIN_SECONDS = 1.0
RULES = "/v1/admin/moderation/rules"
CRYPTO_RULE = {
    "id": "crypto-shill",
    "class": "stock_tip",
    "action": "block",
    "patterns": {"zh-CN": ["狗狗币"], "en": ["dogecoin"]},
    "message": {"zh-CN": "社区不讨论加密货币。", "en": "No crypto talk in the community."},
}


def seed_with(*rules: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(read_rule_document(MODERATION_RULES))
    document["rules"] += list(rules)
    return dict(document)


@dataclass
class Replica:
    app: Litestar
    client: AsyncClient

    @property
    def book(self) -> RuleBook:
        book: RuleBook = self.app.state.rule_book
        return book


@pytest.fixture
async def replicas(
    settings: Settings, database_url: str, clock: FrozenClock
) -> AsyncIterator[tuple[Replica, Replica]]:
    """Two app instances, each with its own engine and rules listener."""
    async with AsyncExitStack() as stack:
        started = []
        for _ in range(2):
            engine = create_engine(database_url, settings, serves_requests=True)
            stack.push_async_callback(engine.dispose)
            app = create_app(
                settings, engine, sessionmaker=create_sessionmaker(engine), clock=clock
            )
            await stack.enter_async_context(rule_changes_heard(engine.url, app.state.rule_book))
            client = await stack.enter_async_context(http_client(app))
            started.append(Replica(app, client))
        yield started[0], started[1]


@pytest.fixture
async def moderator(user_factory: UserFactory) -> TestUser:
    return await user_factory(roles=["moderator"], created_days_ago=30)


@pytest.fixture
async def admin(user_factory: UserFactory) -> TestUser:
    return await user_factory(roles=["admin"], created_days_ago=30)


@pytest.mark.committing
async def test_a_new_version_stored_on_one_replica_is_live_on_the_other_within_a_second(
    replicas: tuple[Replica, Replica], user_factory: UserFactory, admin: TestUser
) -> None:
    a, b = replicas
    mei = await member(user_factory)
    assert (await write(b.client, mei, "聊聊狗狗币")).status_code == 201
    assert (await b.client.get(RULES, headers=admin.headers)).json()["version"] is None
    stored = await a.client.put(RULES, json=seed_with(CRYPTO_RULE), headers=admin.headers)
    assert stored.status_code == 200, stored.text
    version = stored.json()["version"]
    assert stored.json()["rule_count"] == len(file_rule_version(MODERATION_RULES).rules.rules) + 1

    async def blocked_on_b() -> bool:
        answer = await write(b.client, mei, "再聊聊狗狗 币", headers={"Accept-Language": "en"})
        return answer.status_code == 422 and answer.json()["rule_id"] == "crypto-shill"

    await eventually(blocked_on_b, within=WITHIN_SECONDS)
    live = (await b.client.get(RULES, headers=admin.headers)).json()
    assert (live["version"], live["source"]) == (version, "api")
    assert live["rules"][-1]["id"] == "crypto-shill"
    refused = await b.client.put(
        RULES, json=seed_with({**CRYPTO_RULE, "id": "Bad Id"}), headers=admin.headers
    )
    assert refused.status_code == 422
    assert a.book.live.version == b.book.live.version == version  # the old one stays live


async def test_a_bad_rule_set_is_refused_naming_each_problem_and_nothing_is_stored(
    client: AsyncClient, admin: TestUser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    broken = {
        **CRYPTO_RULE,
        "patterns": {"zh-CN": ["(狗狗币"], "en": []},
        "action": "delete",
    }
    answer = await client.put(RULES, json=seed_with(broken), headers=admin.headers)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("validation-error")
    fields = {error["field"] for error in problem["errors"]}
    count = len(read_rule_document(MODERATION_RULES)["rules"])
    assert fields == {f"rules[{count}].action", f"rules[{count}].patterns.zh-CN[0]"}
    no_labels = await client.put(RULES, json={"labels": {}, "rules": []}, headers=admin.headers)
    assert no_labels.status_code == 422
    assert no_labels.json()["errors"][0]["field"] == "labels"
    unknown = await client.put(RULES, json={**seed_with(), "extra": 1}, headers=admin.headers)
    assert unknown.status_code == 422
    async with sessionmaker() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(CommunityRuleSet)) == 0
    live = await client.get(RULES, headers=admin.headers)
    assert (live.json()["version"], live.json()["source"]) == (None, "file")


async def test_moderators_read_the_rules_only_admins_change_them_and_each_change_is_audited(
    client: AsyncClient,
    user_factory: UserFactory,
    moderator: TestUser,
    admin: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    learner = await member(user_factory)
    assert (await client.get(RULES, headers=learner.headers)).status_code == 403
    put = await client.put(RULES, json=seed_with(), headers=learner.headers)
    assert put.status_code == 403
    assert (await client.get(RULES, headers=moderator.headers)).status_code == 200
    put = await client.put(RULES, json=seed_with(), headers=moderator.headers)
    assert put.status_code == 403
    assert (await client.post(f"{RULES}/reload", headers=moderator.headers)).status_code == 403
    reloaded = await client.post(f"{RULES}/reload", headers=admin.headers)
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["source"] == "file"
    version = reloaded.json()["version"]
    async with sessionmaker() as db:
        audit = (
            await db.scalars(
                sa.select(AuditLog).where(AuditLog.action == "community.rules.replaced")  # type: ignore[arg-type]
            )
        ).one()
    assert (audit.object_id, audit.actor_id) == (str(version), admin.id)
    assert audit.summary["source"] == "file"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(a+)+$", "nested quantifiers"),
        ("(a*)*", "nested quantifiers"),
        ("(?:\\d+\\s?)+", "nested quantifiers"),
        ("(a|a)+", "the same alternative twice"),
        ("a" * 301, "at most 300 characters"),
    ],
)
async def test_a_pattern_that_could_backtrack_without_end_is_refused(
    client: AsyncClient,
    admin: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
    pattern: str,
    problem: str,
) -> None:
    rule = {**CRYPTO_RULE, "patterns": {"zh-CN": ["狗狗币"], "en": ["dogecoin", pattern]}}
    answer = await client.put(RULES, json=seed_with(rule), headers=admin.headers)
    assert answer.status_code == 422, answer.text
    count = len(read_rule_document(MODERATION_RULES)["rules"])
    [error] = answer.json()["errors"]
    assert error["field"] == f"rules[{count}].patterns.en[1]"
    assert problem in error["message"]
    async with sessionmaker() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(CommunityRuleSet)) == 0


async def test_an_empty_rule_set_which_would_switch_screening_off_is_refused(
    client: AsyncClient, admin: TestUser
) -> None:
    empty = {**seed_with(), "rules": []}
    answer = await client.put(RULES, json=empty, headers=admin.headers)
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["rules"]


def test_plain_repetitions_and_escaped_brackets_pass_the_backtracking_check() -> None:
    for pattern in ("(ab)+", "(a{2})+", "(a|b)+", "\\(a+\\)+", "[(]+a+", "(a+)?", "a+b+"):
        assert pattern_problem(pattern) is None, pattern
    for rule in read_rule_document(MODERATION_RULES)["rules"]:
        for patterns in (rule.get("patterns") or {}).values():
            assert all(pattern_problem(p) is None for p in patterns)


def test_the_book_takes_only_a_newer_stored_version() -> None:
    document = seed_with()
    book = RuleBook(file_rule_version(MODERATION_RULES))
    assert book.offer(compiled(document, version=2, source="api", at=None))
    assert not book.offer(compiled(seed_with(CRYPTO_RULE), version=1, source="api", at=None))
    assert not book.offer(compiled(document, version=None, source="file", at=None))
    assert book.live.version == 2
    assert "crypto-shill" not in {rule.id for rule in book.rules.rules}
