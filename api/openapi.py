"""OpenAPI document settings, the problem responses each route declares, and the schema
plugins that keep generated clients clean."""

from typing import Any

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import Components, OpenAPIType, Schema, SecurityScheme
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from msgspec import Struct

from api.docs_page import docs_render_plugin
from api.problems import PROBLEM_MEDIA_TYPE
from api.timestamps import TIMESTAMP_DESCRIPTION, TimestampSchemaPlugin


class FieldError(Struct):
    field: str
    message: str


class CourseRef(Struct):
    slug: str
    title: str  # in the caller's locale


class Problem(Struct):
    """An RFC 9457 problem document; `title` and `detail` in the caller's locale. Refusals
    with a sub-reason say it as a field: `reason` (a `not-eligible` voucher, a locked course),
    with `required_course` or `missing_prerequisites` when a course is missing."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    errors: list[FieldError] | None = None
    reason: str | None = None
    required_course: CourseRef | None = None
    missing_prerequisites: list[str] | None = None


_DESCRIPTIONS = {
    400: "Malformed request (e.g. invalid JSON)",
    401: "Missing or invalid credentials",
    403: "Not allowed for the caller's role or suitability",
    404: "Not found, or not the caller's",
    409: "Conflicts with the current state",
    413: "Request body over 1 MiB",
    415: "Unsupported content type",
    422: "Validation failed; `errors` lists each field",
    429: "Rate or attempt limit reached; see Retry-After",
    503: "The database did not answer in time (`database-unavailable`), or not ready; "
    "retry after `Retry-After` seconds",
}


BEARER = "BearerAuth"
PARTNER_KEY = "PartnerKey"

SECURITY_SCHEMES = {
    BEARER: SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description="The access token from /v1/auth/login, /register or /refresh.",
    ),
    PARTNER_KEY: SecurityScheme(
        type="apiKey",
        name="X-Partner-Key",
        security_scheme_in="header",
        description="A broker system's key (`investquest partners create`); partner routes only.",
    ),
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Declare problem+json responses for a route, so clients see every failure it can answer.
    Every such route reads the database, so each also declares 503 (`database-unavailable`)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in (*statuses, 503)
    }


class NullableLiteralSchemaPlugin(OpenAPISchemaPlugin):
    """`Literal["R1", ...] | None` as `oneOf: [enum, null]`. Litestar writes it as one schema
    with `type: [null, string]` and `null` among the enum values, which client generators turn
    into several half-types (`..._type_2_type_1`)."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        values = [inner for inner in field_definition.inner_types if not inner.is_none_type]
        return (
            field_definition.is_optional
            and len(values) == 1
            and values[0].is_literal
            and None not in values[0].args
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        (literal,) = [inner for inner in field_definition.inner_types if not inner.is_none_type]
        return Schema(
            one_of=[schema_creator.for_field_definition(literal), Schema(type=OpenAPIType.NULL)]
        )


OPENAPI_SCHEMA_PLUGINS = [NullableLiteralSchemaPlugin(), TimestampSchemaPlugin()]


def openapi_config(version: str, security_schemes: dict[str, SecurityScheme]) -> OpenAPIConfig:
    return OpenAPIConfig(
        components=Components(security_schemes=dict(security_schemes)),
        title="InvestQuest API",
        version=version,
        description="Lessons, quizzes, points and broker vouchers for young investors.\n\n"
        f"Times: {TIMESTAMP_DESCRIPTION}",
        path="/schema",
        render_plugins=[docs_render_plugin()],
    )
