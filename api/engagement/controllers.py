"""The caller's quests and badges, and the caller's league cohort this week. Each first counts
the caller's own events still in the outbox (`gamification.engagement.outbox`: a voucher
redeemed, a practice order), so these reads show every effect of what the caller did."""

import logging
import uuid

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.autocommit_routes import AUTOCOMMIT, DRIVER_ONLY
from api.engagement.schemas import (
    AvailableBadgeOut,
    BadgesOut,
    EarnedBadgeOut,
    LeagueMemberOut,
    LeagueOut,
    MonthlyQuestOut,
    QuestOut,
    QuestsOut,
)
from api.openapi import problem_responses
from api.settings import Settings
from core.clock import Clock
from core.days import local_day
from gamification.badges.service import badges_of
from gamification.engagement.catalogue import localized
from gamification.engagement.outbox import DRAIN_FAILURES, drain_caller
from gamification.leagues.service import current_cohort
from gamification.leagues.tiers import demotion_zone, promotion_zone
from gamification.leagues.weeks import week_ends_at
from gamification.quests.catalogue import MONTHLY
from gamification.quests.draw import Periods
from gamification.quests.service import QuestProgress, quests_of

logger = logging.getLogger(__name__)


async def _count_own_events(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Count the caller's pending events first. Events that cannot be counted stay pending
    (logged here and by the job): the read answers with what is counted rather than fail."""
    try:
        await drain_caller(db, user_id)
    except DRAIN_FAILURES:
        logger.exception(
            "the caller's engagement events could not be counted", extra={"user_id": str(user_id)}
        )
        if db.in_transaction():
            await db.rollback()


def _quest(item: QuestProgress, locale: str) -> QuestOut:
    quest = item.quest
    out = QuestOut if quest.cadence != MONTHLY else MonthlyQuestOut
    shaped = out(
        id=quest.id,
        kind=quest.kind,
        title=localized(quest.title, locale),
        progress=item.progress,
        target=quest.target,
        completed=item.completed,
        points=quest.points,
        xp=quest.xp,
        period_start=item.period_start,
    )
    if isinstance(shaped, MonthlyQuestOut):
        shaped.badge_id = quest.badge_id
    return shaped


class EngagementController(Controller):
    path = "/v1"
    tags = ("engagement",)

    @get(
        "/me/quests",
        operation_id="getMyQuests",
        summary="Today's three quests, this week's quest and this month's challenge",
        description="Drawn for the caller and the day (the same on every request); progress "
        "counts the events of the day, week or month on the caller's own calendar.",
        responses=problem_responses(400, 401),
        opt=AUTOCOMMIT,
    )
    async def quests(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        locale: NamedDependency[str],
    ) -> QuestsOut:
        today = local_day(clock.now(), caller.timezone, settings.business_timezone)
        await _count_own_events(db, caller.user_id)
        drawn, progress = await quests_of(db, user_id=caller.user_id, periods=Periods(today))
        by_id = {item.quest.id: _quest(item, locale) for item in progress}
        monthly = by_id.get(drawn.monthly.id) if drawn.monthly else None
        return QuestsOut(
            date=today,
            daily=[by_id[quest.id] for quest in drawn.daily],
            weekly=by_id.get(drawn.weekly.id) if drawn.weekly else None,
            monthly=monthly if isinstance(monthly, MonthlyQuestOut) else None,
        )

    @get(
        "/me/badges",
        operation_id="getMyBadges",
        summary="Badges earned (with when) and the others with progress toward each",
        responses=problem_responses(400, 401),
        opt=AUTOCOMMIT,
    )
    async def badges(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        locale: NamedDependency[str],
    ) -> BadgesOut:
        today = local_day(clock.now(), caller.timezone, settings.business_timezone)
        earned, available = [], []
        await _count_own_events(db, caller.user_id)
        for badge in await badges_of(db, user_id=caller.user_id, today=today):
            name = localized(badge.name, locale)
            description = localized(badge.description, locale)
            if badge.earned_at is not None:
                earned.append(
                    EarnedBadgeOut(badge.id, name, description, badge.tier, badge.earned_at)
                )
            else:
                available.append(
                    AvailableBadgeOut(
                        badge.id, name, description, badge.tier, badge.progress, badge.target
                    )
                )
        return BadgesOut(earned=earned, available=available)

    @get(
        "/leagues/current",
        operation_id="getCurrentLeague",
        summary="The caller's league cohort this week, ranked by this week's XP",
        description="`{tier: null}` before the caller's first XP of the week. Ties go to "
        "who reached the XP first. The week ends Monday 00:00 in the business time zone.",
        responses=problem_responses(400, 401),
        opt=DRIVER_ONLY,
    )
    async def league(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        locale: NamedDependency[str],
    ) -> LeagueOut:
        await _count_own_events(db, caller.user_id)
        cohort = await current_cohort(
            db,
            user_id=caller.user_id,
            now=clock.now(),
            business_timezone=settings.business_timezone,
        )
        if cohort is None:
            return LeagueOut(None, None, None, None, [], None, None)
        tier, size = cohort.league_tier, len(cohort.members)
        return LeagueOut(
            tier=tier.id if tier else str(cohort.tier),
            tier_name=localized(tier.name, locale) if tier else None,
            cohort_id=cohort.cohort_id,
            week_ends_at=week_ends_at(cohort.week_start, settings.business_timezone),
            members=[LeagueMemberOut(m.rank, m.display_name, m.xp, m.me) for m in cohort.members],
            promotion_zone=min(promotion_zone(tier, cohort.tiers), size) if tier else 0,
            demotion_zone=demotion_zone(tier, size) if tier else 0,
        )
