"""What the events count: the counter kinds quests and badges are written over, and which
events feed them. Pure: no database.

Nothing counts trades, orders or turnover beyond `practice_order`, whose quests are held to a
target of one (one thoughtful order, never volume).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from courses.events import CourseCompleted, LearningEvent, LessonCompleted, QuizPassed, QuizPerfect

LESSONS_COMPLETED = "lessons_completed"
QUIZZES_PASSED = "quizzes_passed"
QUIZ_PERFECT = "quiz_perfect"
COURSES_COMPLETED = "courses_completed"
STREAK_KEPT = "streak_kept"  # a day counted for the streak
LONGEST_STREAK = "longest_streak"  # the longest run so far: a maximum, not a sum
CONTESTS_JOINED = "contests_joined"
CONTESTS_FINISHED = "contests_finished"  # finished with the contest's minimum activity
CONTEST_TOP_DECILE = "contest_top_10pct"
REPORT_CARD_OPENED = "report_card_opened"
PRACTICE_ORDER = "practice_order"
POST_READ = "post_read"
POSTS_PUBLISHED = "posts_published"
VOUCHERS_REDEEMED = "vouchers_redeemed"

COUNTER_KINDS = frozenset(
    {
        LESSONS_COMPLETED,
        QUIZZES_PASSED,
        QUIZ_PERFECT,
        COURSES_COMPLETED,
        STREAK_KEPT,
        LONGEST_STREAK,
        CONTESTS_JOINED,
        CONTESTS_FINISHED,
        CONTEST_TOP_DECILE,
        REPORT_CARD_OPENED,
        PRACTICE_ORDER,
        POST_READ,
        POSTS_PUBLISHED,
        VOUCHERS_REDEEMED,
    }
)
# Counters kept only as a lifetime maximum, never by day.
MAXIMUM_KINDS = frozenset({LONGEST_STREAK})
# Counters that mark a day (1 at most a day, however often it is reported), kept by day only.
DAY_MARK_KINDS = frozenset({STREAK_KEPT})
# Kinds reported through `record_event` (outside the rewards path), each once per reference.
REPORTED_KINDS = frozenset({PRACTICE_ORDER, POST_READ, VOUCHERS_REDEEMED})
# What a quest may never count: volume of trading.
TRADING_COUNT_KINDS = frozenset(
    {"trades", "trade_count", "orders", "orders_placed", "fills", "turnover", "trading_volume"}
)

# Reward events (kind -> counter) that the rule table pays and the counters also count.
_REWARD_EVENT_COUNTERS: Mapping[str, str] = {
    "contest_joined": CONTESTS_JOINED,
    "contest_finished": CONTESTS_FINISHED,
    "contest_report_card_opened": REPORT_CARD_OPENED,
    "post_published": POSTS_PUBLISHED,
}


@dataclass(frozen=True)
class Tally:
    """What one batch of events adds: counts by kind, and lifetime maxima."""

    counts: Mapping[str, int]
    maxima: Mapping[str, int]

    @property
    def kinds(self) -> set[str]:
        return set(self.counts) | set(self.maxima)


def learning_counters(event: LearningEvent) -> list[str]:
    match event:
        case LessonCompleted():
            return [LESSONS_COMPLETED]
        case QuizPassed():
            return [QUIZZES_PASSED]
        case QuizPerfect():
            return [QUIZ_PERFECT]
        case CourseCompleted():
            return [COURSES_COMPLETED]
    return []


def reward_event_counters(kind: str, details: Mapping[str, Any]) -> list[str]:
    """Counters of a reward event. Finishing a contest (with its minimum activity) counts,
    and counts as top 10% when the final rank is within the best tenth of the entrants."""
    counter = _REWARD_EVENT_COUNTERS.get(kind)
    if counter is None:
        return []
    rank, entrants = details.get("rank"), details.get("entrants")
    if (
        counter == CONTESTS_FINISHED
        and isinstance(rank, int)
        and isinstance(entrants, int)
        and 0 < rank <= math.ceil(entrants / 10)
    ):
        return [counter, CONTEST_TOP_DECILE]
    return [counter]


def tally(kinds: Sequence[str], *, day_counted: bool, longest_streak: int | None) -> Tally:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    if day_counted:
        counts[STREAK_KEPT] = 1
    maxima = {LONGEST_STREAK: longest_streak} if longest_streak else {}
    return Tally(counts, maxima)
