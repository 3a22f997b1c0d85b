"""courses: stored lesson and course text without surrounding whitespace (data only)

YAML block scalars (`|`, `>`) end in a newline, and imports kept it: prompts, explanations,
card bodies and choices came out as `"...\\n"`. Imports now store `courses.text.clean_text`
of each text; this strips the same whitespace from the text stored before. The content hashes
are left alone, so importing an unchanged bundle still changes nothing.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 12:00:00.000000+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EDGE_WHITESPACE = " \t\r\n"  # as courses.text.clean_text, kept here as it was at this revision


def _clean(text: str) -> str:
    return text.strip(EDGE_WHITESPACE)


def _clean_lesson(row: Any) -> dict[str, Any]:
    return {
        "title": _clean(row.title),
        "cards": [card | {"body": _clean(card["body"])} for card in row.cards],
        "questions": [
            question
            | {
                "prompt": _clean(question["prompt"]),
                "choices": [c | {"text": _clean(c["text"])} for c in question["choices"]],
            }
            for question in row.questions
        ],
        "explanations": {qid: _clean(text) for qid, text in row.explanations.items()},
    }


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE course_version_text SET title = btrim(title, :ws), summary = btrim(summary, :ws)"
            " WHERE title <> btrim(title, :ws) OR summary <> btrim(summary, :ws)"
        ).bindparams(ws=EDGE_WHITESPACE)
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT version_id, lesson_id, locale, title, cards, questions, explanations"
            " FROM course_lesson_content"
        )
    ).all()
    update = sa.text(
        "UPDATE course_lesson_content SET title = :title, cards = :cards,"
        " questions = :questions, explanations = :explanations"
        " WHERE version_id = :version_id AND lesson_id = :lesson_id AND locale = :locale"
    ).bindparams(
        sa.bindparam("cards", type_=JSONB),
        sa.bindparam("questions", type_=JSONB),
        sa.bindparam("explanations", type_=JSONB),
    )
    for row in rows:
        cleaned = _clean_lesson(row)
        if any(cleaned[field] != getattr(row, field) for field in cleaned):
            keys = {"version_id": row.version_id, "lesson_id": row.lesson_id, "locale": row.locale}
            bind.execute(update, keys | cleaned)


def downgrade() -> None:
    pass  # the whitespace carried no meaning; there is nothing to put back
