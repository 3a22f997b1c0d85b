"""The campaign seed: the templates are created as drafts with their segments, once; a broken
template is refused with its path and nothing is created."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.campaigns.seeding import CampaignSeedProblem, load_seed_campaigns
from api.seed import load_seed
from gamification.campaigns.models import Campaign


async def test_the_seed_creates_every_template_as_a_draft_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def campaigns_line(**options: bool) -> str:
        lines = await load_seed(sessionmaker, **options)
        return next(line for line in lines if line.startswith("campaigns: "))

    assert await campaigns_line(only_missing=True) == (
        "campaigns: 7 campaign drafts created, 0 already there"
    )
    assert await campaigns_line(only_missing=True) == "campaigns: already loaded"
    assert await campaigns_line() == "campaigns: 0 campaign drafts created, 7 already there"
    async with sessionmaker() as db:
        rows = (await db.scalars(sa.select(Campaign).order_by(col(Campaign.name)))).all()
    assert {row.status for row in rows} == {"draft"}
    by_name = {row.name: row for row in rows}
    assert by_name["Welcome, day 7"].trigger == {"type": "lifecycle", "days_after_signup": [7]}
    drop = by_name["Spring Festival voucher drop"]
    assert drop.action_type == "voucher_drop"
    exam = by_name["Exam season double points"].action
    assert (exam["factor"], exam["rules"]) == ("2.00", ["lesson_completed", "quiz_passed"])


async def test_a_broken_template_names_its_path_and_creates_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    (tmp_path / "campaigns.yaml").write_text(
        """format: 1
campaigns:
  - name: Too generous
    segment: {name: All, filter: {field: level, op: gte, value: 1}}
    schedule: {timezone: Asia/Shanghai, cron: "0 9 * * *"}
    action: {type: grant_points, points: 10, reason: {zh-CN: 奖励, en: "Gift {x}"}}
    budget_points: 5
""",
        encoding="utf-8",
    )
    async with sessionmaker() as db:
        with pytest.raises(CampaignSeedProblem, match=r"campaigns\.0\.budget_points"):
            await load_seed_campaigns(db, tmp_path)
        assert await db.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0
