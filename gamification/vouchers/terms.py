"""Voucher terms: what a voucher is worth at the broker, validated and normalised. Pure.

Terms are stored as JSON with money and rates as decimal strings ("5.00"), never floats, and
always carry a `type`. Input may give amounts as numbers or strings; `type` may be left out
when the keys make it plain.

`fee` (a commission discount), one of:
  commission_waiver  {market, waive_commission_up_to_cny, trades}
                     the commission of each of the next `trades` trades in `market` is waived
                     up to the amount (¥5 covers the usual minimum commission, "免五")
  commission_rebate  {market, rebate_cny}
                     a fixed ¥ amount of commission paid back on trades in `market`
`yield` (a rate boost), one form:
  rate_boost         {product_name, product_name_en?, product_type, boost_pct_per_year,
                      principal_cap_cny, days, product_risk_level}
                     +`boost_pct_per_year` % a year, on principal up to the cap, for `days` days
                     after the broker activates it, on a product of risk level R1..R5
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from gamification.vouchers.errors import InvalidProduct
from gamification.vouchers.models import VoucherKind

MARKETS = ("cn_a_share", "cn_etf", "cn_bond", "hk_connect")  # named in `core/messages`
YIELD_PRODUCT_TYPES = ("money_market", "bond_fund", "wealth_management")
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")

COMMISSION_WAIVER = "commission_waiver"
COMMISSION_REBATE = "commission_rebate"
RATE_BOOST = "rate_boost"

_FEE_KEYS = {"type", "market", "waive_commission_up_to_cny", "trades", "rebate_cny"}
_YIELD_KEYS = {
    "type",
    "product_name",
    "product_name_en",
    "product_type",
    "boost_pct_per_year",
    "principal_cap_cny",
    "days",
    "product_risk_level",
}

# Bounds that keep a typo from becoming a costly promise.
MAX_WAIVER_PER_TRADE_CNY = Decimal(100)
MAX_TRADES = 1000
MAX_REBATE_CNY = Decimal(1000)
MAX_BOOST_PCT = Decimal(5)
MAX_PRINCIPAL_CNY = Decimal(1_000_000)
MAX_BOOST_DAYS = 365

Errors = list[tuple[str, str]]


def validate_terms(
    kind: str, raw: Any, *, product_risk_level: str | None
) -> tuple[dict[str, Any], str | None]:
    """The normalised terms and the product's risk level, or InvalidProduct naming each field.

    A yield product must have a risk level, given at the top level, in the terms, or both
    (then equal). A fee product may have one; its terms do not repeat it.
    """
    errors: Errors = []
    if product_risk_level is not None and product_risk_level not in RISK_LEVELS:
        errors.append(("product_risk_level", "must be one of R1..R5"))
    if not isinstance(raw, dict):
        raise InvalidProduct([*errors, ("terms", "must be an object")])
    if kind == VoucherKind.FEE:
        terms = _fee_terms(raw, errors)
        level = product_risk_level
    elif kind == VoucherKind.YIELD:
        terms, level = _yield_terms(raw, product_risk_level, errors)
    else:
        raise InvalidProduct([*errors, ("kind", "must be fee or yield")])
    if errors:
        raise InvalidProduct(errors)
    return terms, level


def _fee_terms(raw: dict[str, Any], errors: Errors) -> dict[str, Any]:
    _unknown_keys(raw, _FEE_KEYS, errors)
    is_rebate = "rebate_cny" in raw
    form = raw.get("type", COMMISSION_REBATE if is_rebate else COMMISSION_WAIVER)
    if form not in (COMMISSION_WAIVER, COMMISSION_REBATE):
        errors.append(("terms.type", f"must be {COMMISSION_WAIVER} or {COMMISSION_REBATE}"))
        return {}
    market = raw.get("market")
    if market not in MARKETS:
        errors.append(("terms.market", f"must be one of {', '.join(MARKETS)}"))
    if form == COMMISSION_REBATE:
        for extra in ("waive_commission_up_to_cny", "trades"):
            if extra in raw:
                errors.append((f"terms.{extra}", "not allowed on a commission rebate"))
        rebate = _amount(raw, "rebate_cny", MAX_REBATE_CNY, errors)
        return {"type": form, "market": market, "rebate_cny": rebate}
    if is_rebate:
        errors.append(("terms.rebate_cny", "not allowed on a commission waiver"))
    waiver = _amount(raw, "waive_commission_up_to_cny", MAX_WAIVER_PER_TRADE_CNY, errors)
    trades = _count(raw, "trades", MAX_TRADES, errors)
    return {
        "type": form,
        "market": market,
        "waive_commission_up_to_cny": waiver,
        "trades": trades,
    }


def _yield_terms(
    raw: dict[str, Any], product_risk_level: str | None, errors: Errors
) -> tuple[dict[str, Any], str | None]:
    _unknown_keys(raw, _YIELD_KEYS, errors)
    if raw.get("type", RATE_BOOST) != RATE_BOOST:
        errors.append(("terms.type", f"must be {RATE_BOOST}"))
    name = _product_name(raw, "product_name", errors)
    product_type = raw.get("product_type")
    if product_type not in YIELD_PRODUCT_TYPES:
        errors.append(("terms.product_type", f"must be one of {', '.join(YIELD_PRODUCT_TYPES)}"))
    level = _yield_risk_level(raw.get("product_risk_level"), product_risk_level, errors)
    terms = {
        "type": RATE_BOOST,
        "product_name": name,
        "product_type": product_type,
        "boost_pct_per_year": _amount(raw, "boost_pct_per_year", MAX_BOOST_PCT, errors),
        "principal_cap_cny": _amount(raw, "principal_cap_cny", MAX_PRINCIPAL_CNY, errors),
        "days": _count(raw, "days", MAX_BOOST_DAYS, errors),
        "product_risk_level": level,
    }
    if "product_name_en" in raw:  # optional: English readers see the original name without it
        terms["product_name_en"] = _product_name(raw, "product_name_en", errors)
    return terms, level


def _product_name(raw: dict[str, Any], key: str, errors: Errors) -> str | None:
    name = raw.get(key)
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 80:
        errors.append((f"terms.{key}", "must be text of 1 to 80 characters"))
        return None
    return name.strip()


def _yield_risk_level(in_terms: Any, top_level: str | None, errors: Errors) -> str | None:
    if in_terms is not None and in_terms not in RISK_LEVELS:
        errors.append(("terms.product_risk_level", "must be one of R1..R5"))
        return None
    if in_terms is not None and top_level is not None and in_terms != top_level:
        errors.append(("terms.product_risk_level", "differs from product_risk_level"))
        return None
    level = top_level or in_terms
    if level is None:
        errors.append(("product_risk_level", "a yield voucher needs the product's risk level"))
    return level


def _unknown_keys(raw: dict[str, Any], allowed: set[str], errors: Errors) -> None:
    errors.extend((f"terms.{key}", "unknown field") for key in sorted(set(raw) - allowed))


def _amount(raw: dict[str, Any], key: str, maximum: Decimal, errors: Errors) -> str | None:
    """A positive decimal with at most 2 places, up to `maximum`, as a string with 2 places."""
    field = f"terms.{key}"
    if key not in raw:
        errors.append((field, "required"))
        return None
    value = parse_decimal(raw[key])
    if value is None or not value.is_finite():
        errors.append((field, "must be a decimal number"))
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.append((field, "at most 2 decimal places"))
    elif not Decimal(0) < value <= maximum:
        errors.append((field, f"must be above 0 and at most {maximum}"))
    else:
        return str(value.quantize(Decimal("0.01")))
    return None


def _count(raw: dict[str, Any], key: str, maximum: int, errors: Errors) -> int | None:
    field = f"terms.{key}"
    value = raw.get(key)
    if key not in raw:
        errors.append((field, "required"))
    elif isinstance(value, bool) or not isinstance(value, int):
        errors.append((field, "must be a whole number"))
    elif not 1 <= value <= maximum:
        errors.append((field, f"must be from 1 to {maximum}"))
    else:
        return value
    return None


def parse_decimal(value: Any) -> Decimal | None:
    """Numbers and numeric strings; never booleans. Floats go through their shortest text, so
    1.5 is exactly 1.5."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None
