"""The segment builder's rows compile to the filter JSON the API takes, for every condition of
the filter language, and a problem's path finds its way back to the row it came from."""

from litestar.datastructures import FormMultiDict

from api.console.segment_builder import (
    HINTS,
    VALUE_KINDS,
    Builder,
    Group,
    Row,
    compile_builder,
    edited,
    read_builder,
)
from gamification.campaigns.filters import FIELDS, parse_filter

# A valid row for every field of the filter language (issue 14's list).
EVERY_CONDITION = (
    Row("lifecycle_stage", "in", "new, growing"),
    Row("risk_profile", "eq", "not_assessed"),
    Row("locale", "ne", "en"),
    Row("birthday_today", "eq", "true"),
    Row("inactive_days", "gte", "30"),
    Row("active_days", "lte", "7"),
    Row("completed_course", "eq", "risk-basics"),
    Row("quizzes_passed", "lte", "2"),
    Row("points_balance", "between", "100, 500"),
    Row("level", "gte", "3"),
    Row("holds_voucher_product", "eq", "6f1c1a52-3c4b-4d0e-9a57-0c9a3e1f2b11"),
    Row("joined_contest", "in", "6f1c1a52-3c4b-4d0e-9a57-0c9a3e1f2b12"),
    Row("registered_at", "between", "2026-01-01, 2026-03-31"),
)


def test_the_builder_offers_every_field_of_the_filter_language() -> None:
    assert set(VALUE_KINDS) == set(HINTS) == set(FIELDS)
    assert {row.field for row in EVERY_CONDITION} == set(FIELDS)


def test_every_condition_compiles_to_a_filter_the_api_accepts() -> None:
    builder = Builder(
        "all", (Group("all", EVERY_CONDITION[:7]), Group("none", EVERY_CONDITION[7:]))
    )
    compiled = compile_builder(builder)
    tree, problems = parse_filter(compiled.filter)
    assert problems == []
    assert tree is not None
    first, second = compiled.filter["all"]
    assert first["all"][0] == {"field": "lifecycle_stage", "op": "in", "value": ["new", "growing"]}
    assert first["all"][3] == {"field": "birthday_today", "op": "eq", "value": True}
    assert first["all"][4]["value"] == 30
    assert second["not"]["any"][1] == {
        "field": "points_balance",
        "op": "between",
        "value": [100, 500],
    }


def test_groups_combine_with_any_and_blank_rows_are_ignored() -> None:
    builder = Builder(
        "any",
        (
            Group("any", (Row("level", "gte", "3"), Row())),
            Group("all", (Row(),)),
            Group("all", (Row("locale", "eq", "en"),)),
        ),
    )
    assert compile_builder(builder).filter == {
        "any": [
            {"any": [{"field": "level", "op": "gte", "value": 3}]},
            {"all": [{"field": "locale", "op": "eq", "value": "en"}]},
        ]
    }


def test_a_problem_is_named_by_the_row_it_came_from() -> None:
    builder = Builder(
        "all",
        (
            Group("all", (Row("level", "gte", "3"),)),
            Group("none", (Row(), Row("points_balance", "gte", "lots"))),
        ),
    )
    compiled = compile_builder(builder)
    _, problems = parse_filter(compiled.filter)
    assert problems == [
        ("filter.all.1.not.any.0.value", "must be a whole number from 0 to 1000000000")
    ]
    assert compiled.form_name(problems[0][0]) == "g1.r1.value"
    assert compiled.form_name("filter.all.0.all.0.op") == "g0.r0.op"
    assert compiled.form_name("filter.all") == "filter.all"


def test_the_form_is_read_back_and_edited_row_by_row() -> None:
    form = FormMultiDict(
        [
            ("match", "any"),
            ("g0.mode", "none"),
            ("g0.r0.field", "level"),
            ("g0.r0.op", "gte"),
            ("g0.r0.value", " 3 "),
            ("g0.r1.field", "locale"),
            ("g0.r1.op", "eq"),
            ("g0.r1.value", "en"),
            ("g1.mode", "bogus"),
            ("g1.r0.field", ""),
        ]
    )
    builder = read_builder(form)
    assert builder.match == "any"
    assert builder.groups[0] == Group("none", (Row("level", "gte", "3"), Row("locale", "eq", "en")))
    assert builder.groups[1] == Group("all", (Row(),))
    assert len(edited(builder, "add-row:1").groups[1].rows) == 2
    assert len(edited(builder, "add-group").groups) == 3
    assert edited(builder, "remove-row:0:0").groups[0].rows == (Row("locale", "eq", "en"),)
    assert len(edited(builder, "remove-row:1:0").groups) == 1  # its last row: the group goes
    assert edited(builder, "remove-row:7:0") == builder
    assert Row("level").ops == FIELDS["level"].ops
    assert Row().ops == ()
