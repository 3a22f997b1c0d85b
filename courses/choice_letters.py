"""Explanations that name a choice by its letter: a warning, per locale.

The app shows each learner a question's choices in their own order, so "选b", "(c)" or
"d is wrong" in an explanation points at a different choice for most learners. Only
single-letter choice ids are looked for, and only where the letter cannot be a word:

- zh-CN: the letter standing alone, not touching another ASCII letter, digit or dot;
- en: the letter in parentheses, or standing alone when it is not "a" or "i" (b-f are never
  English words) or when it is followed by ",", "and", "or", "is" or "are" (the article "a"
  never is). "Choosing a means ..." slips through; "a fund" or "e.g." never warn.
"""

import re
from collections.abc import Iterator

from courses.bundle import LocaleFile, Question

Warning = tuple[str, str]  # (path in the document, message)

_ALONE = r"(?<![A-Za-z0-9_.'’-]){letter}(?![A-Za-z0-9_'’-])"
_EN_ANY_LETTER = (
    r"\({letter}\)"
    r"|" + _ALONE + r"(?=\s*(?:,|\band\b|\bor\b|\bis\b|\bare\b))"
)


def letter_warnings(document: LocaleFile) -> Iterator[Warning]:
    for i, lesson in enumerate(document.lessons):
        for j, question in enumerate(lesson.quiz.questions):
            letter = _letter_reference(question, document.locale)
            if letter is not None:
                yield (
                    f"lessons[{i}].quiz.questions[{j}].explanation",
                    f"refers to a choice by its letter ({letter}), but every learner sees the "
                    "choices in their own order: quote or paraphrase the choice",
                )


def _letter_reference(question: Question, locale: str) -> str | None:
    letters = [c.id for c in question.choices if len(c.id) == 1 and "a" <= c.id <= "z"]
    for letter in letters:
        if _pattern(letter, locale).search(question.explanation):
            return letter
    return None


def _pattern(letter: str, locale: str) -> re.Pattern[str]:
    if locale != "en":
        return re.compile(_ALONE.format(letter=letter))
    pattern = _EN_ANY_LETTER if letter in "ai" else _EN_ANY_LETTER + "|" + _ALONE
    return re.compile(pattern.format(letter=letter))
