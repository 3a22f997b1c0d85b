"""Segments: a named filter, validated when saved, counted and sampled in one query each."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.campaigns.errors import InvalidSegment, SegmentNotFound
from gamification.campaigns.filters import Filter, parse_filter
from gamification.campaigns.models import Segment
from gamification.campaigns.segment_sql import SegmentContext, U, segment_where

SAMPLE_SIZE = 10


def checked_filter(raw: Any) -> Filter:
    tree, problems = parse_filter(raw)
    if tree is None:
        raise InvalidSegment(problems)
    return tree


async def create_segment(
    db: AsyncSession,
    *,
    name: str,
    filter_: dict[str, Any],
    created_by: uuid.UUID | None,
    now: datetime,
) -> Segment:
    checked_filter(filter_)
    segment = Segment(
        name=name, filter=filter_, created_by=created_by, created_at=now, updated_at=now
    )
    db.add(segment)
    await db.flush()
    return segment


async def get_segment(db: AsyncSession, segment_id: uuid.UUID) -> Segment:
    segment = await db.get(Segment, segment_id)
    if segment is None:
        raise SegmentNotFound()
    return segment


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    display_name: str | None


async def segment_count(db: AsyncSession, tree: Filter, ctx: SegmentContext) -> int:
    return int(
        await db.scalar(sa.select(sa.func.count()).select_from(U).where(segment_where(tree, ctx)))
        or 0
    )


async def segment_sample(
    db: AsyncSession, tree: Filter, ctx: SegmentContext, *, size: int = SAMPLE_SIZE
) -> list[Member]:
    rows = await db.execute(
        sa.select(U.c.id, U.c.display_name)
        .where(segment_where(tree, ctx))
        .order_by(U.c.id)
        .limit(size)
    )
    return [Member(row.id, row.display_name) for row in rows]
