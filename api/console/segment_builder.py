"""The segment builder: rows of conditions (field, operator, value) in groups, read from the
console's form and compiled to the segment filter JSON the API takes, so the same parser
(`gamification/campaigns/filters.py`) checks it and its problems come back to the row at fault.

The form is two levels deep: the groups are combined with `all` or `any`, and each group
matches `all` of its rows, `any` of them, or `none` of them (`not` over `any`). Deeper
nesting is written as raw JSON instead. Form names: `match`, `g{i}.mode`, `g{i}.r{j}.field`,
`g{i}.r{j}.op`, `g{i}.r{j}.value`. A row whose field is left blank is ignored (a new row).
"""

from dataclasses import dataclass, field, replace
from typing import Any

from litestar.datastructures import FormMultiDict

from gamification.campaigns.filters import FIELDS, LIFECYCLE_STAGES, LOCALES, RISK_PROFILES

MATCHES = ("all", "any")
MODES = ("all", "any", "none")
MAX_GROUPS = 10
MAX_ROWS = 20
# How a value typed in a row is read: as a whole number, true/false, or text (a choice, a
# slug, a UUID, a date); `in` and `between` take several, separated by commas.
NUMBER, BOOLEAN, TEXT = "number", "boolean", "text"
VALUE_KINDS = {
    "lifecycle_stage": TEXT,
    "risk_profile": TEXT,
    "locale": TEXT,
    "birthday_today": BOOLEAN,
    "inactive_days": NUMBER,
    "active_days": NUMBER,
    "completed_course": TEXT,
    "quizzes_passed": NUMBER,
    "points_balance": NUMBER,
    "level": NUMBER,
    "holds_voucher_product": TEXT,
    "joined_contest": TEXT,
    "registered_at": TEXT,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "lifecycle_stage": LIFECYCLE_STAGES,
    "risk_profile": RISK_PROFILES,
    "locale": LOCALES,
    "birthday_today": ("true", "false"),
}
# The hint a row's value box shows, per field (`value_*` in texts.py).
HINTS = {
    "lifecycle_stage": "choice",
    "risk_profile": "choice",
    "locale": "choice",
    "birthday_today": "boolean",
    "inactive_days": "days",
    "active_days": "days",
    "completed_course": "slug",
    "quizzes_passed": "number",
    "points_balance": "number",
    "level": "number",
    "holds_voucher_product": "product",
    "joined_contest": "contest",
    "registered_at": "date",
}
SEVERAL = ("in", "between")
DEFAULT_ROW = ("lifecycle_stage", "eq", "new")


@dataclass(frozen=True)
class Row:
    field: str = ""
    op: str = ""
    value: str = ""

    @property
    def ops(self) -> tuple[str, ...]:
        """The operators this row's field takes (all of them until a field is chosen)."""
        spec = FIELDS.get(self.field)
        return spec.ops if spec else ()


@dataclass(frozen=True)
class Group:
    mode: str = "all"
    rows: tuple[Row, ...] = (Row(),)


@dataclass(frozen=True)
class Builder:
    match: str = "all"
    groups: tuple[Group, ...] = (Group(rows=(Row(*DEFAULT_ROW),)),)


@dataclass(frozen=True)
class Compiled:
    """The filter JSON, and where each condition's path came from in the form."""

    filter: dict[str, Any]
    rows: dict[str, str] = field(default_factory=dict)  # "filter.all.0.any.1" -> "g0.r1"

    def form_name(self, path: str) -> str:
        """The form field of a problem's path (`filter.all.0.all.1.value` → `g0.r1.value`);
        a path outside any row stays as it is."""
        for prefix, name in self.rows.items():
            if path == prefix or path.startswith(f"{prefix}."):
                rest = path.removeprefix(prefix).removeprefix(".")
                part = rest.split(".", 1)[0] if rest else "field"
                return f"{name}.{part if part in ('field', 'op') else 'value'}"
        return path


def _choice(form: FormMultiDict, name: str, choices: tuple[str, ...]) -> str:
    value = form.get(name)
    return value if isinstance(value, str) and value in choices else choices[0]


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_builder(form: FormMultiDict) -> Builder:
    """The builder as the form holds it (its rows in order)."""
    groups = []
    for i in range(MAX_GROUPS):
        if f"g{i}.mode" not in form:
            break
        rows = []
        for j in range(MAX_ROWS):
            prefix = f"g{i}.r{j}"
            if f"{prefix}.field" not in form:
                break
            rows.append(
                Row(
                    _text(form, f"{prefix}.field"),
                    _text(form, f"{prefix}.op"),
                    _text(form, f"{prefix}.value"),
                )
            )
        groups.append(Group(_choice(form, f"g{i}.mode", MODES), tuple(rows)))
    return Builder(_choice(form, "match", MATCHES), tuple(groups))


def edited(builder: Builder, edit: str) -> Builder:
    """The builder after one of its buttons: `add-group`, `add-row:{i}`, `remove-row:{i}:{j}`
    (a group left with no row goes too). An unknown edit changes nothing."""
    kind, _, where = edit.partition(":")
    groups = list(builder.groups)
    # ASCII digits only: `str.isdigit` takes `²`, which `int` refuses.
    numbers = [int(n) for n in where.split(":") if n.isascii() and n.isdigit()]
    if kind == "add-group" and len(groups) < MAX_GROUPS:
        groups.append(Group())
    elif kind == "add-row" and numbers and numbers[0] < len(groups):
        group = groups[numbers[0]]
        if len(group.rows) < MAX_ROWS:
            groups[numbers[0]] = replace(group, rows=(*group.rows, Row()))
    elif kind == "remove-row" and len(numbers) == 2 and numbers[0] < len(groups):
        i, j = numbers
        rows = tuple(row for n, row in enumerate(groups[i].rows) if n != j)
        if rows:
            groups[i] = replace(groups[i], rows=rows)
        else:
            del groups[i]
    return replace(builder, groups=tuple(groups))


def _value(row: Row) -> Any:
    """The row's value as JSON: numbers and true/false read as such where the field takes
    them; anything else is kept as typed, for the filter's own message."""
    kind = VALUE_KINDS.get(row.field, TEXT)
    if row.op in SEVERAL:
        return [_one(kind, part.strip()) for part in row.value.split(",") if part.strip()]
    return _one(kind, row.value)


def _one(kind: str, text: str) -> Any:
    if kind == NUMBER:
        try:
            return int(text)
        except ValueError:
            return text
    if kind == BOOLEAN and text in ("true", "false"):
        return text == "true"
    return text


def compile_builder(builder: Builder) -> Compiled:
    """The filter JSON of the builder's rows that name a field."""
    parts: list[dict[str, Any]] = []
    rows: dict[str, str] = {}
    for i, group in enumerate(builder.groups):
        chosen = [(j, row) for j, row in enumerate(group.rows) if row.field]
        if not chosen:
            continue
        where = f"filter.{builder.match}.{len(parts)}"
        inner = f"{where}.not.any" if group.mode == "none" else f"{where}.{group.mode}"
        conditions = []
        for n, (j, row) in enumerate(chosen):
            rows[f"{inner}.{n}"] = f"g{i}.r{j}"
            conditions.append({"field": row.field, "op": row.op, "value": _value(row)})
        key = "any" if group.mode == "none" else group.mode
        part: dict[str, Any] = {key: conditions}
        parts.append({"not": part} if group.mode == "none" else part)
    return Compiled({builder.match: parts}, rows)
