"""The order a learner sees a question's choices in: shuffled, and the same for them forever.

The order is a hash of the learner, the lesson, the question and each choice id, so it is
stable across reloads and devices with nothing stored, and differs between learners: a
leaked "the answer is the first one" helps nobody else. Answers are given by choice id, so
grading does not depend on the order. True/false keeps true before false, as people read it.
"""

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any


def learner_choice_order(
    question: Mapping[str, Any], *, learner_id: uuid.UUID, lesson_id: uuid.UUID
) -> list[Any]:
    """The question's choices (`{"id": ...}` items) in the order this learner sees them."""
    choices = list(question["choices"])
    if question["kind"] == "true_false":
        return sorted(choices, key=lambda choice: choice["id"] != "true")
    prefix = f"{learner_id}:{lesson_id}:{question['id']}:"
    return sorted(
        choices, key=lambda choice: hashlib.sha256(f"{prefix}{choice['id']}".encode()).digest()
    )


def questions_for(
    questions: list[dict[str, Any]], *, learner_id: uuid.UUID, lesson_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The lesson's questions with their choices in this learner's order."""
    return [
        question
        | {"choices": learner_choice_order(question, learner_id=learner_id, lesson_id=lesson_id)}
        for question in questions
    ]
