"""The engagement catalogues: the shipped files load; a bad file is refused whole, every
problem named with its file and path; trade-count quests are refused; the backfill command
runs twice with the same result."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from api.engagement.seeding import load_engagement, read_engagement
from api.seed import SEED_DIR
from gamification.engagement.catalogue import CatalogueError
from gamification.quests.catalogue import parse_quests

TEXT = {"zh-CN": "任务", "en": "Quest"}


def quest(**fields: Any) -> dict[str, Any]:
    return {
        "id": "q", "cadence": "daily", "kind": "lessons_completed", "target": 1,
        "points": 10, "xp": 5, "title": TEXT, **fields,
    }  # fmt: skip


def problems_of(quests: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(CatalogueError) as refused:
        parse_quests({"format": 1, "quests": quests}, file_name="quests.yaml", badge_ids={"b"})
    return refused.value.problems


def test_the_shipped_catalogues_load() -> None:
    badges, quests, tiers = read_engagement(SEED_DIR)
    assert len(tiers) == 10
    assert [t.id for t in tiers][:2] == ["bronze", "silver"]
    assert {q.cadence for q in quests} == {"daily", "weekly", "monthly"}
    assert {q.badge_id for q in quests if q.badge_id} <= {b.id for b in badges}


@pytest.mark.parametrize("kind", ["trades", "orders_placed", "turnover"])
def test_a_quest_counting_trades_is_refused(kind: str) -> None:
    assert problems_of([quest(kind=kind)]) == [
        "quests.yaml: quests[0].kind: quests never reward a count of trades or orders"
    ]


def test_a_practice_order_quest_asks_for_one_order_only() -> None:
    assert problems_of([quest(kind="practice_order", target=3)]) == [
        "quests.yaml: quests[0].target: a practice order quest asks for one order, never volume"
    ]


def test_every_problem_is_listed_with_its_path() -> None:
    found = problems_of(
        [quest(), quest(), quest(id="m", cadence="monthly", badge="nope", colour="red")]
    )
    assert found == [
        "quests.yaml: quests[1].id: duplicate id 'q'",
        "quests.yaml: quests[2].colour: is not a known field",
        "quests.yaml: quests[2].badge: names no badge of the badge catalogue: 'nope'",
    ]


async def test_a_bad_file_loads_nothing_and_names_every_problem_of_every_file(
    db: AsyncSession, tmp_path: Path
) -> None:
    for name in ("badges.yaml", "quests.yaml", "leagues.yaml"):
        shutil.copy(SEED_DIR / name, tmp_path / name)
    badges = yaml.safe_load((tmp_path / "badges.yaml").read_text())
    badges["badges"][1]["criterion"]["counter"] = "likes_received"
    badges["badges"].append(dict(badges["badges"][0]))  # a duplicate id
    (tmp_path / "badges.yaml").write_text(yaml.safe_dump(badges, allow_unicode=True))
    leagues = yaml.safe_load((tmp_path / "leagues.yaml").read_text())
    leagues["tiers"][0]["promote"] = -1
    (tmp_path / "leagues.yaml").write_text(yaml.safe_dump(leagues, allow_unicode=True))
    with pytest.raises(CatalogueError) as refused:
        await load_engagement(db, tmp_path)
    assert refused.value.problems == [
        "badges.yaml: badges[1].criterion.counter: unknown criterion 'likes_received'",
        f"badges.yaml: badges[{len(badges['badges']) - 1}].id: duplicate id 'first-lesson'",
        "leagues.yaml: tiers[0].promote: must be a whole number from 0 to 15",
    ]
    assert await db.scalar(sa.text("SELECT count(*) FROM badge")) == 0
    assert await db.scalar(sa.text("SELECT count(*) FROM quest_template")) == 0


def test_the_badges_backfill_command_twice_awards_the_same(cli_env: dict[str, str]) -> None:
    def investquest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            env=cli_env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    assert investquest("seed", "load").returncode == 0
    first, second = investquest("badges", "backfill"), investquest("badges", "backfill")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith("0 badges awarded over 0 learners")
    assert second.stdout == first.stdout
