"""A learner who reads nothing and guesses by letter must not pass the seed's quizzes.

The guesser knows the seed's habits per course: for each course they pick the one single-choice
letter, the one true/false answer and the one multiple-choice set that pass the most lessons,
and answer every quiz of the course with them. Choices are shuffled on screen, but the ids are
in the payload, so ids are what a guesser would use.
"""

from itertools import chain, combinations, product

from api.seed import SEED_DIR
from courses.bundle import LocaleFile
from courses.grading import answer_key_of, grade
from courses.sources import discover
from courses.validation import validate_courses

LETTERS = "abcdef"


def best_guesser_passes(course: LocaleFile) -> int:
    keys = [
        answer_key_of(lesson.quiz.pass_score, lesson.quiz.questions) for lesson in course.lessons
    ]
    sets = list(chain.from_iterable(combinations("abcd", n) for n in range(1, 5)))
    best = 0
    for single, truth, multiple in product("abcd", ("true", "false"), sets):
        guess = {"single": [single], "true_false": [truth], "multiple": list(multiple)}
        passed = sum(
            grade(
                key,
                {
                    q.id: guess[q.kind]
                    for q in key.questions
                    if set(guess[q.kind]) <= set(q.choice_ids)
                },
            ).passed
            for key in keys
        )
        best = max(best, passed)
    return best


def test_a_letter_guesser_passes_under_5_percent_of_the_seed_quizzes() -> None:
    discovery = discover(SEED_DIR / "courses")
    bundles, problems = validate_courses(discovery.sources, known_courses=set())
    assert problems == []
    quizzes = sum(len(bundle.original.lessons) for bundle in bundles)
    passed = {bundle.slug: best_guesser_passes(bundle.original) for bundle in bundles}
    assert sum(passed.values()) < 0.05 * quizzes, passed
