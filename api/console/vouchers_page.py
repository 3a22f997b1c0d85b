"""Voucher products in the console (role marketer): create, edit, and each product's stock and
redemptions over time. The forms are read into the API's own request bodies
(`ProductCreate`, `ProductPatch`), checked and answered with the same problems, and the same
services and audit entries as `api/vouchers/admin.py` do the work."""

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Role
from api.audit import audit_request
from api.console.charts import line_chart
from api.console.forms import (
    FormProblem,
    checked,
    domain_problem,
    form_values,
    json_object,
    status_of,
    text,
    whole_number,
)
from api.console.pages import render
from api.console.session import CONSOLE_PATH, Staff, require
from api.console.texts import texts_for
from api.settings import Settings
from api.vouchers.admin import ensure_course_exists
from api.vouchers.schemas import ProductCreate, ProductPatch
from api.vouchers.shaping import jsonable
from core.clock import Clock
from core.errors import DomainError
from gamification.vouchers.activity import daily_activity
from gamification.vouchers.models import VoucherProduct
from gamification.vouchers.products import (
    ProductDraft,
    create_product,
    get_product,
    list_products,
    update_product,
)

LISTED_PRODUCTS = 200
CHART_DAYS = 30
_TIME_FIELDS = ("sale_starts_at", "sale_ends_at")
_OPTIONAL_TEXT = ("title_en", "product_risk_level", "required_course_slug")
_REQUIRED_NUMBERS = ("points_price", "total_stock", "per_user_limit", "validity_days")


def _document(form: FormMultiDict, *, create: bool) -> dict[str, Any]:
    """The form as the API's JSON body. Creating, a blank field is left out (the API names
    the required ones). Editing, every field is sent: a blank optional field is null (cleared),
    a blank required one is refused as the API refuses it."""
    blank = None if create else ""
    document: dict[str, Any] = {
        "title": text(form, "title") or blank,
        "terms": json_object(form, "terms") or blank,
        **{name: _number_or(whole_number(form, name), blank) for name in _REQUIRED_NUMBERS},
        "lifecycle_stages": [s for s in form.getall("lifecycle_stages", []) if isinstance(s, str)],
        **{name: text(form, name) for name in (*_OPTIONAL_TEXT, *_TIME_FIELDS)},
    }
    if not create:
        return document
    document |= {"sku": text(form, "sku"), "kind": text(form, "kind")}
    return {name: value for name, value in document.items() if value is not None}


def _number_or(value: int | str | None, blank: str | None) -> int | str | None:
    return blank if value is None else value


def _values_of(product: VoucherProduct) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: "" if value is None else str(value)
        for name, value in product.model_dump().items()
        if name != "terms"
    }
    values["terms"] = msgspec.json.encode(product.terms).decode()
    for name in _TIME_FIELDS:
        moment = getattr(product, name)
        values[name] = moment.isoformat() if moment else ""
    values["lifecycle_stages"] = list(product.lifecycle_stages)
    return values


async def _charts(
    db: AsyncSession, product: VoucherProduct, staff: Staff, clock: Clock, zone: str
) -> dict[str, Any]:
    """Redeemed and used per day, and the stock left at the end of each day (at today's
    total), over the last CHART_DAYS days."""
    days = await daily_activity(db, product.id, days=CHART_DAYS, now=clock.now(), zone=zone)
    t = texts_for(staff.locale)
    labels = [d.day.isoformat() for d in days]
    issued_after = [sum(d.issued for d in days[i + 1 :]) for i in range(len(days))]
    activity = {t("redeemed"): [d.issued for d in days], t("consumed"): [d.consumed for d in days]}
    stock = {t("remaining"): [product.remaining_stock + later for later in issued_after]}
    return {
        "days": days,
        "activity_chart": line_chart(t("activity_chart"), labels, activity),
        "stock_chart": line_chart(t("stock_chart"), labels, stock),
    }


class VouchersPageController(Controller):
    path = "/vouchers"
    include_in_schema = False

    async def _list_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        staff: Staff,
        *,
        status: int = 200,
        values: dict[str, Any] | None = None,
        problem: FormProblem | None = None,
    ) -> Template:
        products = await list_products(db, limit=LISTED_PRODUCTS, after=None)
        return render(
            request,
            "vouchers.html.j2",
            staff=staff,
            status=status,
            products=products,
            values=values or {"kind": "fee"},
            problem=problem,
        )

    @get("/")
    async def products(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.MARKETER)
        return await self._list_page(request, db, staff)

    @post("/", status_code=303)
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
    ) -> Template | Redirect:
        require(staff, Role.MARKETER)
        form = await request.form()
        values = form_values(form) | {"lifecycle_stages": form.getall("lifecycle_stages", [])}
        data, problem = checked(_document(form, create=True), ProductCreate, staff.locale)
        status = 422
        if data is not None:
            try:
                async with db.begin_nested():
                    await ensure_course_exists(db, data.required_course_slug)
                    draft = ProductDraft(**msgspec.structs.asdict(data))
                    product = await create_product(db, draft, now=clock.now())
            except DomainError as error:
                problem, status = domain_problem(error, staff.locale), status_of(error)
        if problem is not None:
            return await self._list_page(
                request, db, staff, status=status, values=values, problem=problem
            )
        assert data is not None
        await audit_request(
            db,
            request,
            staff.caller,
            action="voucher_product.create",
            object_type="voucher_product",
            object_id=str(product.id),
            summary=jsonable(msgspec.structs.asdict(data)),
        )
        return Redirect(f"{CONSOLE_PATH}/vouchers/{product.id}", status_code=303)

    @get("/{product_id:uuid}")
    async def product(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        product_id: FromPath[uuid.UUID],
    ) -> Template:
        require(staff, Role.MARKETER)
        product = await get_product(db, product_id)
        return render(
            request,
            "voucher.html.j2",
            staff=staff,
            product=product,
            values=_values_of(product),
            **await _charts(db, product, staff, clock, settings.business_timezone),
            problem=None,
            notice="",
        )

    @post("/{product_id:uuid}", status_code=200)
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        product_id: FromPath[uuid.UUID],
    ) -> Template:
        """Only what changed is written and audited; a problem changes nothing (422/409)."""
        require(staff, Role.MARKETER)
        form = await request.form()
        data, problem = checked(_document(form, create=False), ProductPatch, staff.locale)
        status, notice = 422, ""
        if data is not None:
            changes = {
                name: value
                for name, value in msgspec.structs.asdict(data).items()
                if value is not msgspec.UNSET
            }
            try:
                async with db.begin_nested():
                    await ensure_course_exists(db, changes.get("required_course_slug"))
                    product, diff = await update_product(db, product_id, changes, now=clock.now())
            except DomainError as error:
                problem, status = domain_problem(error, staff.locale), status_of(error)
            else:
                if diff:
                    summary = {n: {"before": b, "after": a} for n, (b, a) in diff.items()}
                    await audit_request(
                        db,
                        request,
                        staff.caller,
                        action="voucher_product.update",
                        object_type="voucher_product",
                        object_id=str(product.id),
                        summary=jsonable(summary),
                    )
                status, notice = 200, texts_for(staff.locale)("saved")
        product = await get_product(db, product_id)
        values = (
            _values_of(product)
            if problem is None
            else form_values(form) | {"lifecycle_stages": form.getall("lifecycle_stages", [])}
        )
        return render(
            request,
            "voucher.html.j2",
            staff=staff,
            status=status,
            product=product,
            values=values,
            problem=problem,
            notice=notice,
            **await _charts(db, product, staff, clock, settings.business_timezone),
        )
