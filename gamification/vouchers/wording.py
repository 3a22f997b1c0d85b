"""Voucher terms in words, in a reader's locale: a sentence generated from the validated
terms (see `terms.py`), and the terms with the product's name in that locale. Pure."""

from typing import Any

import core.messages as messages
from gamification.vouchers.terms import COMMISSION_REBATE, COMMISSION_WAIVER, RATE_BOOST

ENGLISH_NAME = "product_name_en"


def terms_text(terms: dict[str, Any], *, locale: str, validity_days: int | None = None) -> str:
    """For example "Commission waived up to ¥5.00 a trade on 10 trades of A shares ...,
    valid 30 days" / "沪深A股交易佣金每笔最高减免¥5.00，共10笔，30天内有效"; a voucher
    already issued has its expiry instead of `validity_days`."""
    form = terms.get("type")
    params = dict(terms)
    if form in (COMMISSION_WAIVER, COMMISSION_REBATE):
        params["market"] = messages.detail(f"market.{terms.get('market')}", locale)
    elif form == RATE_BOOST:
        params["product_name"] = product_name(terms, locale)
        params["product_type"] = messages.detail(
            f"product-type.{terms.get('product_type')}", locale
        )
    else:  # terms stored before they were validated: no sentence to make of them
        return ""
    text = messages.detail(f"terms.{form}", locale, params)
    if validity_days is None:
        return text
    return messages.detail(
        "terms.validity", locale, {"terms": text, "validity_days": validity_days}
    )


def localised_terms(terms: dict[str, Any], locale: str) -> dict[str, Any]:
    """The terms as a reader sees them: a yield product's name in their locale."""
    shown = {key: value for key, value in terms.items() if key != ENGLISH_NAME}
    if "product_name" in shown:
        shown["product_name"] = product_name(terms, locale)
    return shown


def product_name(terms: dict[str, Any], locale: str) -> str:
    english = terms.get(ENGLISH_NAME) if locale == "en" else None
    return str(english or terms.get("product_name") or "")
