"""The segment filter language: every bad part is named by its path."""

from typing import Any

import pytest

from gamification.campaigns.filters import AllOf, Condition, Not, parse_filter


def problems_of(raw: Any) -> list[tuple[str, str]]:
    tree, problems = parse_filter(raw)
    assert tree is None
    return problems


def test_a_nested_filter_parses() -> None:
    tree, problems = parse_filter(
        {
            "all": [
                {"field": "lifecycle_stage", "op": "in", "value": ["new", "growing"]},
                {"not": {"field": "risk_profile", "op": "eq", "value": "not_assessed"}},
                {"field": "points_balance", "op": "between", "value": [100, 500]},
            ]
        }
    )
    assert problems == []
    assert isinstance(tree, AllOf)
    assert tree.parts[0] == Condition("lifecycle_stage", "in", ("new", "growing"))
    assert isinstance(tree.parts[1], Not)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"all": [{"field": "shoe_size", "op": "eq", "value": 42}]}, "filter.all.0.field"),
        ({"any": [{}, {"field": "locale", "op": "like", "value": "en"}]}, "filter.any.1.op"),
        ({"field": "level", "op": "gte", "value": -1}, "filter.value"),
        ({"field": "level", "op": "between", "value": [5, 2]}, "filter.value"),
        ({"field": "locale", "op": "eq", "value": "en", "extra": 1}, "filter.extra"),
        ({"all": []}, "filter.all"),
        ({"some": []}, "filter"),
        ({"field": "joined_contest", "op": "eq", "value": "nope"}, "filter.value"),
        ({"field": "registered_at", "op": "gte", "value": "2026-13-01"}, "filter.value"),
    ],
)
def test_a_bad_part_is_named_by_its_path(raw: Any, path: str) -> None:
    assert path in [where for where, _ in problems_of(raw)]


def test_every_problem_is_listed_at_once() -> None:
    raw = {
        "all": [
            {"field": "nope", "op": "eq", "value": 1},
            {"field": "locale", "op": "eq", "value": "fr"},
        ]
    }
    assert [where for where, _ in problems_of(raw)] == ["filter.all.0.field", "filter.all.1.value"]


def test_too_deep_a_filter_is_refused() -> None:
    raw: Any = {"field": "locale", "op": "eq", "value": "en"}
    for _ in range(7):
        raw = {"not": raw}
    assert any("deeper" in message for _, message in problems_of(raw))
