"""Voucher errors, each with the stable code the API turns into a problem `type`.

Insufficient points is the ledger's own `InsufficientPoints` (code `insufficient-points`).
"""

from core.errors import DomainError, ErrorKind


class ProductNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title = "No such voucher product"


class VoucherNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title = "No such voucher"


class NotEligible(DomainError):
    code = "not-eligible"
    kind = ErrorKind.CONFLICT
    title = "You cannot redeem this voucher"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # a stable code, e.g. `risk-profile-too-low`


class OutOfStock(DomainError):
    code = "out-of-stock"
    kind = ErrorKind.CONFLICT
    title = "This voucher is sold out"


class LimitReached(DomainError):
    code = "limit-reached"
    kind = ErrorKind.CONFLICT
    title = "You have redeemed this voucher as often as allowed"


class AlreadyConsumed(DomainError):
    code = "already-consumed"
    kind = ErrorKind.CONFLICT
    title = "This voucher was already used"


class VoucherExpired(DomainError):
    code = "voucher-expired"
    kind = ErrorKind.CONFLICT
    title = "This voucher has expired"


class VoucherRevoked(DomainError):
    code = "voucher-revoked"
    kind = ErrorKind.CONFLICT
    title = "This voucher was revoked"


class NotRevocable(DomainError):
    code = "not-revocable"
    kind = ErrorKind.CONFLICT
    title = "Only an unused voucher can be revoked"


class StockBelowIssued(DomainError):
    code = "stock-below-issued"
    kind = ErrorKind.CONFLICT
    title = "Stock cannot be set below what was already issued"


class DuplicateSku(DomainError):
    code = "duplicate-sku"
    kind = ErrorKind.CONFLICT
    title = "A voucher product with this SKU exists"


class InvalidProduct(DomainError):
    """Product fields that break a rule; `errors` names each field, for a 422 problem."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    title = "The request is not valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("The voucher product is not valid.", errors=tuple(errors))

    def __str__(self) -> str:
        return "; ".join(f"{field}: {message}" for field, message in self.errors or ())
