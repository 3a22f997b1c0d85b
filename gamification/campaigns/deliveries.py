"""What one chunk of a run does for its users, by action. Each executor runs inside the
chunk's transaction and returns who was served and who was skipped (and why); the chunk
records it on the deliveries. A `grant_points` chunk, the action that reaches a million users,
is one database call instead (`grant_points_chunk`). Points and vouchers carry the reference
`campaign:{run}:{user}`, so even a replayed chunk could not pay twice."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from gamification.campaigns.inbox import INBOX
from gamification.campaigns.models import Campaign, CampaignMultiplier, MessageDay
from gamification.campaigns.schedule import held_until, local_date
from gamification.campaigns.segment_sql import ACCOUNT, U
from gamification.campaigns.templates import fill
from gamification.ledger.models import TransactionKind
from gamification.vouchers.grants import grant_vouchers

BUDGET_EXHAUSTED = "budget_exhausted"
FREQUENCY_CAP = "frequency_cap"
LIMIT_REACHED = "limit_reached"
OUT_OF_STOCK = "out_of_stock"

MULTIPLIER = CampaignMultiplier.__table__  # type: ignore[attr-defined]
MESSAGE_DAY = MessageDay.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DeliveryPolicy:
    """Limits from settings: campaign messages per learner per local day, the lifetime of
    granted points."""

    messages_per_day: int
    lot_days: int


@dataclass
class ChunkOutcome:
    delivered: list[uuid.UUID] = field(default_factory=list)
    skipped: dict[uuid.UUID, str] = field(default_factory=dict)  # user -> reason
    points: int = 0


def reference(run_id: uuid.UUID, user_id: uuid.UUID) -> str:
    return f"campaign:{run_id}:{user_id}"


Executor = Callable[
    [AsyncSession, Campaign, uuid.UUID, Sequence[uuid.UUID], datetime, DeliveryPolicy],
    Awaitable[ChunkOutcome],
]


@dataclass(frozen=True)
class GrantChunk:
    """What one `grant_points` chunk did: `claimed` 0 means no pending delivery was left after
    `after`; `last_user` is where the worker's next chunk starts."""

    claimed: int
    delivered: int
    skipped: int
    failed: int
    points: int
    last_user: uuid.UUID | None


# Built once: a whole `grant_points` chunk is this one call (migration 0038).
_GRANT_CHUNK = sa.text(
    "SELECT claimed, delivered, skipped, failed, points, last_user FROM campaign_grant_chunk("
    ":run_id, :campaign_id, :after, :size, :points, :kind, :reason, :lot_days, :now, "
    ":max_errors)"
).bindparams(sa.bindparam("reason", type_=JSONB), sa.bindparam("after", type_=sa.Uuid))


async def grant_points_chunk(
    db: AsyncSession,
    campaign: Campaign,
    run_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    size: int,
    now: datetime,
    policy: DeliveryPolicy,
    max_errors: int,
) -> GrantChunk:
    """Claim and pay up to `size` pending deliveries of a `grant_points` run in one statement:
    the claim (the first pending users after `after`, `FOR UPDATE SKIP LOCKED`), the budget
    taken under the campaign's row lock (so racing chunks on any replica never exceed it; a
    CHECK backs this up), one bulk earn through the ledger's `ledger_earn_many` under
    `campaign:{run}:{user}`, the deliveries and the run's counters. Users past the budget are
    skipped; an error no retry can cure marks the chunk failed and lists it on the run."""
    action = campaign.action
    params = {
        "run_id": run_id,
        "campaign_id": campaign.id,
        "after": after,
        "size": size,
        "points": int(action["points"]),
        "kind": TransactionKind.EARN.value,
        "reason": {
            "code": "campaign_grant",
            "campaign": str(campaign.id),
            "reason_zh": action["reason"]["zh-CN"],
            "reason_en": action["reason"]["en"],
        },
        "lot_days": policy.lot_days,
        "now": now,
        "max_errors": max_errors,
    }
    row = (await db.execute(_GRANT_CHUNK, params)).one()
    return GrantChunk(
        row.claimed, row.delivered, row.skipped, row.failed, int(row.points), row.last_user
    )


async def points_multiplier(
    db: AsyncSession,
    campaign: Campaign,
    run_id: uuid.UUID,
    users: Sequence[uuid.UUID],
    now: datetime,
    policy: DeliveryPolicy,
) -> ChunkOutcome:
    action = campaign.action
    values = {
        "campaign_id": campaign.id,
        "factor": Decimal(action["factor"]),
        "rules": list(action["rules"]),
        "starts_at": datetime.fromisoformat(action["starts_at"]),
        "ends_at": datetime.fromisoformat(action["ends_at"]),
    }
    statement = insert(MULTIPLIER).values([{**values, "user_id": user} for user in users])
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=["campaign_id", "user_id"],
            set_={name: statement.excluded[name] for name in values if name != "campaign_id"},
        )
    )
    return ChunkOutcome(delivered=list(users))


_RECIPIENTS = sa.select(
    U.c.id,
    U.c.display_name,
    U.c.timezone,
    sa.func.coalesce(
        sa.select(ACCOUNT.c.balance)
        .where(ACCOUNT.c.user_id == U.c.id, ACCOUNT.c.currency == "points")
        .scalar_subquery(),
        0,
    ).label("points_balance"),
).where(U.c.id.in_(sa.bindparam("users", expanding=True)))


async def _under_daily_cap(
    db: AsyncSession, days: dict[uuid.UUID, Any], cap: int
) -> set[uuid.UUID]:
    """Count one message on each user's local day, for those still under the cap: one
    conditional upsert, so concurrent runs can never together cross it."""
    if not days:
        return set()
    counted = insert(MESSAGE_DAY).values(
        [{"user_id": user, "day": day, "sent": 1} for user, day in days.items()]
    )
    statement = counted.on_conflict_do_update(
        index_elements=["user_id", "day"],
        set_={"sent": MESSAGE_DAY.c.sent + 1},
        where=MESSAGE_DAY.c.sent < cap,
    ).returning(MESSAGE_DAY.c.user_id)
    return set((await db.scalars(statement)).all())


async def message(
    db: AsyncSession,
    campaign: Campaign,
    run_id: uuid.UUID,
    users: Sequence[uuid.UUID],
    now: datetime,
    policy: DeliveryPolicy,
) -> ChunkOutcome:
    """An inbox message per user in both locales, shown at 08:00 in their zone when sent in
    their quiet hours, within the daily cap of campaign messages (counted on the local day
    it shows)."""
    action = campaign.action
    recipients = {row.id: row for row in await db.execute(_RECIPIENTS, {"users": list(users)})}
    shows_at: dict[uuid.UUID, datetime | None] = {}
    days: dict[uuid.UUID, Any] = {}
    for user, row in recipients.items():
        held = held_until(now, row.timezone) if campaign.quiet_hours else None
        shows_at[user] = held
        days[user] = local_date(held or now, row.timezone)
    allowed = await _under_daily_cap(db, days, policy.messages_per_day)
    link = action.get("link")
    deep_link = f"{link['kind']}:{link['id']}" if link else None
    rows = []
    for user in users:
        if user not in allowed:
            continue
        row = recipients[user]
        values = {"display_name": row.display_name or "", "points_balance": row.points_balance}
        rows.append(
            {
                "id": new_id(),
                "user_id": user,
                "reference": reference(run_id, user),
                "title": {loc: fill(text, values) for loc, text in action["title"].items()},
                "body": {loc: fill(text, values) for loc, text in action["body"].items()},
                "deep_link": deep_link,
                "created_at": now,
                "held_until": shows_at[user],
            }
        )
    if rows:
        await db.execute(
            insert(INBOX).values(rows).on_conflict_do_nothing(index_elements=["reference"])
        )
    return ChunkOutcome(
        delivered=[user for user in users if user in allowed],
        skipped={user: FREQUENCY_CAP for user in users if user not in allowed},
    )


async def voucher_drop(
    db: AsyncSession,
    campaign: Campaign,
    run_id: uuid.UUID,
    users: Sequence[uuid.UUID],
    now: datetime,
    policy: DeliveryPolicy,
) -> ChunkOutcome:
    """A voucher to each user, through the vouchers' grant: users over the product's per-user
    limit, and those after the stock ran out, are skipped (not failed)."""
    granted = await grant_vouchers(
        db,
        product_id=uuid.UUID(campaign.action["product_id"]),
        users=users,
        reference_of=lambda user: reference(run_id, user),
        now=now,
    )
    skipped = dict.fromkeys(granted.limit_reached, LIMIT_REACHED)
    skipped.update(dict.fromkeys(granted.out_of_stock, OUT_OF_STOCK))
    return ChunkOutcome(delivered=granted.issued, skipped=skipped)


# `grant_points` is not here: its whole chunk is one statement (`grant_points_chunk`).
EXECUTORS: dict[str, Executor] = {
    "points_multiplier": points_multiplier,
    "message": message,
    "voucher_drop": voucher_drop,
}
