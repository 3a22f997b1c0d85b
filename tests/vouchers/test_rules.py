"""The pure voucher rules: terms, codes and eligibility, with no database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gamification.vouchers.codes import ALPHABET, new_code, normalise_code
from gamification.vouchers.eligibility import (
    LIFECYCLE_STAGE,
    NOT_ON_SALE,
    RISK_ASSESSMENT_REQUIRED,
    RISK_PROFILE_TOO_LOW,
    course_problem,
    profile_problem,
    sale_window_problem,
)
from gamification.vouchers.errors import InvalidProduct
from gamification.vouchers.terms import validate_terms

NOW = datetime(2026, 3, 2, tzinfo=UTC)
YIELD: dict[str, Any] = {
    "product_name": "Money fund",
    "product_type": "money_market",
    "boost_pct_per_year": "1.5",
    "principal_cap_cny": 10000,
    "days": 7,
}


def fields_of(exc: pytest.ExceptionInfo[InvalidProduct]) -> list[str]:
    return [field for field, _ in exc.value.errors or ()]


def test_a_commission_waiver_is_normalised_with_money_as_strings() -> None:
    terms, level = validate_terms(
        "fee",
        {"market": "cn_a_share", "waive_commission_up_to_cny": 5, "trades": 10},
        product_risk_level=None,
    )
    assert terms == {
        "type": "commission_waiver",
        "market": "cn_a_share",
        "waive_commission_up_to_cny": "5.00",
        "trades": 10,
    }
    assert level is None


def test_a_rebate_is_recognised_by_its_field() -> None:
    terms, _ = validate_terms(
        "fee", {"market": "cn_etf", "rebate_cny": "20"}, product_risk_level=None
    )
    assert terms == {"type": "commission_rebate", "market": "cn_etf", "rebate_cny": "20.00"}


def test_waiver_and_rebate_fields_do_not_mix() -> None:
    with pytest.raises(InvalidProduct) as exc:
        validate_terms(
            "fee",
            {"market": "cn_etf", "rebate_cny": 20, "trades": 3},
            product_risk_level=None,
        )
    assert "terms.trades" in fields_of(exc)


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        (1.5, True),
        ("0.01", True),
        ("1.005", False),
        (0, False),
        (-5, False),
        ("NaN", False),
        ("Infinity", False),
        (True, False),
        ("five", False),
        (1001, False),
    ],
)
def test_money_is_positive_with_at_most_two_places(amount: Any, ok: bool) -> None:
    raw = {"market": "cn_a_share", "rebate_cny": amount}
    if ok:
        terms, _ = validate_terms("fee", raw, product_risk_level=None)
        assert Decimal(terms["rebate_cny"]) == Decimal(str(amount))
    else:
        with pytest.raises(InvalidProduct) as exc:
            validate_terms("fee", raw, product_risk_level=None)
        assert fields_of(exc) == ["terms.rebate_cny"]


def test_a_yield_boost_needs_its_products_risk_level() -> None:
    with pytest.raises(InvalidProduct) as exc:
        validate_terms("yield", YIELD, product_risk_level=None)
    assert fields_of(exc) == ["product_risk_level"]
    terms, level = validate_terms("yield", YIELD, product_risk_level="R1")
    assert level == "R1"
    assert terms["product_risk_level"] == "R1"
    assert terms["boost_pct_per_year"] == "1.50"
    assert terms["principal_cap_cny"] == "10000.00"
    _, level = validate_terms(
        "yield", YIELD | {"product_risk_level": "R2"}, product_risk_level=None
    )
    assert level == "R2"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidProduct) as exc:
        validate_terms(
            "yield",
            {"product_type": "crypto", "boost_pct_per_year": 50, "days": 0, "colour": "red"},
            product_risk_level="R1",
        )
    assert set(fields_of(exc)) == {
        "terms.colour",
        "terms.product_name",
        "terms.product_type",
        "terms.boost_pct_per_year",
        "terms.principal_cap_cny",
        "terms.days",
    }


def test_terms_must_be_an_object() -> None:
    with pytest.raises(InvalidProduct) as exc:
        validate_terms("fee", ["market"], product_risk_level=None)
    assert fields_of(exc) == ["terms"]


def test_codes_are_grouped_and_from_the_unambiguous_alphabet() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 14
        assert code[4] == code[9] == "-"
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert not set("01OILU") & set(ALPHABET)


@given(st.text(alphabet=ALPHABET, min_size=12, max_size=12), st.sampled_from(["", "-", " "]))
def test_a_code_typed_any_way_normalises_to_itself(symbols: str, separator: str) -> None:
    code = "-".join(symbols[i : i + 4] for i in range(0, 12, 4))
    typed = separator.join(symbols[i : i + 4] for i in range(0, 12, 4)).lower()
    assert normalise_code(typed) == code
    assert normalise_code(code) == code


@given(st.text(max_size=20))
def test_normalising_never_accepts_what_could_not_be_a_code(text: str) -> None:
    code = normalise_code(text)
    assert code is None or (len(code) == 14 and set(code.replace("-", "")) <= set(ALPHABET))


@pytest.mark.parametrize("typed", ["0000-0000-0000", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "IL1O"])
def test_ambiguous_or_wrong_length_codes_are_refused(typed: str) -> None:
    assert normalise_code(typed) is None


def test_sale_window() -> None:
    hour = timedelta(hours=1)
    assert sale_window_problem(None, None, NOW) is None
    assert sale_window_problem(NOW, NOW + hour, NOW) is None
    assert sale_window_problem(NOW + hour, None, NOW).reason == NOT_ON_SALE  # type: ignore[union-attr]
    assert sale_window_problem(None, NOW, NOW).reason == NOT_ON_SALE  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("level", "profile", "reason"),
    [
        ("R1", None, RISK_ASSESSMENT_REQUIRED),
        ("R1", "C1", None),
        ("R2", "C1", RISK_PROFILE_TOO_LOW),
        ("R2", "C2", None),
        ("R3", "C5", None),
        ("R5", "C4", RISK_PROFILE_TOO_LOW),
        (None, None, None),
    ],
)
def test_product_risk_level_must_not_exceed_the_investors(
    level: str | None, profile: str | None, reason: str | None
) -> None:
    problem = profile_problem(
        product_risk_level=level,
        lifecycle_stages=(),
        risk_profile=profile,
        lifecycle_stage="new",
    )
    assert (problem.reason if problem else None) == reason


def test_lifecycle_stages_and_courses() -> None:
    def only_new(stage: str) -> Any:
        return profile_problem(
            product_risk_level=None,
            lifecycle_stages=("new",),
            risk_profile=None,
            lifecycle_stage=stage,
        )

    assert only_new("new") is None
    mature = only_new("mature")
    assert mature is not None
    assert mature.reason == LIFECYCLE_STAGE
    missing = course_problem("funds-and-etfs", "Funds and ETFs")
    assert (missing.reason, missing.params["course"]) == ("course-required", "Funds and ETFs")
