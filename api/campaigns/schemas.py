"""Bodies of the marketing routes: segments, campaigns and their runs."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from api.campaigns.inbox_schemas import LinkKind

AwareTime = Annotated[datetime, Meta(tz=True)]
Name = Annotated[str, Meta(min_length=1, max_length=120)]


class SegmentIn(Struct, forbid_unknown_fields=True):
    name: Name
    filter: Annotated[
        dict[str, Any],
        Meta(
            description='`{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}` over conditions '
            '`{"field", "op", "value"}` (see the API guide for fields and operators).'
        ),
    ]


class SegmentOut(Struct):
    id: uuid.UUID
    name: str
    filter: dict[str, Any]
    created_at: datetime


class MemberOut(Struct):
    user_id: uuid.UUID
    display_name: str | None


class PreviewOut(Struct):
    count: int
    sample: list[MemberOut]


class TextsIn(Struct, forbid_unknown_fields=True, rename={"zh_cn": "zh-CN"}):
    """The same text in both shipped locales."""

    zh_cn: Annotated[str, Meta(max_length=2000)]
    en: Annotated[str, Meta(max_length=2000)]


class LinkIn(Struct, forbid_unknown_fields=True):
    kind: LinkKind
    id: Annotated[str, Meta(min_length=1, max_length=64)]


class GrantPointsIn(Struct, tag="grant_points", tag_field="type", forbid_unknown_fields=True):
    points: int
    reason: TextsIn


class PointsMultiplierIn(
    Struct, tag="points_multiplier", tag_field="type", forbid_unknown_fields=True
):
    factor: Decimal
    rules: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=50)]
    starts_at: AwareTime
    ends_at: AwareTime


class VoucherDropIn(Struct, tag="voucher_drop", tag_field="type", forbid_unknown_fields=True):
    product_id: uuid.UUID


class MessageIn(Struct, tag="message", tag_field="type", forbid_unknown_fields=True):
    """`title` and `body` may use `{display_name}` and `{points_balance}`."""

    title: TextsIn
    body: TextsIn
    link: LinkIn | None = None


ActionIn = GrantPointsIn | PointsMultiplierIn | VoucherDropIn | MessageIn


class ScheduleIn(Struct, forbid_unknown_fields=True):
    timezone: Annotated[str, Meta(min_length=1, max_length=64)]
    at: AwareTime | None = None
    cron: Annotated[str, Meta(min_length=1, max_length=120)] | None = None
    skip_closed_days: bool = False


class IndexDropIn(Struct, tag="index_drop", tag_field="type", forbid_unknown_fields=True):
    pct: Decimal


class LifecycleIn(Struct, tag="lifecycle", tag_field="type", forbid_unknown_fields=True):
    days_after_signup: Annotated[list[int], Meta(max_length=20)]


TriggerIn = IndexDropIn | LifecycleIn


class CampaignIn(Struct, forbid_unknown_fields=True):
    name: Name
    segment_id: uuid.UUID
    action: ActionIn
    schedule: ScheduleIn
    trigger: TriggerIn | None = None
    starts_at: AwareTime | None = None
    ends_at: AwareTime | None = None
    budget_points: Annotated[int, Meta(ge=0, le=10**12)] | None = None
    quiet_hours: bool = True
    draft: bool = False


class RunTotalsOut(Struct):
    runs: int
    targeted: int
    delivered: int
    skipped: int
    failed: int
    points_spent: int


class CampaignOut(Struct):
    id: uuid.UUID
    name: str
    status: Literal["draft", "scheduled", "running", "paused", "completed", "cancelled"]
    segment_id: uuid.UUID
    action: dict[str, Any]
    schedule: dict[str, Any]
    trigger: dict[str, Any] | None
    starts_at: datetime
    ends_at: datetime | None
    budget_points: int | None
    points_spent: int
    quiet_hours: bool
    next_run_at: datetime | None
    totals: RunTotalsOut
    created_at: datetime
    updated_at: datetime


class DryRunOut(Struct):
    targeted: int
    points: int
    vouchers: int
    sample: list[MemberOut]
    warnings: list[Literal["budget_short", "stock_short"]]


class RunErrorOut(Struct):
    at: str
    users: int
    error: str


class RunOut(Struct):
    id: uuid.UUID
    scheduled_for: datetime
    status: Literal["pending", "running", "completed", "failed", "cancelled"]
    targeted: int
    delivered: int
    skipped: int
    failed: int
    points_spent: int
    errors: list[RunErrorOut]
    started_at: datetime
    finished_at: datetime | None


class RunPage(Struct):
    items: list[RunOut]
    next_cursor: str | None


class CampaignPatch(Struct, forbid_unknown_fields=True):
    """Fields to change; the campaign is checked whole again. `trigger: null` removes it."""

    name: Name | UnsetType = UNSET
    segment_id: uuid.UUID | UnsetType = UNSET
    action: ActionIn | UnsetType = UNSET
    schedule: ScheduleIn | UnsetType = UNSET
    trigger: TriggerIn | UnsetType | None = UNSET
    starts_at: AwareTime | UnsetType = UNSET
    ends_at: AwareTime | UnsetType | None = UNSET
    budget_points: Annotated[int, Meta(ge=0, le=10**12)] | UnsetType | None = UNSET
    quiet_hours: bool | UnsetType = UNSET
