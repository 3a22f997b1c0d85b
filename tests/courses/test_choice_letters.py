"""The validator warns when an explanation names a choice by its letter (choices are shuffled
per learner), and only then."""

from typing import Any

import pytest

from tests.courses.test_quiz_balance import warnings_of
from tests.helpers import bundle_doc, each_locale

EXPLANATION = "lessons[0].quiz.questions[0].explanation"


def explained(zh: str, en: str) -> dict[str, Any]:
    def write(document: dict[str, Any]) -> None:
        question = document["lessons"][0]["quiz"]["questions"][0]
        question["explanation"] = zh if document["locale"] == "zh-CN" else en

    return each_locale(bundle_doc(lessons=1), write)


@pytest.mark.parametrize(
    ("zh", "en", "letter"),
    [
        ("选b的人把费率当成了成本。", "Choosing (b) treats the rate as the cost.", "b"),
        ("很多人以为价格不变就没有成本（c错）。", "Option c forgets the minimum commission.", "c"),
        ("a、b 都会削弱复利。", "a and b both weaken compounding.", "a"),
        ("所以 a 正确。", "So a is right.", "a"),
        ("c 忘了权利金。", "c forgets the premium.", "c"),
        ("b把盘中价当成了前收盘价。", "a, b and c all skip the fee.", "a"),
    ],
)
def test_a_letter_reference_is_a_warning_in_each_locale(zh: str, en: str, letter: str) -> None:
    warnings = warnings_of(explained(zh, en))
    assert {(w.file, w.path) for w in warnings} == {
        ("locales.zh-CN", EXPLANATION),
        ("locales.en", EXPLANATION),
    }
    assert all("by its letter" in w.message for w in warnings)
    assert f"({letter})" in next(w.message for w in warnings if w.file == "locales.en")


def test_words_that_only_look_like_letters_are_not_references() -> None:
    zh = "A股和ETF不同：买一只app推荐的基金前，先看T+1、费率和风险等级。"
    en = (
        "Pick a fund you can hold, e.g. a broad index fund; a choice a beginner makes is to "
        "chase an app's tip, and an option is only a right. Check the A-share rules."
    )
    assert warnings_of(explained(zh, en)) == []
