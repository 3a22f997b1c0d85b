"""The segment filter language, parsed and validated without the database.

A filter is JSON: `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}` over conditions
`{"field": F, "op": OP, "value": V}`. Parsing returns a tree of `Condition`s, or every problem
with the dotted path of the part at fault (`filter.all.1.op`), so a marketer fixes them all
at once. `segment_sql.py` compiles the tree to one SQL query.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

MAX_DEPTH = 6
MAX_CONDITIONS = 50
MAX_LIST = 100
MAX_COUNT = 1_000_000_000

LIFECYCLE_STAGES = ("new", "growing", "mature")
RISK_PROFILES = ("C1", "C2", "C3", "C4", "C5", "not_assessed")
LOCALES = ("zh-CN", "en")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

Problems = list[tuple[str, str]]


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # parsed: a str, int, bool, date/datetime, UUID, or a list/pair of them


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class Not:
    part: "Filter"


Filter = Condition | AllOf | AnyOf | Not

Parse = Callable[[Any], Any]  # raises ValueError with the message for the marketer


def _choice(choices: tuple[str, ...]) -> Parse:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return str(value)

    return parse


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"must be a whole number from 0 to {MAX_COUNT}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError("must be a course slug")
    return value


def _uuid(value: Any) -> uuid.UUID:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise ValueError("must be a UUID")


def _moment(value: Any) -> date | datetime:
    """A date (a whole day in the business time zone) or a time with its offset."""
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return moment.astimezone(UTC)
        except ValueError:
            pass
    raise ValueError("must be a date (YYYY-MM-DD) or a time with its offset")


EQUALITY = ("eq", "ne", "in")
RANGE = ("eq", "gte", "lte", "between")


@dataclass(frozen=True)
class FieldSpec:
    ops: tuple[str, ...]
    parse: Parse


FIELDS: dict[str, FieldSpec] = {
    "lifecycle_stage": FieldSpec(EQUALITY, _choice(LIFECYCLE_STAGES)),
    "risk_profile": FieldSpec(EQUALITY, _choice(RISK_PROFILES)),
    "locale": FieldSpec(EQUALITY, _choice(LOCALES)),
    "birthday_today": FieldSpec(("eq",), _boolean),
    "inactive_days": FieldSpec(RANGE, _count),
    "active_days": FieldSpec(RANGE, _count),
    "completed_course": FieldSpec(EQUALITY, _slug),
    "quizzes_passed": FieldSpec(RANGE, _count),
    "points_balance": FieldSpec(RANGE, _count),
    "level": FieldSpec(RANGE, _count),
    "holds_voucher_product": FieldSpec(EQUALITY, _uuid),
    "joined_contest": FieldSpec(EQUALITY, _uuid),
    "registered_at": FieldSpec(("gte", "lte", "between"), _moment),
}
GROUPS = ("all", "any", "not")


def parse_filter(raw: Any, path: str = "filter") -> tuple[Filter | None, Problems]:
    """The filter tree, or None and every problem as (path, message)."""
    problems: Problems = []
    counter = [0]
    tree = _node(raw, path, 1, problems, counter)
    if counter[0] > MAX_CONDITIONS:
        problems.append((path, f"at most {MAX_CONDITIONS} conditions"))
    return (None, problems) if problems else (tree, [])


def _node(raw: Any, path: str, depth: int, problems: Problems, counter: list[int]) -> Any:
    if depth > MAX_DEPTH:
        problems.append((path, f"nested deeper than {MAX_DEPTH} levels"))
        return None
    if not isinstance(raw, dict):
        problems.append((path, "must be an object: all, any, not, or a condition"))
        return None
    if "field" in raw:
        counter[0] += 1
        return _condition(raw, path, problems)
    keys = set(raw)
    if len(keys) != 1 or not keys <= set(GROUPS):
        problems.append((path, "must have exactly one of all, any, not, or be a condition"))
        return None
    (group,) = keys
    inner = raw[group]
    if group == "not":
        part = _node(inner, f"{path}.not", depth + 1, problems, counter)
        return Not(part)
    if not isinstance(inner, list) or not inner:
        problems.append((f"{path}.{group}", "must be a non-empty list"))
        return None
    parts = tuple(
        _node(item, f"{path}.{group}.{i}", depth + 1, problems, counter)
        for i, item in enumerate(inner)
    )
    return AllOf(parts) if group == "all" else AnyOf(parts)


def _condition(raw: dict[str, Any], path: str, problems: Problems) -> Condition | None:
    before = len(problems)
    unknown = sorted(set(raw) - {"field", "op", "value"})
    for key in unknown:
        problems.append((f"{path}.{key}", "unknown key: a condition has field, op and value"))
    spec = FIELDS.get(raw["field"]) if isinstance(raw["field"], str) else None
    if spec is None:
        problems.append((f"{path}.field", f"unknown field; known: {', '.join(FIELDS)}"))
        return None
    op = raw.get("op")
    if op not in spec.ops:
        problems.append((f"{path}.op", f"must be one of {', '.join(spec.ops)} for this field"))
        return None
    if "value" not in raw:
        problems.append((f"{path}.value", "is required"))
        return None
    value = _value(spec, op, raw["value"], f"{path}.value", problems)
    if len(problems) > before:
        return None
    return Condition(raw["field"], op, value)


def _value(spec: FieldSpec, op: str, raw: Any, path: str, problems: Problems) -> Any:
    if op == "in" or op == "between":
        items = raw if isinstance(raw, list) else None
        if op == "between" and (items is None or len(items) != 2):
            problems.append((path, "must be [low, high]"))
            return None
        if op == "in" and (items is None or not 0 < len(items) <= MAX_LIST):
            problems.append((path, f"must be a list of 1 to {MAX_LIST} values"))
            return None
        assert items is not None
        parsed = [_one(spec, item, f"{path}.{i}", problems) for i, item in enumerate(items)]
        if op == "between" and None not in parsed and not _ordered(parsed[0], parsed[1]):
            problems.append((path, "low must not be above high"))
        return tuple(parsed)
    return _one(spec, raw, path, problems)


def _ordered(low: Any, high: Any) -> bool:
    if isinstance(low, datetime) != isinstance(high, datetime):
        return True  # a date and a time: compared once both are instants, in SQL
    return bool(low <= high)


def _one(spec: FieldSpec, raw: Any, path: str, problems: Problems) -> Any:
    try:
        return spec.parse(raw)
    except ValueError as exc:
        problems.append((path, str(exc)))
        return None
