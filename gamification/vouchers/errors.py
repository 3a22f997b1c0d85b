"""Voucher errors, each with the stable code the API turns into a problem `type`; titles and
details come from the message catalogue (`core/messages`).

Insufficient points is the ledger's own `InsufficientPoints` (code `insufficient-points`).
"""

from typing import Any

from core.errors import DomainError, ErrorKind


class ProductNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "voucher-product-not-found"


class VoucherNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "voucher-not-found"


class VoucherCodeUnknown(VoucherNotFound):
    message = "voucher-code-unknown"


class NotEligible(DomainError):
    """The redeemer may not have this voucher; `reason` is a stable code (for example
    `risk-profile-too-low`), a problem member of its own, never only in the text."""

    code = "not-eligible"
    kind = ErrorKind.CONFLICT

    def __init__(self, reason: str, message: str, **params: Any) -> None:
        self.reason = reason
        self.reason_message = message
        super().__init__(**params)

    @property
    def message_key(self) -> str:
        return self.reason_message

    def problem_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {"reason": self.reason}
        if "course_slug" in self.params:
            fields["required_course"] = {
                "slug": self.params["course_slug"],
                "title": self.params["course"],
            }
        return fields


class OutOfStock(DomainError):
    code = "out-of-stock"
    kind = ErrorKind.CONFLICT


class LimitReached(DomainError):
    code = "limit-reached"
    kind = ErrorKind.CONFLICT


class AlreadyConsumed(DomainError):
    code = "already-consumed"
    kind = ErrorKind.CONFLICT


class VoucherExpired(DomainError):
    code = "voucher-expired"
    kind = ErrorKind.CONFLICT


class VoucherRevoked(DomainError):
    code = "voucher-revoked"
    kind = ErrorKind.CONFLICT


class NotRevocable(DomainError):
    code = "not-revocable"
    kind = ErrorKind.CONFLICT


class StockBelowIssued(DomainError):
    code = "stock-below-issued"
    kind = ErrorKind.CONFLICT


class DuplicateSku(DomainError):
    code = "duplicate-sku"
    kind = ErrorKind.CONFLICT


class InvalidProduct(DomainError):
    """Product fields that break a rule; `errors` names each field, for a 422 problem."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "voucher-product-not-valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        problems = "; ".join(f"{field}: {message}" for field, message in errors)
        super().__init__(errors=tuple(errors), problems=problems)
