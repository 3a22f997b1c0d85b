"""Schemathesis over the whole OpenAPI document, in-process (the review's run, kept short): every
operation with a learner's, an admin's, a partner's or no credentials, data that fits the
document and data that does not, and every answer checked against what the document promises.

`pytest -m fuzz` runs it alone; `make test` runs it with the rest.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import APIOperation
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from api.accounts.partners import PARTNER_KEY_HEADER, create_partner
from api.app import create_app
from api.database import asyncpg_url
from api.seed import load_seed
from api.settings import Settings
from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import funder_for

pytestmark = [pytest.mark.fuzz, pytest.mark.committing]

EXAMPLES_PER_OPERATION = 10
# What the review counted, and nothing that is a documentation gap by design (schema-valid
# values the server refuses for rules the schema cannot say: opaque cursors, time zones, ...).
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
# These would end the run's own session or demote its only admin, voiding every case after
# them; the review fuzzed them alone, each with a throwaway account.
SESSION_ENDING = {"logOut", "changePassword", "deleteMe", "setUserRoles"}
STAFF_PREFIXES = ("/v1/admin/", "/v1/editor/")

Operation = APIOperation[Any, Any, Any, Any]


@dataclass(frozen=True)
class Credentials:
    learner: Mapping[str, str]
    admin: Mapping[str, str]
    partner: Mapping[str, str]

    def for_operation(self, operation: Operation) -> Mapping[str, str]:
        path = operation.path
        if path.startswith("/v1/partner/"):
            return self.partner
        if path.startswith(STAFF_PREFIXES):
            return self.admin
        return self.learner if operation.definition.raw.get("security") else {}


def fuzz_operation(operation: Operation, headers: Mapping[str, str]) -> str | None:
    """Run one operation's cases; the first failure Hypothesis shrinks to, or None."""
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @hypothesis.given(case=cases)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        phases=[Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=dict(headers), checks=CHECKS)

    try:
        run()
    except (AssertionError, FailureGroup) as exc:  # one check failed, or several
        return f"{operation.label}: {exc}"
    return None


def fuzz_app(app: Litestar, credentials: Credentials) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    failures = []
    try:
        for result in schema.get_all_operations():
            if isinstance(result, Err):  # the document itself is broken here
                failures.append(str(result.err()))
                continue
            operation = result.ok()
            if operation.definition.raw.get("operationId") in SESSION_ENDING:
                continue
            failure = fuzz_operation(operation, credentials.for_operation(operation))
            if failure is not None:
                failures.append(failure)
    finally:
        shutdown_lifespans()
    return failures


async def credentials_for_run(
    sessionmaker: async_sessionmaker[AsyncSession], users: UserFactory, clock: FrozenClock
) -> Credentials:
    learner = await users(risk_profile="C3")
    admin = await users(roles=("admin",))
    await funder_for(sessionmaker, clock)(learner.id, 5_000)
    async with sessionmaker.begin() as db:
        _, key = await create_partner(db, clock, name="fuzz-broker")
    return Credentials(learner.headers, admin.headers, {PARTNER_KEY_HEADER: key})


async def test_fuzzed_requests_get_no_server_error_and_match_the_document(
    database_url: str,
    settings: Settings,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
) -> None:
    await load_seed(sessionmaker)
    credentials = await credentials_for_run(sessionmaker, user_factory, clock)
    # Schemathesis serves the app on its own event loop thread: an engine without a pool opens
    # each connection on the loop that uses it.
    engine = create_async_engine(asyncpg_url(database_url), poolclass=NullPool)
    app = create_app(settings, engine, clock=clock)
    try:
        failures = await asyncio.to_thread(fuzz_app, app, credentials)
    finally:
        await engine.dispose()
    assert failures == [], "\n\n".join(failures)


_: Callable[..., object] = fuzz_app  # keeps mypy honest about the thread target's signature
