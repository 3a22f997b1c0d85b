"""The voucher seed: `seed/vouchers.yaml`, the starter catalogue.

Products are matched by sku. Loading again adds the products that are missing and leaves the
existing ones alone: after the first start they belong to the marketers, who edit them through
the API, and a seed reload must not undo that.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record_audit
from core.clock import SystemClock
from gamification.vouchers.errors import InvalidProduct
from gamification.vouchers.products import (
    ProductDraft,
    any_product_exists,
    checked,
    create_product,
    existing_skus,
)

SEED_FILE = "vouchers.yaml"
FORMAT = 1


class VoucherSeedProblem(Exception):
    """The seed file is not valid; nothing was loaded."""


def read_catalogue(path: Path) -> list[ProductDraft]:
    """Every product in the file, validated; VoucherSeedProblem naming each bad one."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise VoucherSeedProblem(f"{path}: expected `format: {FORMAT}` and a `products` list")
    drafts, problems = [], []
    for index, entry in enumerate(document.get("products") or []):
        try:
            drafts.append(checked(_draft(entry)))
        except (InvalidProduct, TypeError, ValueError) as exc:
            problems.append(f"products[{index}]: {exc}")
    skus = [draft.sku for draft in drafts]
    problems += [f"sku {sku!r} appears twice" for sku in sorted(set(skus)) if skus.count(sku) > 1]
    if problems:
        raise VoucherSeedProblem(f"{path}: " + "; ".join(problems))
    return drafts


def _draft(entry: Any) -> ProductDraft:
    if not isinstance(entry, dict):
        raise ValueError("each product must be a mapping")
    fields = dict(entry)
    for name in ("sale_starts_at", "sale_ends_at"):
        fields[name] = _aware(fields.get(name))
    fields["lifecycle_stages"] = tuple(fields.get("lifecycle_stages") or ())
    return ProductDraft(**fields)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("sale times need a UTC offset")
    return moment.astimezone(UTC)


async def seed_vouchers_loaded(db: AsyncSession) -> bool:
    return await any_product_exists(db)


async def load_seed_vouchers(db: AsyncSession, seed_dir: Path) -> str:
    drafts = read_catalogue(seed_dir / SEED_FILE)
    present = await existing_skus(db, [draft.sku for draft in drafts])
    clock = SystemClock()
    for draft in drafts:
        if draft.sku in present:
            continue
        product = await create_product(db, draft, now=clock.now())
        await record_audit(
            db,
            clock,
            actor_kind="system",
            actor_id=None,
            action="voucher_product.seed",
            object_type="voucher_product",
            object_id=str(product.id),
            summary={"sku": product.sku},
        )
    added = len(drafts) - len(present)
    return f"{len(drafts)} voucher products: {added} added, {len(present)} already present"
