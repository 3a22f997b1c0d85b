"""The compliance rules, changed without a restart: moderators read the live set; admins
replace it with a new version, or store COMMUNITY_RULES_FILE as one (a set is live on every
server at once, so changing it takes the stronger role); each change is audited and is live on
every replica within a second of its commit (`api.community.rule_book`)."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.community.rule_book import RuleBook
from api.openapi import problem_responses
from api.settings import Settings
from core.clock import Clock
from gamification.community.errors import InvalidRuleSet
from gamification.community.rule_versions import RuleVersion, store_rule_version
from gamification.community.screening import RuleFileError, read_rule_document


class RuleSetIn(Struct, forbid_unknown_fields=True):
    """The document of `seed/moderation.yaml`, as JSON: checked as a whole on the server."""

    labels: dict[str, Any]
    rules: list[Any]


class RuleSetOut(Struct):
    version: int | None  # null: the rules file, before any version was stored
    source: str  # api | file
    created_at: datetime | None
    rule_count: int
    labels: dict[str, Any]
    rules: list[Any]


class ModerationRulesController(Controller):
    path = "/v1/admin/moderation/rules"
    tags = ("community",)
    guards = [requires_role(Role.MODERATOR)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(
        "/",
        operation_id="moderationRules",
        summary="The compliance rules live on this server",
        responses=problem_responses(401, 403),
    )
    async def live(self, request: Request[Any, Any, Any]) -> RuleSetOut:
        """The version this process screens with: the highest stored one once heard of, else
        COMMUNITY_RULES_FILE (`version` null)."""
        return _out(_book(request).live)

    @put(
        "/",
        operation_id="replaceModerationRules",
        summary="Store a new version of the compliance rules",
        status_code=200,
        responses=problem_responses(400, 401, 403, 422),
        guards=[requires_role(Role.ADMIN)],
    )
    async def replace(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[RuleSetIn],
    ) -> RuleSetOut:
        """The whole set, as in the rules file. 422 `validation-error` naming each problem by
        its place (`rules[3].patterns.en[0]`): nothing stored, the live rules stay. Once
        committed, every replica screens with it within a second."""
        document = {"labels": data.labels, "rules": data.rules}
        stored = await store_rule_version(
            db, document, source="api", created_by=caller.user_id, now=clock.now()
        )
        return await _audited(db, request, caller, stored)

    @post(
        "/reload",
        operation_id="reloadModerationRules",
        summary="Store COMMUNITY_RULES_FILE as a new version of the compliance rules",
        status_code=200,
        responses=problem_responses(401, 403, 422),
        guards=[requires_role(Role.ADMIN)],
    )
    async def reload(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        caller: NamedDependency[Caller],
    ) -> RuleSetOut:
        """For a file edited in place on the servers: read now, checked as `PUT` checks a body
        (422 naming each problem; the live rules stay)."""
        try:
            document = read_rule_document(settings.community_rules_file)
        except RuleFileError as exc:
            raise InvalidRuleSet([("COMMUNITY_RULES_FILE", p) for p in exc.problems]) from exc
        stored = await store_rule_version(
            db, document, source="file", created_by=caller.user_id, now=clock.now()
        )
        return await _audited(db, request, caller, stored)


def _book(request: Request[Any, Any, Any]) -> RuleBook:
    book: RuleBook = request.app.state.rule_book
    return book


async def _audited(
    db: AsyncSession, request: Request[Any, Any, Any], caller: Caller, stored: RuleVersion
) -> RuleSetOut:
    live = _book(request).live
    await audit_request(
        db,
        request,
        caller,
        action="community.rules.replaced",
        object_type="community_rule_set",
        object_id=str(stored.version),
        summary={
            "source": stored.source,
            "previous_version": live.version,
            "rule_ids": [rule.id for rule in stored.rules.rules],
        },
    )
    return _out(stored)


def _out(version: RuleVersion) -> RuleSetOut:
    return RuleSetOut(
        version=version.version,
        source=version.source,
        created_at=version.created_at,
        rule_count=len(version.rules.rules),
        labels=dict(version.document.get("labels") or {}),
        rules=list(version.document.get("rules") or []),
    )
