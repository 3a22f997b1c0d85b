"""The structure of a course document: everything but the human text.

Every locale of a course must share it (same lessons in the same order, same card kinds,
same checks on worked examples, same questions, kinds, choices and correct answers), so
progress and grading do not depend on the language a learner reads in.
"""

from collections.abc import Iterator
from typing import Any

from courses.bundle import LocaleFile


def structure_of(document: LocaleFile) -> dict[str, Any]:
    """Path -> structural value, parents before children."""
    shape: dict[str, Any] = {
        "slug": document.slug,
        "level": document.level,
        "tags": list(document.tags),
        "min_risk_profile": document.min_risk_profile,
        "prerequisites": list(document.prerequisites),
        "lessons": [lesson.slug for lesson in document.lessons],
    }
    for i, lesson in enumerate(document.lessons):
        at = f"lessons[{i}]"
        shape[f"{at}.est_minutes"] = lesson.est_minutes
        shape[f"{at}.open_to_all"] = lesson.open_to_all
        shape[f"{at}.cards"] = [card.kind for card in lesson.cards]
        for k, card in enumerate(lesson.cards):
            shape[f"{at}.cards[{k}].checks"] = [f"{c.expr} = {c.value}" for c in card.checks]
        shape[f"{at}.quiz.pass_score"] = lesson.quiz.pass_score
        shape[f"{at}.quiz.questions"] = [question.id for question in lesson.quiz.questions]
        for j, question in enumerate(lesson.quiz.questions):
            shape[f"{at}.quiz.questions[{j}].kind"] = question.kind
            shape[f"{at}.quiz.questions[{j}].choices"] = [
                f"{choice.id}{' (correct)' if choice.correct else ''}"
                for choice in question.choices
            ]
    return shape


def structure_differences(original: LocaleFile, other: LocaleFile) -> Iterator[tuple[str, str]]:
    """(path, message) for each place `other` differs from `original`; a difference in a list
    of lessons or questions hides the follow-on differences below it."""
    mine, theirs = structure_of(original), structure_of(other)
    reported: list[str] = []
    for path, value in mine.items():
        if any(
            path.startswith(parent + "[") or path.startswith(parent + ".") for parent in reported
        ):
            continue
        if path not in theirs:
            continue  # the parent list differs and was reported
        if theirs[path] != value:
            reported.append(path)
            yield path, f"is {_show(theirs[path])} but the original has {_show(value)}"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)
