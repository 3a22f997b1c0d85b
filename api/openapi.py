"""OpenAPI document settings and the problem responses each route declares."""

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from msgspec import Struct

from api.problems import PROBLEM_MEDIA_TYPE


class FieldError(Struct):
    field: str
    message: str


class Problem(Struct):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    errors: list[FieldError] | None = None


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


def openapi_config(version: str, security_schemes: dict[str, SecurityScheme]) -> OpenAPIConfig:
    return OpenAPIConfig(
        components=Components(security_schemes=dict(security_schemes)),
        title="InvestQuest API",
        version=version,
        description="Lessons, quizzes, points and broker vouchers for young investors.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
    )
