"""The vouchers' periodic job: the daily expiry."""

from api.jobs import JobContext
from gamification.vouchers.expiry import expire_overdue_vouchers


async def expire_vouchers(ctx: JobContext) -> str:
    expired = await expire_overdue_vouchers(ctx.sessionmaker, now=ctx.clock.now())
    return f"expired {expired} vouchers"
