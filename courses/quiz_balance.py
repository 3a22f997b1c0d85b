"""Quiz habits that let a learner pass without reading: warnings, per course.

- the right answer of single-choice questions sits on one choice id (`a`) too often;
- one choice id is right in every multiple-choice question;
- true/false statements lean one way;
- a wrong choice (or a false true/false statement) carries an absolute word (一定, 保证,
  always, guaranteed) that no right answer carries, so a test-wise learner rules it out;
- a multiple-choice prompt does not say how it is scored (all or nothing).

Positions are structure, the same in every locale, so they are counted on the original; words
are text, so they are read in every locale. With fewer than `MIN_SAMPLE` questions of a kind a
lean is chance, not a habit, and is not reported.
"""

import re
from collections import Counter
from collections.abc import Iterator

from courses.bundle import LocaleFile, Question

MIN_SAMPLE = 4
MAX_SINGLE_SHARE = 0.40
MAX_TRUE_FALSE_SHARE = 0.70
MULTIPLE_LABEL = {
    "zh-CN": "（多选，全部选对才得分）",
    "en": "(Select all that apply; all must be right)",
}
ABSOLUTE_WORDS = re.compile(r"一定|保证|完全|\balways\b|\bguarantee[ds]?\b", re.IGNORECASE)

Warning = tuple[str, str]  # (path in the document, message)


def position_warnings(document: LocaleFile) -> Iterator[Warning]:
    """Answer keys that lean on one choice id or one truth value."""
    yield from _single_lean(document)
    yield from _multiple_always(document)
    yield from _true_false_lean(document)


def wording_warnings(document: LocaleFile) -> Iterator[Warning]:
    """Absolute words that give a wrong answer away; multiple-choice prompts without the label."""
    label = MULTIPLE_LABEL[document.locale]
    for path, question in _questions(document):
        if question.kind == "multiple" and label not in question.prompt:
            yield f"{path}.prompt", f"a multiple-choice prompt says how it is scored: {label}"
        yield from _absolute_tells(path, question)


def _questions(document: LocaleFile) -> Iterator[tuple[str, Question]]:
    for i, lesson in enumerate(document.lessons):
        for j, question in enumerate(lesson.quiz.questions):
            yield f"lessons[{i}].quiz.questions[{j}]", question


def _correct_ids(question: Question) -> set[str]:
    return {choice.id for choice in question.choices if choice.correct}


def _single_lean(document: LocaleFile) -> Iterator[Warning]:
    keys = Counter(
        choice_id
        for _, question in _questions(document)
        if question.kind == "single"
        for choice_id in _correct_ids(question)
    )
    total = sum(keys.values())
    if total < MIN_SAMPLE:
        return
    choice_id, count = keys.most_common(1)[0]
    if count > MAX_SINGLE_SHARE * total:
        yield (
            "lessons",
            f"{choice_id} is the right answer of {count} of {total} single-choice questions "
            f"({count * 100 // total}%; at most {MAX_SINGLE_SHARE:.0%}): a guesser picks it",
        )


def _multiple_always(document: LocaleFile) -> Iterator[Warning]:
    keys = [_correct_ids(q) for _, q in _questions(document) if q.kind == "multiple"]
    if len(keys) < MIN_SAMPLE:
        return
    always = set.intersection(*keys)
    if always:
        yield (
            "lessons",
            f"{', '.join(sorted(always))} is right in every multiple-choice question "
            f"({len(keys)} of {len(keys)}): a guesser always ticks it",
        )


def _true_false_lean(document: LocaleFile) -> Iterator[Warning]:
    keys = Counter(
        choice_id
        for _, question in _questions(document)
        if question.kind == "true_false"
        for choice_id in _correct_ids(question)
    )
    total = sum(keys.values())
    if total < MIN_SAMPLE:
        return
    answer, count = keys.most_common(1)[0]
    if count > MAX_TRUE_FALSE_SHARE * total:
        yield (
            "lessons",
            f"{count} of {total} true/false statements are {answer} "
            f"(at most {MAX_TRUE_FALSE_SHARE:.0%} one way): a guesser answers {answer}",
        )


def _absolute_tells(path: str, question: Question) -> Iterator[Warning]:
    if question.kind == "true_false":
        word = ABSOLUTE_WORDS.search(question.prompt)
        if word and _correct_ids(question) == {"false"}:
            yield (
                f"{path}.prompt",
                f"a false statement saying {word.group()} gives the answer away; "
                "drop the absolute word or make the statement true",
            )
        return
    if any(ABSOLUTE_WORDS.search(c.text) for c in question.choices if c.correct):
        return
    for k, choice in enumerate(question.choices):
        word = ABSOLUTE_WORDS.search(choice.text)
        if word and not choice.correct:
            yield (
                f"{path}.choices[{k}].text",
                f"a wrong choice saying {word.group()} gives the answer away; "
                "write the mistake a beginner would make",
            )
