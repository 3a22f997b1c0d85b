"""Grading a quiz attempt on the server, from the answer key of the lesson's version.

A submission answers every question (see `unanswered_questions`); a question is right when
the chosen set equals the correct set exactly. The quiz is passed when the percentage right
reaches its pass score.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCORING = "all_or_nothing"  # how the lesson payload names the rule above


@dataclass(frozen=True)
class QuestionKey:
    id: str
    kind: str  # single | multiple | true_false
    choice_ids: tuple[str, ...]
    correct: tuple[str, ...]


@dataclass(frozen=True)
class AnswerKey:
    pass_score: int
    questions: tuple[QuestionKey, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "pass_score": self.pass_score,
            "questions": [
                {
                    "id": q.id,
                    "kind": q.kind,
                    "choices": list(q.choice_ids),
                    "correct": list(q.correct),
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "AnswerKey":
        return cls(
            pass_score=int(data["pass_score"]),
            questions=tuple(
                QuestionKey(q["id"], q["kind"], tuple(q["choices"]), tuple(q["correct"]))
                for q in data["questions"]
            ),
        )


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    correct: bool
    correct_choice_ids: tuple[str, ...]


@dataclass(frozen=True)
class Grade:
    score: int
    max_score: int
    passed: bool
    results: tuple[QuestionResult, ...]

    @property
    def perfect(self) -> bool:
        return self.score == self.max_score


Answers = Mapping[str, Sequence[str]]


def answer_problems(key: AnswerKey, answers: Answers) -> list[tuple[str, str]]:
    """(field, message) for each answer that does not fit the quiz; empty when all fit."""
    questions = {q.id: q for q in key.questions}
    problems = []
    for question_id, chosen in answers.items():
        field = f"answers.{question_id}"
        question = questions.get(question_id)
        if question is None:
            problems.append((field, "unknown question"))
            continue
        unknown = [c for c in chosen if c not in question.choice_ids]
        if unknown:
            problems.append((field, f"unknown choice {', '.join(unknown)}"))
        elif len(set(chosen)) != len(chosen):
            problems.append((field, "a choice is given twice"))
        elif question.kind != "multiple" and len(chosen) > 1:
            problems.append((field, f"a {question.kind} question takes one choice"))
    return problems


def unanswered_questions(key: AnswerKey, answers: Answers) -> list[str]:
    """The ids of the questions with no choice given, in quiz order."""
    return [q.id for q in key.questions if not answers.get(q.id)]


def grade(key: AnswerKey, answers: Answers) -> Grade:
    """Grade answers that fit the quiz (see `answer_problems`); an unanswered question is
    wrong. The specification of the database's `quiz_grade` (migration 0047), which grades the
    attempts the API takes; `tests/courses/test_quiz_grade_function.py` holds the two equal."""
    results = tuple(
        QuestionResult(
            question_id=q.id,
            correct=bool(answers.get(q.id)) and set(answers[q.id]) == set(q.correct),
            correct_choice_ids=q.correct,
        )
        for q in key.questions
    )
    score = sum(result.correct for result in results)
    max_score = len(results)
    return Grade(score, max_score, score * 100 >= key.pass_score * max_score, results)


def answer_key_of(pass_score: int, questions: Sequence[Any]) -> AnswerKey:
    """The answer key of a bundle's quiz (`courses.bundle.Question` items)."""
    return AnswerKey(
        pass_score=pass_score,
        questions=tuple(
            QuestionKey(
                q.id,
                q.kind,
                tuple(c.id for c in q.choices),
                tuple(c.id for c in q.choices if c.correct),
            )
            for q in questions
        ),
    )
