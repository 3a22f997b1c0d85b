"""Streak extras: repairing a broken streak for points, and a vacation pause."""

from datetime import date
from typing import Annotated

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta, Struct
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.openapi import problem_responses
from api.rewards.schemas import StreakOut, WalletOut
from api.rewards.wallets import caller_wallet
from api.settings import Settings
from core.clock import Clock
from gamification.rewards.streak_extras import pause_streak, repair_streak
from gamification.rewards.streaks import MAX_PAUSE_DAYS, streak_as_of


class StreakPauseIn(Struct, forbid_unknown_fields=True):
    days: Annotated[int, Meta(ge=1, le=MAX_PAUSE_DAYS)]


class StreakPauseOut(Struct):
    paused_from: date  # the learner's own calendar
    paused_until: date  # the last paused day
    streak: StreakOut


class StreakController(Controller):
    path = "/v1/me/streak"
    tags = ("rewards",)

    @post(
        "/repair",
        operation_id="repairStreak",
        status_code=200,
        summary="Repair a streak that broke at the start of today, for points (once a month)",
        description="Costs `STREAK_REPAIR_POINTS` points. 409 `streak-not-broken` when there "
        "is nothing to repair, `streak-repair-too-late` after the day it broke, "
        "`streak-repair-used` when this month's repair is used, `insufficient-points`.",
        responses=problem_responses(401, 409),
    )
    async def repair(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
    ) -> WalletOut:
        now = clock.now()
        await repair_streak(
            db,
            user_id=caller.user_id,
            timezone=caller.timezone,
            business_timezone=settings.business_timezone,
            cost=settings.streak_repair_points,
            now=now,
        )
        return await caller_wallet(db, caller, settings, now)

    @post(
        "/pause",
        operation_id="pauseStreak",
        status_code=200,
        summary="Pause the streak for a vacation of 1 to 14 days, starting today",
        description="Paused days neither break nor lengthen the streak. 409 "
        "`streak-already-paused` while a pause runs.",
        responses=problem_responses(400, 401, 409, 422),
    )
    async def pause(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        data: JSONBody[StreakPauseIn],
    ) -> StreakPauseOut:
        pause = await pause_streak(
            db,
            user_id=caller.user_id,
            timezone=caller.timezone,
            business_timezone=settings.business_timezone,
            days=data.days,
            now=clock.now(),
        )
        view = streak_as_of(pause.streak, pause.paused_from)
        return StreakPauseOut(
            pause.paused_from,
            pause.paused_until,
            StreakOut(view.current, view.longest, view.freezes),
        )
