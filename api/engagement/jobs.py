"""The league week close, as a periodic job body."""

from api.jobs import JobContext
from gamification.leagues.closing import close_past_weeks
from gamification.leagues.weeks import week_start


async def close_league_weeks(ctx: JobContext) -> str:
    """Close every unclosed week before this one (this week's Monday, business zone)."""
    now = ctx.clock.now()
    current = week_start(now, ctx.settings.business_timezone)
    done = await close_past_weeks(
        ctx.sessionmaker, current_week=current, now=now, lot_days=ctx.settings.points_expiry_days
    )
    return (
        f"closed {done.weeks} league weeks before the week of {current}: "
        f"{done.members} results, {done.prizes} prizes paid"
    )
