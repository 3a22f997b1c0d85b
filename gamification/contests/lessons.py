"""Which lessons a report card sends the learner back to, picked by the mistakes its figures
show; pure. Lessons are named by course and lesson slug; the api resolves them to the lesson
ids of the published courses (a lesson that is not published is left out).

- one holding over half the equity → diversification;
- many trades and high fees → trading costs;
- buying at the limit-up price → behavioural traps (chasing rallies);
- a deep drawdown → why big losses need bigger gains.
With fewer than two mistakes the card is topped up with next steps, so it always has two or
three lessons.
"""

from dataclasses import dataclass
from decimal import Decimal

from gamification.contests.measures import Figures

MAX_LESSONS = 3
MIN_LESSONS = 2
CONCENTRATED_PCT = Decimal(50)
MANY_TRADES = 20
HIGH_FEES_SHARE = Decimal("0.002")  # fees over 0.2% of the starting cash
DEEP_DRAWDOWN_PCT = Decimal(20)


@dataclass(frozen=True)
class LessonPick:
    course_slug: str
    lesson_slug: str
    why: str  # a stable code the app (and the api's texts) explain


DIVERSIFICATION = LessonPick(
    "risk-and-diversification", "diversify-into-things-that-move-differently", "concentrated"
)
TRADING_COSTS = LessonPick("a-share-trading", "trading-costs", "costly_trading")
CHASING = LessonPick(
    "risk-and-diversification", "chasing-rallies-and-panic-selling", "bought_limit_up"
)
DRAWDOWNS = LessonPick("risk-and-diversification", "big-losses-need-bigger-gains", "deep_drawdown")
NEXT_STEPS = (
    LessonPick("risk-and-diversification", "big-losses-need-bigger-gains", "next_step"),
    LessonPick("risk-and-diversification", "overconfidence-makes-you-trade-more", "next_step"),
)


def mistakes(figures: Figures, starting_cash: Decimal) -> list[LessonPick]:
    """The lessons the figures point to, the most telling first."""
    found = []
    if figures.largest_position_pct > CONCENTRATED_PCT:
        found.append(DIVERSIFICATION)
    if figures.trades >= MANY_TRADES and figures.fees_paid >= starting_cash * HIGH_FEES_SHARE:
        found.append(TRADING_COSTS)
    if figures.limit_up_buys > 0:
        found.append(CHASING)
    if figures.max_drawdown_pct >= DEEP_DRAWDOWN_PCT:
        found.append(DRAWDOWNS)
    return found


def pick_lessons(figures: Figures, starting_cash: Decimal) -> list[LessonPick]:
    picks = mistakes(figures, starting_cash)[:MAX_LESSONS]
    for extra in NEXT_STEPS:
        if len(picks) >= MIN_LESSONS:
            break
        if all(extra.lesson_slug != pick.lesson_slug for pick in picks):
            picks.append(extra)
    return picks
