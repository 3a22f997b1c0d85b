"""Pure rules: grading, gating, learner days and the content locale; no database."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.locale import pick_locale
from core.days import local_day, seconds_until_next_day
from courses.gating import (
    PREREQUISITES_INCOMPLETE,
    RISK_ASSESSMENT_REQUIRED,
    RISK_PROFILE_TOO_LOW,
    course_lock,
)
from courses.grading import AnswerKey, QuestionKey, answer_problems, grade

KEY = AnswerKey(
    pass_score=60,
    questions=(
        QuestionKey("one", "single", ("a", "b", "c"), ("a",)),
        QuestionKey("many", "multiple", ("a", "b", "c"), ("a", "b")),
        QuestionKey("tf", "true_false", ("true", "false"), ("false",)),
    ),
)


def test_all_right_is_perfect_and_passed() -> None:
    result = grade(KEY, {"one": ["a"], "many": ["b", "a"], "tf": ["false"]})
    assert (result.score, result.max_score, result.passed, result.perfect) == (3, 3, True, True)


def test_a_multiple_choice_answer_must_be_the_exact_set() -> None:
    partly = grade(KEY, {"one": ["a"], "many": ["a"], "tf": ["false"]})
    too_many = grade(KEY, {"one": ["a"], "many": ["a", "b", "c"], "tf": ["false"]})
    assert [r.correct for r in partly.results] == [True, False, True]
    assert [r.correct for r in too_many.results] == [True, False, True]


def test_unanswered_questions_are_wrong_and_the_pass_score_is_a_percentage() -> None:
    result = grade(KEY, {"one": ["a"], "tf": ["false"]})
    assert (result.score, result.passed) == (2, True)  # 67% >= 60%
    assert grade(KEY, {"one": ["a"]}).passed is False  # 33%


def test_results_carry_the_correct_choices() -> None:
    result = grade(KEY, {})
    assert [r.correct_choice_ids for r in result.results] == [("a",), ("a", "b"), ("false",)]


def test_answers_that_do_not_fit_are_named() -> None:
    problems = answer_problems(
        KEY, {"nope": ["a"], "one": ["a", "b"], "many": ["z"], "tf": ["true", "true"]}
    )
    assert problems == [
        ("answers.nope", "unknown question"),
        ("answers.one", "a single question takes one choice"),
        ("answers.many", "unknown choice z"),
        ("answers.tf", "a choice is given twice"),
    ]


@given(st.dictionaries(st.sampled_from(["one", "many", "tf"]), st.lists(st.sampled_from("abc"))))
def test_score_is_the_number_of_right_results(answers: dict[str, list[str]]) -> None:
    result = grade(KEY, answers)
    assert result.score == sum(r.correct for r in result.results)
    assert 0 <= result.score <= result.max_score == 3
    assert result.passed == (result.score * 100 >= 60 * 3)


def test_no_risk_assessment_may_take_c1_but_not_c2() -> None:
    assert (
        course_lock(
            min_risk_profile="C1", prerequisites=[], risk_profile=None, completed_courses=set()
        )
        is None
    )
    lock = course_lock(
        min_risk_profile="C2", prerequisites=[], risk_profile=None, completed_courses=set()
    )
    assert lock is not None
    assert lock.code == RISK_ASSESSMENT_REQUIRED


@pytest.mark.parametrize(("profile", "locked"), [("C3", True), ("C4", False), ("C5", False)])
def test_risk_profile_below_the_course_minimum_is_locked(profile: str, locked: bool) -> None:
    lock = course_lock(
        min_risk_profile="C4", prerequisites=[], risk_profile=profile, completed_courses=set()
    )
    assert (lock is not None) == locked
    if lock:
        assert lock.code == RISK_PROFILE_TOO_LOW


def test_missing_prerequisites_are_named() -> None:
    lock = course_lock(
        min_risk_profile="C1", prerequisites=["a", "b"], risk_profile="C2", completed_courses={"a"}
    )
    assert lock is not None
    assert (lock.code, lock.missing_prerequisites) == (PREREQUISITES_INCOMPLETE, ("b",))


def test_the_learners_day_is_in_their_time_zone() -> None:
    now = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai
    assert local_day(now, "Asia/Shanghai") == date(2026, 3, 2)
    assert local_day(now, "Europe/London") == date(2026, 3, 1)
    assert seconds_until_next_day(now, "Asia/Shanghai") == 22 * 3600 + 30 * 60
    assert seconds_until_next_day(now, "Europe/London") == 6 * 3600 + 30 * 60


def test_a_dst_day_is_counted_in_real_seconds() -> None:
    before_spring_forward = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT, London
    assert seconds_until_next_day(before_spring_forward, "Europe/London") == 22 * 3600 + 30 * 60


@pytest.mark.parametrize(
    ("header", "caller", "expected"),
    [
        ("en-US,en;q=0.9", "zh-CN", "en"),
        ("zh-CN", "en", "zh-CN"),
        ("zh", "en", "zh-CN"),
        ("fr-FR, de;q=0.5", "en", "en"),
        ("fr-FR", "zh-CN", "zh-CN"),
        ("en;q=0.2, zh-CN;q=0.8", "en", "zh-CN"),
        ("en;q=0", "zh-CN", "zh-CN"),
        (None, "en", "en"),
        (None, "ja", "zh-CN"),
    ],
)
def test_the_content_locale(header: str | None, caller: str, expected: str) -> None:
    assert pick_locale(header, caller) == expected
