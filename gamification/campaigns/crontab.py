"""A five-field crontab as APScheduler 3 reads it, with cron's own days of the week.

`CronTrigger.from_crontab` hands the weekday field over as is, but APScheduler numbers days
from Monday (0) where cron numbers them from Sunday (0 or 7): "0 9 * * 1" fired on Tuesdays.
Here the field is expanded to the days it names, by cron's numbering (or names, `*`, ranges
and steps), and given to APScheduler by name, which both read alike.
"""

from apscheduler.triggers.cron import CronTrigger

CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day(token: str) -> int:
    name = token.lower()
    if name in CRON_DAYS:
        return CRON_DAYS.index(name)
    if not token.isdigit() or not 0 <= (number := int(token)) <= 7:
        raise ValueError(f"day of week {token!r} is not 0-7 nor sun-sat")
    return number % 7


def _days(field: str) -> set[int]:
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step {step_text} is not positive")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            low, high = span.split("-", 1)
            first, last = _day(low), _day(high)
            if high.strip() == "7":
                last = 7  # 5-7: Friday to Sunday
        else:
            first = _day(span)
            last = 6 if step_text else first
        if last < first:
            raise ValueError(f"day range {span} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return days


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """The trigger of a five-field crontab in `timezone`; ValueError when it is not one."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    days = _days(weekday)
    day_of_week = "*" if len(days) == 7 else ",".join(CRON_DAYS[d] for d in sorted(days))
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=day_of_week,
        timezone=timezone,
    )
