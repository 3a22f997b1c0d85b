"""`quiz_grade` (migration 0047) grades as `courses.grading` does: over every seed quiz, with
right, wrong and mixed answers and with each kind of answer that does not fit the quiz."""

import random
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from api.seed import SEED_DIR
from courses.grading import AnswerKey, answer_key_of, answer_problems, grade, unanswered_questions
from courses.sources import discover
from courses.validation import validate_courses

_GRADE_ALL = sa.text(
    "SELECT g.valid, g.correct, g.score, g.max_score, g.passed "
    "FROM jsonb_array_elements(:cases) WITH ORDINALITY AS t(c, n), "
    "LATERAL quiz_grade(c->'key', c->'answers') g ORDER BY n"
).bindparams(sa.bindparam("cases", type_=JSONB))


def seed_keys() -> list[AnswerKey]:
    bundles, problems = validate_courses(
        discover(SEED_DIR / "courses").sources, known_courses=set()
    )
    assert problems == []
    return [
        answer_key_of(lesson.quiz.pass_score, lesson.quiz.questions)
        for bundle in bundles
        for lesson in bundle.original.lessons
    ]


def answer_sets(key: AnswerKey, rng: random.Random) -> list[dict[str, list[str]]]:
    """Answers that fit (right, wrong, at random) and answers that do not, one of each kind."""
    right = {q.id: list(q.correct) for q in key.questions}
    # A choice that is not right (a multiple question may have every choice right: then a
    # part of them).
    wrong = {
        q.id: [next((c for c in q.choice_ids if c not in q.correct), q.choice_ids[0])]
        for q in key.questions
    }

    def any_fit(kind: str, choices: tuple[str, ...]) -> list[str]:
        if kind != "multiple":
            return [rng.choice(choices)]
        return rng.sample(choices, rng.randint(1, len(choices)))

    mixed = [{q.id: any_fit(q.kind, q.choice_ids) for q in key.questions} for _ in range(6)]
    first, last = key.questions[0], key.questions[-1]
    unfit = [
        {k: v for k, v in right.items() if k != last.id},  # a question unanswered
        right | {last.id: []},  # answered with nothing
        right | {"no-such-question": [first.choice_ids[0]]},
        right | {first.id: ["no-such-choice"]},
        right | {first.id: [first.choice_ids[0], first.choice_ids[0]]},  # a choice twice
    ]
    single = next((q for q in key.questions if q.kind != "multiple"), None)
    if single is not None:
        unfit.append(right | {single.id: list(single.choice_ids[:2])})  # two for one
    return [right, wrong, *mixed, *unfit]


def expected(key: AnswerKey, answers: dict[str, list[str]]) -> tuple[Any, ...]:
    if answer_problems(key, answers) or unanswered_questions(key, answers):
        return (False,)
    result = grade(key, answers)
    right = [r.question_id for r in result.results if r.correct]
    return (True, right, result.score, result.max_score, result.passed)


async def test_quiz_grade_grades_every_seed_quiz_as_python_does(db: AsyncSession) -> None:
    rng = random.Random(48)
    cases = [(key, answers) for key in seed_keys() for answers in answer_sets(key, rng)]
    rows = (
        await db.execute(
            _GRADE_ALL,
            {"cases": [{"key": key.to_json(), "answers": answers} for key, answers in cases]},
        )
    ).all()
    assert len(rows) == len(cases)
    valid = 0
    for (key, answers), row in zip(cases, rows, strict=True):
        graded = (row.valid,) if not row.valid else tuple(row)
        assert graded == expected(key, answers), (key.to_json(), answers)
        valid += row.valid
    assert 0 < valid < len(cases)  # both kinds were graded
