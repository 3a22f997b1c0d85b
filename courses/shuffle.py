"""The order a learner sees a question's choices in: shuffled, and the same for them forever.

The order is a hash of the learner, the lesson, the question and each choice id, so it is
stable across reloads and devices with nothing stored, and differs between learners: a
leaked "the answer is the first one" helps nobody else. Answers are given by choice id, so
grading does not depend on the order. True/false keeps true before false, as people read it.
"""

import uuid
from collections.abc import Mapping
from hashlib import sha256
from typing import Any


def learner_choice_order(
    question: Mapping[str, Any], *, learner_id: uuid.UUID, lesson_id: uuid.UUID
) -> list[Any]:
    """The question's choices (`{"id": ...}` items) in the order this learner sees them."""
    return _in_learner_order(question, f"{learner_id}:{lesson_id}:")


def questions_for(
    questions: list[dict[str, Any]], *, learner_id: uuid.UUID, lesson_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The lesson's questions with their choices in this learner's order."""
    learner_lesson = f"{learner_id}:{lesson_id}:"  # the ids written out once, not per question
    return [
        question | {"choices": _in_learner_order(question, learner_lesson)}
        for question in questions
    ]


def _in_learner_order(question: Mapping[str, Any], learner_lesson: str) -> list[Any]:
    choices = question["choices"]
    if question["kind"] == "true_false":
        return sorted(choices, key=lambda choice: choice["id"] != "true")
    prefix = f"{learner_lesson}{question['id']}:"
    return sorted(choices, key=lambda choice: sha256(f"{prefix}{choice['id']}".encode()).digest())
