"""The pure parts: the XP curve, the rule table file, keys, multipliers and cap arithmetic."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gamification.rewards.levels import level_for, xp_for_level, xp_to_next_level
from gamification.rewards.rules import (
    RewardEvent,
    Rule,
    RuleTableError,
    grant_under_cap,
    ledger_key,
    multiplied_points,
    occurrence_of,
    parse_rule_table,
    streak_occurrence,
)
from tests.helpers import SEED_RULES, lesson_done, quiz_passed

AT = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("xp", "level", "to_next"),
    [
        (0, 1, 100),
        (99, 1, 1),
        (100, 2, 200),
        (299, 2, 1),
        (300, 3, 300),
        (600, 4, 400),
        (1000, 5, 500),
    ],
)
def test_the_published_curve_needs_50_n_n_minus_1_xp_for_level_n(
    xp: int, level: int, to_next: int
) -> None:
    assert level_for(xp) == level
    assert xp_to_next_level(xp) == to_next


@given(st.integers(min_value=0, max_value=10**12))
def test_level_is_the_highest_threshold_reached(xp: int) -> None:
    level = level_for(xp)
    assert xp_for_level(level) <= xp < xp_for_level(level + 1)
    assert xp_to_next_level(xp) == xp_for_level(level + 1) - xp >= 1


def test_the_seed_file_has_every_rule_the_issue_names() -> None:
    assert set(SEED_RULES) == {
        "lesson_completed",
        "quiz_passed",
        "quiz_perfect",
        "course_completed",
        "streak_3",
        "streak_7",
        "streak_30",
        "streak_100",
        "contest_joined",
        "contest_finished",
        "contest_placement",
        "contest_report_card_opened",
        "post_published",
    }
    assert all(rule.once_per_reference for rule in SEED_RULES.values())


def test_a_bad_rule_table_lists_every_problem() -> None:
    with pytest.raises(RuleTableError) as caught:
        parse_rule_table(
            {
                "rules": {
                    "lesson_completed": {"points": -1, "xp": "ten"},
                    "Bad Kind": {"points": 1, "xp": 1},
                    "quiz_passed": {"points": 1, "xp": 1, "daily_cap": 2.5, "colour": "red"},
                }
            }
        )
    assert caught.value.problems == [
        "rules.lesson_completed: points must be a whole number from 0 to 1000000",
        "rules.lesson_completed: xp must be a whole number from 0 to 1000000",
        "rules.Bad Kind: a kind is lowercase letters, digits and underscores, at most 40",
        "rules.quiz_passed: unknown fields ['colour']",
        "rules.quiz_passed: daily_cap must be empty or a whole number from 0 to 1000000",
    ]
    with pytest.raises(RuleTableError):
        parse_rule_table(["not", "a", "table"])


def test_keys_come_from_the_event_so_a_replay_has_the_same_key() -> None:
    user, lesson = uuid.uuid4(), uuid.uuid4()
    once = Rule("lesson_completed", 10, 20)
    first = occurrence_of(lesson_done(user, AT, lesson))
    again = occurrence_of(lesson_done(user, AT.replace(hour=5), lesson))
    assert ledger_key(once, first) == ledger_key(once, again) == f"lesson:{user}:{lesson}"
    assert first.reference == f"lesson:{lesson}"
    # A rule paid per occurrence tells two attempts apart.
    repeat = Rule("quiz_passed", 1, 1, once_per_reference=False)
    keys = {ledger_key(repeat, occurrence_of(quiz_passed(user, AT, lesson))) for _ in range(2)}
    assert len(keys) == 2
    assert streak_occurrence(user, 7, "2026-03-01").key == f"streak:{user}:2026-03-01:7"
    post = RewardEvent("post_published", user, "post:9", AT)
    assert (
        ledger_key(Rule("post_published", 5, 5), occurrence_of(post))
        == f"post_published:{user}:post:9"
    )


def test_multipliers_round_points_down_and_never_go_negative() -> None:
    assert multiplied_points(10, Decimal(1)) == 10
    assert multiplied_points(15, Decimal("1.5")) == 22
    assert multiplied_points(10, Decimal(0)) == 0
    assert multiplied_points(10, Decimal(-2)) == 0


@given(
    st.integers(min_value=0, max_value=1000),
    st.lists(st.integers(min_value=0, max_value=300), max_size=40),
)
def test_grants_under_a_cap_never_cross_it_and_fill_it_when_asked_enough(
    cap: int, wanted: list[int]
) -> None:
    used = 0
    for want in wanted:
        granted = grant_under_cap(used, want, cap)
        assert 0 <= granted <= want
        used += granted
    assert used == min(cap, sum(wanted))
