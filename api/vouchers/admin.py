"""Staff voucher routes: marketers define and edit products; admins revoke unused vouchers.
Every change is audited in the same transaction."""

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.vouchers.schemas import (
    AdminProductOut,
    AdminProductPage,
    ProductCreate,
    ProductPatch,
    RevokedVoucherOut,
    RevokeIn,
)
from api.vouchers.shaping import admin_product_out, jsonable
from core.clock import Clock
from courses.importing import existing_course_slugs
from gamification.vouchers.errors import InvalidProduct
from gamification.vouchers.lifecycle import revoke_voucher
from gamification.vouchers.products import (
    ProductDraft,
    create_product,
    list_products,
    update_product,
)


async def ensure_course_exists(db: AsyncSession, slug: str | None) -> None:
    if slug is not None and slug not in await existing_course_slugs(db):
        raise InvalidProduct([("required_course_slug", f"no course {slug!r}")])


class VoucherProductController(Controller):
    path = "/v1/admin/voucher-products"
    tags = ("marketing",)
    guards = [requires_role(Role.MARKETER)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/",
        operation_id="createVoucherProduct",
        summary="Define a voucher product",
        responses=problem_responses(400, 401, 403, 409, 422),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[ProductCreate],
    ) -> AdminProductOut:
        """409 `duplicate-sku` if the sku is taken; 422 lists every invalid field."""
        await ensure_course_exists(db, data.required_course_slug)
        draft = ProductDraft(**msgspec.structs.asdict(data))
        product = await create_product(db, draft, now=clock.now())
        out = admin_product_out(product)
        await _audit(db, request, caller, "voucher_product.create", product.id, out)
        return out

    @patch(
        "/{product_id:uuid}",
        operation_id="editVoucherProduct",
        summary="Edit a voucher product",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        product_id: FromPath[uuid.UUID],
        data: JSONBody[ProductPatch],
    ) -> AdminProductOut:
        """Stock may be raised, or lowered down to what was already issued (409
        `stock-below-issued` below that). Changes apply to vouchers issued from now on."""
        changes = {
            name: value
            for name, value in msgspec.structs.asdict(data).items()
            if value is not msgspec.UNSET
        }
        await ensure_course_exists(db, changes.get("required_course_slug"))
        product, diff = await update_product(db, product_id, changes, now=clock.now())
        if diff:
            summary = {name: {"before": b, "after": a} for name, (b, a) in diff.items()}
            await _audit(db, request, caller, "voucher_product.update", product.id, summary)
        return admin_product_out(product)

    @get(
        "/",
        operation_id="listAllVoucherProducts",
        summary="Every voucher product, newest first",
        responses=problem_responses(400, 401, 403, 422),
    )
    async def list_all(
        self,
        db: NamedDependency[AsyncSession],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> AdminProductPage:
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await list_products(db, limit=limit + 1, after=after)
        items, next_cursor = make_page(rows, limit, lambda row: (row.created_at, row.id))
        return AdminProductPage(
            items=[admin_product_out(row) for row in items], next_cursor=next_cursor
        )


class VoucherAdminController(Controller):
    path = "/v1/admin/vouchers"
    tags = ("admin",)
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/{voucher_id:uuid}/revoke",
        operation_id="revokeVoucher",
        summary="Revoke an unused voucher and refund its points",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        voucher_id: FromPath[uuid.UUID],
        data: JSONBody[RevokeIn],
    ) -> RevokedVoucherOut:
        """409 `not-revocable` once the voucher is consumed, expired or already revoked."""
        voucher, points_balance = await revoke_voucher(
            db, voucher_id, revoked_by=caller.user_id, reason=data.reason, now=clock.now()
        )
        assert voucher.revoked_at is not None
        out = RevokedVoucherOut(
            id=voucher.id,
            code=voucher.code,
            user_id=voucher.user_id,
            status=voucher.status,
            revoked_at=voucher.revoked_at,
            refunded_points=voucher.points_price,
            refund_transaction_id=voucher.refund_transaction_id,
            owner_points_balance=points_balance,
        )
        await _audit(db, request, caller, "voucher.revoke", voucher.id, out, data.reason)
        return out


async def _audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    caller: Caller,
    action: str,
    object_id: uuid.UUID,
    summary: Any,
    reason: str | None = None,
) -> None:
    object_type = "voucher" if action.startswith("voucher.") else "voucher_product"
    details = jsonable(summary)
    if reason is not None:
        details["reason"] = reason
    await audit_request(
        db,
        request,
        caller,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=details,
    )
