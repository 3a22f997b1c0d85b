"""msgspec's wording becomes plain English, and every pattern of a request body has its words."""

from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from msgspec import inspect

from api.campaigns.schemas import CampaignIn
from api.validation_errors import PATTERN_MESSAGES, plain_message, struct_errors


@pytest.mark.parametrize(
    ("library", "plain"),
    [
        ("Expected `str` of length >= 1", "must be at least 1 character"),
        ("Expected `str` of length >= 3", "must be at least 3 characters"),
        ("Expected `str` of length <= 64", "must be at most 64 characters"),
        ("Expected `array` of length <= 3", "must have at most 3 items"),
        ("Expected `object` of length <= 20", "must have at most 20 entries"),
        ("Expected `int` >= 1", "must be at least 1"),
        ("Expected `int` <= 100", "must be at most 100"),
        ("Expected `int`, got `str`", "must be a whole number"),
        ("Expected `int | null`, got `float`", "must be a whole number"),
        ("Expected `str`, got `null`", "must not be null"),
        ("Expected `bool`, got `str`", "must be true or false"),
        (
            "Invalid RFC3339 encoded datetime",
            "must be a date and time such as 2026-11-30T09:30:00+08:00",
        ),
        ("Expected `datetime` with a timezone component", "must include a time zone"),
        ("Invalid UUID", "must be a UUID"),
        ("Expected `str` matching regex '^[a-z]+$'", "is not in the expected format"),
        ("something msgspec says one day", "is not valid"),
    ],
)
def test_library_wording_becomes_plain(library: str, plain: str) -> None:
    assert plain_message(library) == plain


def _patterns(info: inspect.Type, seen: set[type]) -> set[str]:
    """Every string pattern inside a type, through structs, unions, containers and metadata."""
    if isinstance(info, inspect.StrType):
        return {info.pattern} if info.pattern else set()
    if isinstance(info, inspect.StructType):
        if info.cls in seen:
            return set()
        seen.add(info.cls)
        return set().union(*(_patterns(f.type, seen) for f in info.fields))
    children: list[Any] = []
    if isinstance(info, inspect.Metadata):
        children = [info.type]
    elif isinstance(info, inspect.UnionType):
        children = list(info.types)
    elif isinstance(info, (inspect.ListType, inspect.SetType, inspect.VarTupleType)):
        children = [info.item_type]
    elif isinstance(info, inspect.DictType):
        children = [info.key_type, info.value_type]
    return set().union(set(), *(_patterns(child, seen) for child in children))


def test_every_pattern_of_a_request_body_has_plain_words(app: Litestar) -> None:
    patterns: set[str] = set()
    for route in app.routes:
        for handler in route.route_handlers if isinstance(route, HTTPRoute) else []:
            if isinstance(handler, HTTPRouteHandler) and handler.parsed_data_field is not None:
                info = inspect.type_info(handler.parsed_data_field.annotation)
                patterns |= _patterns(info, set())
    assert patterns, "the walk found no patterns: it is not looking in the right place"
    assert patterns <= set(PATTERN_MESSAGES), patterns - set(PATTERN_MESSAGES)


def test_every_field_of_a_tagged_union_member_is_checked() -> None:
    """A campaign's `action` is one of several tagged bodies: the one its `type` names is
    checked field by field, so every problem of it is listed, not only msgspec's first."""
    action = {"type": "points_multiplier", "factor": "many", "rules": "lesson_completed"}
    document = {"action": action, "schedule": {"timezone": "UTC"}}
    errors = struct_errors(document, CampaignIn)
    assert {e["field"]: e["message"] for e in errors if e["field"].startswith("action")} == {
        "action.factor": "must be a decimal number",
        "action.rules": "must be a list",
        "action.starts_at": "is required",
        "action.ends_at": "is required",
    }
    unknown = struct_errors({**document, "action": {"type": "nope"}}, CampaignIn)
    assert [e["field"] for e in unknown if e["field"].startswith("action")] == ["action.type"]
