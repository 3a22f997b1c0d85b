"""Machine-checked worked examples: the arithmetic evaluator and the `checks` of example cards."""

from decimal import Decimal
from typing import Any

import pytest

from courses.checks import CheckError, check_problem, evaluate, value_in_text
from courses.sources import bundle_source
from courses.validation import Problem, validate_course
from tests.helpers import bundle_doc, each_locale

ZH = "locales.zh-CN"
EN = "locales.en"


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("10000 * 1.05 ** 10", Decimal("16288.946267774414062500")),
        ("(3.100 - 2.900) * 10000", Decimal("2000.000")),
        ("-(10 + 0.5) + 25", Decimal("14.5")),
        ("10000 / 1.02 ** 10", Decimal("8203.482998751552769979725284")),
    ],
)
def test_arithmetic_is_computed_in_decimal(expr: str, value: Decimal) -> None:
    assert evaluate(expr) == value


@pytest.mark.parametrize(
    "expr",
    [
        '__import__("os").system("true")',
        "open('x')",
        "1e5",
        "0x10",
        "1_000",
        "2 > 1",
        "1 / 0",
        "10 ** 10 ** 10",
        "(1 + 2",
        "",
    ],
)
def test_anything_but_plain_arithmetic_is_refused(expr: str) -> None:
    with pytest.raises(CheckError):
        evaluate(expr)


def test_the_result_is_rounded_to_the_decimals_the_value_is_written_with() -> None:
    assert check_problem("10000 * 1.05 ** 10", "16289") is None
    assert check_problem("10000 * 1.05 ** 10", "16288.95") is None
    assert check_problem("10000 * 1.05 ** 10", "16290") == "10000 * 1.05 ** 10 is 16289, not 16290"
    assert check_problem("2.5 * 1", "3") is None  # half up, as people round money


def test_the_value_is_found_in_text_with_separators_yen_and_trailing_zeros() -> None:
    assert value_in_text("16289", "10年后约¥16,289，20年后")
    assert value_in_text("0.5", "亏损0.50%")
    assert value_in_text("2400", "最多亏损¥2,400")
    assert value_in_text("-2400", "a loss of ¥2,400")
    assert not value_in_text("1628", "¥16,289")
    assert not value_in_text("16289", "¥16,290")


def example_card(document: dict[str, Any], checks: list[dict[str, str]]) -> None:
    document["lessons"][0]["cards"][0] = {
        "kind": "example",
        "body": "¥10,000 at 5% for 10 years grows to about ¥16,289.",
        "checks": checks,
    }


def problems_of(document: dict[str, Any]) -> list[Problem]:
    return validate_course(bundle_source(document), known_courses=None)[1]


def test_checks_that_hold_in_both_locales_pass() -> None:
    checks = [{"expr": "10000 * 1.05 ** 10", "value": "16289"}]
    assert problems_of(each_locale(bundle_doc(), lambda d: example_card(d, checks))) == []


def test_a_wrong_result_and_a_bad_expr_are_problems() -> None:
    checks = [
        {"expr": "10000 * 1.05 ** 10", "value": "16290"},
        {"expr": "import os", "value": "1"},
    ]
    problems = problems_of(each_locale(bundle_doc(), lambda d: example_card(d, checks)))
    zh = {(p.path, p.message) for p in problems if p.file == ZH}
    assert zh == {
        ("lessons[0].cards[0].checks[0]", "10000 * 1.05 ** 10 is 16289, not 16290"),
        (
            "lessons[0].cards[0].checks[1]",
            "expr may hold only decimal numbers, + - * / **, parentheses and spaces",
        ),
    }


def test_a_value_the_body_does_not_write_is_a_problem() -> None:
    checks = [{"expr": "10000 * 1.05 ** 20", "value": "26533"}]
    problems = problems_of(each_locale(bundle_doc(), lambda d: example_card(d, checks)))
    assert {(p.file, p.path, p.message) for p in problems} == {
        (locale, "lessons[0].cards[0]", "checks[0]: 26533 is not written in the body")
        for locale in (ZH, EN)
    }


def test_an_unquoted_value_and_checks_on_a_text_card_are_problems() -> None:
    def change(document: dict[str, Any]) -> None:
        example_card(document, [{"expr": "1 + 1", "value": 2}])  # type: ignore[dict-item]
        document["lessons"][1]["cards"][0]["checks"] = [{"expr": "1 + 1", "value": "2"}]

    problems = problems_of(each_locale(bundle_doc(), change))
    assert {p.path for p in problems if p.file == ZH} == {
        "lessons[0].cards[0].checks[0].value",
        "lessons[1].cards[0]",
    }


def test_a_translation_must_carry_the_same_checks() -> None:
    document = each_locale(
        bundle_doc(),
        lambda d: example_card(d, [{"expr": "10000 * 1.05 ** 10", "value": "16289"}]),
    )
    document["locales"]["en"]["lessons"][0]["cards"][0]["checks"] = []
    problems = problems_of(document)
    assert [(p.file, p.path) for p in problems] == [(EN, "lessons[0].cards[0].checks")]
