"""The order a learner sees a question's choices in never changes: pinned here for one learner
and lesson, as the first version of the rule ordered them."""

import uuid

from courses.shuffle import learner_choice_order, questions_for

LEARNER = uuid.UUID("01a22e7f-9921-7ffa-802f-27814a6d79df")
LESSON = uuid.UUID("01a22e7f-9921-7ade-8e06-f72eab19292f")


def _question(question_id: str, kind: str, choice_ids: list[str]) -> dict[str, object]:
    choices = [{"id": choice_id, "text": choice_id.upper()} for choice_id in choice_ids]
    return {"id": question_id, "kind": kind, "prompt": "?", "choices": choices}


QUESTIONS = [
    _question("q1", "single", ["a", "b", "c", "d"]),
    _question("q2", "multi", ["a", "b", "c", "d", "e"]),
    _question("q3", "true_false", ["false", "true"]),
]


def test_the_order_is_the_one_learners_have_always_seen() -> None:
    shown = questions_for(QUESTIONS, learner_id=LEARNER, lesson_id=LESSON)
    assert [[choice["id"] for choice in question["choices"]] for question in shown] == [
        ["a", "b", "c", "d"],
        ["a", "e", "b", "d", "c"],
        ["true", "false"],
    ]
    assert [question | {"choices": None} for question in shown] == [
        question | {"choices": None} for question in QUESTIONS
    ]


def test_one_question_is_ordered_as_in_the_whole_quiz() -> None:
    shown = questions_for(QUESTIONS, learner_id=LEARNER, lesson_id=LESSON)
    assert [learner_choice_order(q, learner_id=LEARNER, lesson_id=LESSON) for q in QUESTIONS] == [
        question["choices"] for question in shown
    ]
